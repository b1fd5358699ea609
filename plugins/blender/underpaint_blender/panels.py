"""Sidebar tabs "Underpaint" in the Image Editor and the Shader Editor (same content)."""
import bpy

from . import board, daemon_status, jobs, operators, preferences, tokens

_STATE_ICONS = {"ok": "LINKED", "connecting": "TIME", "error": "ERROR", "unknown": "UNLINKED"}


def _chars_per_line(context):
    """How many characters fit the sidebar's width, for wrapping long messages instead of
    letting Blender cut them off mid-text."""
    region = getattr(context, "region", None)
    width = region.width if region is not None and region.width > 1 else 300
    scale = context.preferences.system.ui_scale if context.preferences else 1.0
    return max(16, int(width / (7.5 * scale)) - 6)  # less the icon and the margins


def _draw_status(layout, context):
    """One short line, always there (so the panel below does not jump): the details live in the
    Connection sub-panel. The first draw also starts fetching the model and sampler lists."""
    daemon_status.ensure_fetched(preferences.connection(context))
    row = layout.row(align=True)
    short = daemon_status.short
    if daemon_status.state == "error":
        short = "Daemon not running" if "not running" in " ".join(daemon_status.details) else "Connection failed"
    row.label(text=short, icon=_STATE_ICONS.get(daemon_status.state, "UNLINKED"))
    row.operator("underpaint.refresh", text="", icon="FILE_REFRESH")


def _draw_job(layout, context):
    job = jobs.current
    if job is None:
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
        for index, line in enumerate(_wrap(job.status_text, _chars_per_line(context))):
            box.label(text=line, icon=icon if index == 0 else "BLANK1")


def _wrap(text, width):
    words, lines, line = text.split(), [], ""
    for word in words:
        while len(word) > width:  # an address or path longer than the line
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


def _prop_with_placeholder(layout, settings, name, placeholder, icon, text=""):
    """text=None keeps the property's own label; "" draws none."""
    label = {} if text is None else {"text": text}
    try:  # placeholder text exists from Blender 4.1 on
        layout.prop(settings, name, icon=icon, placeholder=placeholder, **label)
    except TypeError:
        layout.prop(settings, name, icon=icon, **label)


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
        _draw_status(layout, context)
        _prop_with_placeholder(layout, s, "prompt", "Prompt", "OUTLINER_DATA_GP_LAYER")
        if tokens.label:  # "68/75 · 2 chunks": nothing is cut, each chunk is encoded and joined
            layout.label(text=tokens.label, icon="BLANK1")
        _prop_with_placeholder(layout, s, "negative_prompt", "Negative prompt", "REMOVE")
        _draw_job(layout, context)

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
        col.prop(s, "refine_source", text="Source")
        col.prop(s, "strength", slider=True)
        col.operator("underpaint.refine", icon="BRUSH_DATA")
        col.separator()
        col.prop(s, "mask_source", text="Mask")
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
        _prop_with_placeholder(row, s, "model", "Daemon default", "NODE_COMPOSITING", text=None)
        row.operator("underpaint.refresh", text="", icon="FILE_REFRESH")
        note = daemon_status.demo_note(s.model.strip())
        for index, line in enumerate(_wrap(note, _chars_per_line(context))):
            layout.label(text=line, icon="INFO" if index == 0 else "BLANK1")
        _prop_with_placeholder(layout, s, "sampler", "Daemon default", "NONE", text=None)
        col = layout.column(align=True)
        col.prop(s, "steps")
        col.prop(s, "guidance")
        col.prop(s, "seed")
        job = jobs.current
        if job is not None and job.seed is not None:
            layout.label(text=f"Last seed: {job.seed}")


class _Extras(_UnderpaintPanel):
    bl_label = "LoRAs, Embeddings, Faces"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        s = context.scene.underpaint
        layout = self.layout
        row = layout.row(align=True)
        _prop_with_placeholder(row, s, "lora", "Search the daemon's LoRAs", "NONE", text=None)
        row.prop(s, "lora_weight", text="")
        row.operator("underpaint.insert_lora", text="", icon="ADD")
        row = layout.row(align=True)
        _prop_with_placeholder(row, s, "embedding", "Search the daemon's embeddings", "NONE", text=None)
        row.operator("underpaint.insert_embedding", text="", icon="ADD").into = "PROMPT"
        row.operator("underpaint.insert_embedding", text="", icon="REMOVE").into = "NEGATIVE"
        _prop_with_placeholder(layout, s, "vae", "The model's own", "NONE", text=None)
        layout.separator()
        col = layout.column(align=True)
        col.label(text="After generating:")
        row = col.row(align=True)
        row.prop(s, "rerender_faces", toggle=True)
        row.prop(s, "restore_faces", toggle=True)
        _prop_with_placeholder(col, s, "face_restorer", "First installed", "NONE", text=None)
        col.prop(s, "face_strength", slider=True)
        image = operators.active_image(context)
        row = layout.row(align=True)
        row.enabled = image is not None
        row.operator("underpaint.faces", text="Restore Faces", icon="USER").action = "RESTORE"
        row.operator("underpaint.faces", text="Re-render Faces", icon="BRUSH_DATA").action = "RERENDER"


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
        for line in _wrap(board.last_message, _chars_per_line(context)):
            layout.label(text=line)


class _Connection(_UnderpaintPanel):
    bl_label = "Connection"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        layout = self.layout
        col = layout.column(align=True)
        width = _chars_per_line(context)
        for detail in daemon_status.details or [daemon_status.short]:
            for line in _wrap(detail, width):
                col.label(text=line)
        layout.operator("underpaint.refresh", icon="FILE_REFRESH")
        hint = layout.column(align=True)
        for line in _wrap("Address and token: Preferences > Add-ons > Underpaint", width):
            hint.label(text=line)


def _panel_classes():
    """One concrete class per editor: Blender panels belong to a single space type."""
    classes = []
    for space, tag in (("IMAGE_EDITOR", "IMAGE"), ("NODE_EDITOR", "NODE")):
        main_id = f"UNDERPAINT_PT_{tag.lower()}_main"
        main = type(main_id, (_Main, bpy.types.Panel), {"bl_idname": main_id, "bl_space_type": space})
        options_id = f"UNDERPAINT_PT_{tag.lower()}_options"
        options = type(options_id, (_Options, bpy.types.Panel),
                       {"bl_idname": options_id, "bl_space_type": space, "bl_parent_id": main_id})
        extras_id = f"UNDERPAINT_PT_{tag.lower()}_extras"
        extras = type(extras_id, (_Extras, bpy.types.Panel),
                      {"bl_idname": extras_id, "bl_space_type": space, "bl_parent_id": main_id})
        board_id = f"UNDERPAINT_PT_{tag.lower()}_board"
        board_panel = type(board_id, (_Board, bpy.types.Panel),
                           {"bl_idname": board_id, "bl_space_type": space, "bl_parent_id": main_id})
        connection_id = f"UNDERPAINT_PT_{tag.lower()}_connection"
        connection = type(connection_id, (_Connection, bpy.types.Panel),
                          {"bl_idname": connection_id, "bl_space_type": space, "bl_parent_id": main_id})
        classes += [main, options, extras, board_panel, connection]
    return classes


CLASSES = _panel_classes()


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
