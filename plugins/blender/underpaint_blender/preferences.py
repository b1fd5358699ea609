"""Add-on preferences: where the daemon is and how to authenticate."""
import bpy
from bpy.props import StringProperty

from . import daemon_status

ADDON_ID = __package__  # "bl_ext.<repo>.underpaint_blender" as an extension, the module name as an add-on


class UnderpaintPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    address: StringProperty(
        name="Daemon Address",
        description="host:port of the daemon's HTTP gateway; empty = find the local daemon "
                    "($UNDERPAINT_HTTP, then daemon.json in the user config folder)",
        default="")
    token_file: StringProperty(
        name="Token File",
        description="File holding the daemon's access token (needed off 127.0.0.1); "
                    "empty = the token file next to daemon.json",
        default="", subtype="FILE_PATH")

    def draw(self, context):
        layout = self.layout
        layout.prop(self, "address")
        layout.prop(self, "token_file")
        row = layout.row()
        row.operator("underpaint.refresh", icon="FILE_REFRESH")
        row.label(text=daemon_status.short)
        for line in daemon_status.details:
            layout.label(text=line)


def connection(context=None):
    """(address or None, token_file or None) from the preferences, read on the main thread."""
    context = context or bpy.context
    addon = context.preferences.addons.get(ADDON_ID)
    if addon is None or addon.preferences is None:
        return None, None
    prefs = addon.preferences
    token_file = bpy.path.abspath(prefs.token_file) if prefs.token_file else None
    return prefs.address.strip() or None, token_file


def register():
    bpy.utils.register_class(UnderpaintPreferences)


def unregister():
    bpy.utils.unregister_class(UnderpaintPreferences)
