"""Underpaint for Blender: generate and edit textures with a local Underpaint daemon.

Installed as a Blender 4.2+ extension (blender_manifest.toml) or, on older Blender, as a legacy
add-on (bl_info below). All daemon traffic goes through the vendored host kit (vendor/).
"""

bl_info = {
    "name": "Underpaint",
    "author": "Underpaint developers",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "location": "Image Editor / Shader Editor > Sidebar > Underpaint",
    "description": "Generate and edit textures with a local Underpaint daemon",
    "category": "Paint",
}

from . import _vendor  # noqa: E402

_vendor.ensure_on_path()

from . import board, jobs, operators, panels, preferences, properties  # noqa: E402

_MODULES = (preferences, properties, operators, board, panels)


def register():
    for module in _MODULES:
        module.register()


def unregister():
    jobs.unregister()
    for module in reversed(_MODULES):
        module.unregister()
