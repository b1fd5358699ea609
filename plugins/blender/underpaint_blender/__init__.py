"""Underpaint for Blender: generate and edit textures with a local Underpaint daemon.

Installed as a Blender 4.2+ extension (blender_manifest.toml) or, on older Blender, as a legacy
add-on (bl_info below). All daemon traffic goes through the host kit, which the build puts
inside the add-on (underpaint_kit/, imported relatively); its protobuf runtime is a bundled wheel
that Blender 4.2+ installs from the manifest (legacy_wheels.py covers older Blender).
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

from . import legacy_wheels  # noqa: E402

legacy_wheels.ensure_protobuf()

from . import board, control_operators, extras, jobs, operators, panels, preferences, properties, undo  # noqa: E402
from . import history_panel, keyframes, live_texture, tool_settings, tools_panels, upscale_ops  # noqa: E402

# control_operators after panels: its sub-panel hangs under the main panel
_MODULES = (preferences, properties, undo, operators, extras, board, panels, control_operators)
# The image tools (upscale, edit without a mask, keyframes, live texture, history): their own
# settings and sub-panels of the Image Editor's tab, registered after the tab itself.
_TOOL_MODULES = (tool_settings, upscale_ops, keyframes, live_texture, history_panel, tools_panels)


def register():
    for module in _MODULES + _TOOL_MODULES:
        module.register()


def unregister():
    jobs.unregister()
    for module in reversed(_MODULES + _TOOL_MODULES):
        module.unregister()
