"""Image Editor sub-panels of the Underpaint tab for the image tools: Upscale and Edit,
Keyframes, Live Texture, History and Styles (operators in upscale_ops, keyframes, live_texture,
history_panel)."""
import bpy

from . import daemon_status, history_panel, keyframes, live_texture, operators
from .panels import _chars_per_line, _prop_with_placeholder, _wrap

PARENT = "UNDERPAINT_PT_image_main"


class _ToolPanel:
    bl_space_type = "IMAGE_EDITOR"
    bl_region_type = "UI"
    bl_category = "Underpaint"
    bl_parent_id = PARENT
    bl_options = {"DEFAULT_CLOSED"}
    capability = ""

    def _too_old(self, layout, feature):
        """A clear line instead of buttons that would fail: the daemon lacks the capability."""
        if daemon_status.state == "ok" and self.capability not in daemon_status.capabilities:
            layout.label(text=f"{feature}: daemon too old", icon="ERROR")
            layout.label(text="Update it: pip install -U underpaint", icon="BLANK1")
            return True
        return False


class UNDERPAINT_PT_image_upscale(_ToolPanel, bpy.types.Panel):
    bl_label = "Upscale and Edit"
    capability = "upscale"

    def draw(self, context):
        tools, layout = context.scene.underpaint_tools, self.layout
        image = operators.active_image(context)
        layout.enabled = image is not None
        layout.prop(tools, "result_into", expand=True)
        if not self._too_old(layout, "Upscale"):
            col = layout.column(align=True)
            _prop_with_placeholder(col, tools, "upscaler", "Lanczos", "NONE", text=None)
            col.prop(tools, "upscale_factor")
            row = col.row(align=True)
            row.prop(tools, "upscale_diffusion", toggle=True)
            sub = row.row(align=True)
            sub.enabled = tools.upscale_diffusion
            sub.prop(tools, "upscale_strength", text="")
            col.operator("underpaint.upscale", icon="FULLSCREEN_ENTER")
        layout.separator()
        col = layout.column(align=True)
        _prop_with_placeholder(col, tools, "edit_from_prompt", "What it shows (a cat on a sofa)", "NONE", text=None)
        _prop_with_placeholder(col, tools, "edit_to_prompt", "What it should show (a dog on a sofa)", "NONE",
                               text=None)
        col.operator("underpaint.edit_no_mask", icon="MOD_UVPROJECT")


class UNDERPAINT_PT_image_keyframes(_ToolPanel, bpy.types.Panel):
    bl_label = "Keyframes"
    capability = "noise"

    def draw(self, context):
        tools, layout = context.scene.underpaint_tools, self.layout
        if self._too_old(layout, "Keyframes"):
            return
        layout.prop(tools, "keyframes_source", text="From")
        if tools.keyframes_source == "SEQUENCE":
            layout.template_ID(tools, "keyframes_image", open="image.open")
        elif tools.keyframes_source == "FOLDER":
            layout.prop(tools, "keyframes_folder", text="")
        else:
            scene = context.scene
            layout.label(text=f"Renders frames {scene.frame_start}-{scene.frame_end} first", icon="RENDER_ANIMATION")
        layout.prop(tools, "keyframes_strength", slider=True)
        layout.prop(tools, "keyframes_output")
        layout.prop(tools, "keyframes_to_node")
        layout.operator("underpaint.keyframes", icon="SEQUENCE")
        progress = keyframes.progress
        if progress.total:
            layout.label(text=f"Frames written: {len(progress.written)}/{progress.total}", icon="FILE_FOLDER")
            if progress.sequence:
                layout.label(text=f"Sequence: {progress.sequence}", icon="IMAGE_DATA")


class UNDERPAINT_PT_image_live(_ToolPanel, bpy.types.Panel):
    bl_label = "Live Texture"
    capability = "live"

    def draw(self, context):
        tools, layout = context.scene.underpaint_tools, self.layout
        if self._too_old(layout, "Live texture"):
            return
        live = live_texture.live
        row = layout.row(align=True)
        row.operator("underpaint.live_toggle", text="Live: On" if live.on else "Live: Off",
                     icon="REC" if live.on else "PLAY", depress=live.on)
        row.operator("underpaint.live_apply", icon="CHECKMARK")
        col = layout.column(align=True)
        col.prop(tools, "live_strength", slider=True)
        col.prop(tools, "live_steps")
        if live.on:
            layout.label(text=f"Painting '{live.image_name}'", icon="BRUSH_DATA")
        for line in _wrap(live.status, _chars_per_line(context)):
            layout.label(text=line)


class UNDERPAINT_PT_image_history(_ToolPanel, bpy.types.Panel):
    bl_label = "History and Styles"
    capability = "history"

    def draw(self, context):
        tools, layout = context.scene.underpaint_tools, self.layout
        if self._too_old(layout, "History"):
            return
        row = layout.row(align=True)
        _prop_with_placeholder(row, tools, "history_text", "Search prompts", "VIEWZOOM")
        row.prop(tools, "history_all_hosts", text="", icon="WORLD")
        row.operator("underpaint.history_refresh", text="", icon="FILE_REFRESH")
        state = history_panel.state
        for line in _wrap(state.message, _chars_per_line(context)):
            layout.label(text=line)
        for entry in state.entries:
            box = layout.box()
            row = box.row()
            icon = history_panel.thumbnail_icon(entry.id)
            if icon:
                row.template_icon(icon_value=icon, scale=3.0)
            col = row.column(align=True)
            col.label(text=entry.parameters.prompt[:60] or "(no prompt)")
            col.label(text=f"{entry.width}x{entry.height}, seed {entry.parameters.seed}")
            buttons = col.row(align=True)
            buttons.operator("underpaint.history_load", text="Load Again", icon="IMPORT").entry_id = entry.id
            buttons.operator("underpaint.history_reuse", text="Reuse", icon="RECOVER_LAST").entry_id = entry.id
        layout.separator()
        row = layout.row(align=True)
        _prop_with_placeholder(row, tools, "style", "Style", "NONE", text=None)
        row.operator("underpaint.apply_style", text="", icon="ADD")
        layout.operator("underpaint.interrogate", icon="VIEWZOOM")


CLASSES = (UNDERPAINT_PT_image_upscale, UNDERPAINT_PT_image_keyframes, UNDERPAINT_PT_image_live,
           UNDERPAINT_PT_image_history)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
