"""Sidebar tabs "Underpaint" in the Image Editor and the Shader Editor (same content)."""
import bpy

from . import board, jobs, operators


def _draw_job(layout):
    job = jobs.current
    if job is None:
        if jobs.daemon_summary:
            layout.label(text=jobs.daemon_summary, icon="LINKED")
        return
    box = layout.box()
    if job.active:
        row = box.row(align=True)
        if hasattr(row, "progress"):  # Blender 4.0+
            row.progress(factor=job.progress, type="BAR", text=job.status_text)
        else:
            row.label(text=job.status_text, icon="TIME")
        row.operator("underpaint.cancel", text="", icon="X")
        icon_id = jobs.preview_icon_id()
        if job.has_preview and icon_id:
            box.template_icon(icon_value=icon_id, scale=8.0)
    else:
        icon = {"succeeded": "CHECKMARK", "cancelled": "CANCEL"}.get(job.state, "ERROR")
        for index, line in enumerate(_wrap(job.status_text, 30)):
            box.label(text=line, icon=icon if index == 0 else "BLANK1")


def _wrap(text, width):
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


def _prop_with_placeholder(layout, settings, name, placeholder, icon):
    try:  # placeholder text exists from Blender 4.1 on
        layout.prop(settings, name, text="", icon=icon, placeholder=placeholder)
    except TypeError:
        layout.prop(settings, name, text="", icon=icon)


class _UnderpaintPanel:
    bl_region_type = "UI"
    bl_category = "Underpaint"

    @classmethod
    def poll(cls, context):
        space = context.space_data
        return space.type == "IMAGE_EDITOR" or getattr(space, "tree_type", "") == "ShaderNodeTree"


class _Main(_UnderpaintPanel):
    bl_label = "Underpaint"

    def draw(self, context):
        s = context.scene.underpaint
        layout = self.layout
        layout.use_property_split = False
        _prop_with_placeholder(layout, s, "prompt", "Prompt", "OUTLINER_DATA_GP_LAYER")
        _prop_with_placeholder(layout, s, "negative_prompt", "Negative prompt", "REMOVE")
        _draw_job(layout)

        col = layout.column(align=True)
        col.prop(s, "target", text="Into")
        row = col.row(align=True)
        row.prop(s, "width", text="W")
        row.prop(s, "height", text="H")
        row = col.row(align=True)
        row.prop(s, "variations", text="Count")
        row.prop(s, "seamless", toggle=True, icon="MOD_ARRAY")
        layout.operator("underpaint.generate", icon="IMAGE_DATA")

        image = operators.active_image(context)
        layout.separator()
        layout.label(text=f"Edit: {image.name}" if image else "Edit: (no active image)")
        col = layout.column(align=True)
        col.enabled = image is not None
        col.prop(s, "refine_source", text="")
        col.prop(s, "strength", slider=True)
        col.operator("underpaint.refine", icon="BRUSH_DATA")
        col.separator()
        col.prop(s, "mask_source", text="")
        if s.mask_source == "IMAGE":
            col.template_ID(s, "mask_image", open="image.open")
        row = col.row(align=True)
        row.prop(s, "grow")
        row.prop(s, "feather")
        col.operator("underpaint.fill", icon="MOD_MASK")
        col.separator()
        grid = col.grid_flow(columns=2, align=True)
        for side in ("left", "right", "top", "bottom"):
            grid.prop(s, f"expand_{side}")
        col.operator("underpaint.expand", icon="FULLSCREEN_ENTER")
        col.separator()
        col.operator("underpaint.use_as_material", icon="MATERIAL")


class _Options(_UnderpaintPanel):
    bl_label = "Model and Sampling"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        s = context.scene.underpaint
        layout = self.layout
        row = layout.row(align=True)
        row.prop(s, "model", icon="NODE_COMPOSITING")
        row.operator("underpaint.refresh", text="", icon="FILE_REFRESH")
        layout.prop(s, "sampler")
        col = layout.column(align=True)
        col.prop(s, "steps")
        col.prop(s, "guidance")
        col.prop(s, "seed")
        job = jobs.current
        if job is not None and job.seed is not None:
            layout.label(text=f"Last seed: {job.seed}")


class _Board(_UnderpaintPanel):
    bl_label = "Board"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        s = context.scene.underpaint
        layout = self.layout
        row = layout.row(align=True)
        row.prop(s, "board_channel")
        row.operator("underpaint.board_list", text="", icon="FILE_REFRESH")
        row = layout.row(align=True)
        row.operator("underpaint.board_send", icon="EXPORT")
        row.operator("underpaint.board_place", icon="IMPORT")
        image = operators.active_image(context)
        if image is not None and image.get(board.CHANNEL_PROP):
            layout.operator("underpaint.board_unfollow", icon="UNLINKED",
                            text=f"Stop Following '{image[board.CHANNEL_PROP]}'")
        else:
            layout.operator("underpaint.board_follow", icon="LINKED")
        for line in _wrap(board.last_message, 30):
            layout.label(text=line)


def _panel_classes():
    """One concrete class per editor: Blender panels belong to a single space type."""
    classes = []
    for space, tag in (("IMAGE_EDITOR", "IMAGE"), ("NODE_EDITOR", "NODE")):
        main_id = f"UNDERPAINT_PT_{tag.lower()}_main"
        main = type(main_id, (_Main, bpy.types.Panel), {"bl_idname": main_id, "bl_space_type": space})
        options_id = f"UNDERPAINT_PT_{tag.lower()}_options"
        options = type(options_id, (_Options, bpy.types.Panel),
                       {"bl_idname": options_id, "bl_space_type": space, "bl_parent_id": main_id})
        board_id = f"UNDERPAINT_PT_{tag.lower()}_board"
        board_panel = type(board_id, (_Board, bpy.types.Panel),
                           {"bl_idname": board_id, "bl_space_type": space, "bl_parent_id": main_id})
        classes += [main, options, board_panel]
    return classes


CLASSES = _panel_classes()


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
