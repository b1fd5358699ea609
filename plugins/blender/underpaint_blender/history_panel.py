"""History, styles and interrogate: the daemon's archive of results (thumbnails through
bpy.utils.previews), "Load Again" (the full image into a new image), "Reuse Parameters" (the
entry's prompt and settings into the panel), a style picker that puts {style:NAME} into the
prompt (the daemon expands it), and "Interrogate" (the active image -> a prompt).

Every daemon call runs on a worker thread (jobs.background); answers land on the main thread."""
import os
import tempfile

import bpy
import bpy.utils.previews
from bpy.props import StringProperty

from . import daemon_status, images, jobs, operators, preferences
from .operators import UserError, _require_image, image_title
from .tool_settings import require_info
from .underpaint_kit import history, requests

HOST = "blender"
PAGE_SIZE = 12


class State:
    def __init__(self):
        self.entries = []    # pb_archive.HistoryEntry (with thumbnails), newest first
        self.total = 0
        self.styles = []     # pb_archive.Style
        self.message = ""
        self.busy = False


state = State()
_previews = None
_thumb_dir = None


def thumbnail_icon(entry_id):
    """The preview icon of an entry's thumbnail (0 before the page arrived)."""
    if _previews is None or entry_id not in _previews:
        return 0
    return _previews[entry_id].icon_id


def _store_thumbnails(entries):
    """Thumbnails (WebP bytes) become preview icons: written once to a temporary folder, then
    loaded by Blender's preview system (which decodes WebP)."""
    global _previews, _thumb_dir
    if _previews is None:
        _previews = bpy.utils.previews.new()
    if _thumb_dir is None:
        _thumb_dir = tempfile.mkdtemp(prefix="underpaint-history-")
    for entry in entries:
        if entry.id in _previews or not entry.thumbnail.data:
            continue
        path = os.path.join(_thumb_dir, f"{entry.id}.webp")
        with open(path, "wb") as handle:
            handle.write(entry.thumbnail.data)
        _previews.load(entry.id, path, "IMAGE")


def _connected(context, feature, capability):
    """A worker-thread function factory: connect, check GetInfo for the capability."""
    connection = preferences.connection(context)

    def connect():
        daemon = jobs.connect(connection)
        require_info(daemon.info, feature, capability)
        return daemon
    return connect


def _failed(message):
    state.busy, state.message = False, message


def refresh(context):
    tools = context.scene.underpaint_tools
    connect = _connected(context, "History", history.CAPABILITY)
    host = "" if tools.history_all_hosts else HOST
    document = "" if tools.history_all_hosts else operators.document_name()
    text = tools.history_text.strip()
    state.busy, state.message = True, "Loading history..."

    def work():
        daemon = connect()
        page = history.history_page(daemon, document=document, host=host, text=text, limit=PAGE_SIZE)
        styles = history.list_styles(daemon) if "styles" in daemon.info.capabilities else []
        return page, styles

    def done(answer):
        page, styles = answer
        _store_thumbnails(page.entries)
        state.entries, state.total, state.styles = page.entries, page.total, styles
        state.busy = False
        state.message = f"{page.total} result(s)" if page.total else "No results yet"

    jobs.background(work, done, _failed)


def _entry(entry_id):
    for entry in state.entries:
        if entry.id == entry_id:
            return entry
    raise UserError(f"entry_id: '{entry_id}' is not in the history list; refresh it")


def reuse(settings, entry):
    """The entry's parameters into the panel (the seed too: set -1 for a new variation).
    Returns a warning when the seed does not fit Blender's seed field (32-bit)."""
    request = history.reuse_parameters(entry)
    settings.prompt, settings.negative_prompt = request.prompt, request.negative_prompt
    settings.model, settings.sampler, settings.vae = request.model, request.sampler, request.vae
    if request.steps:
        settings.steps = request.steps
    if request.guidance:
        settings.guidance = request.guidance
    warning = ""
    if -1 <= request.seed < 2 ** 31:
        settings.seed = request.seed
    else:  # IntProperty is 32-bit; the daemon's random seeds fit, a seed typed elsewhere may not
        settings.seed = -1
        warning = f"Seed {request.seed} does not fit the Seed field (up to {2 ** 31 - 1}): it is -1 (random) now"
    if request.width and request.height:
        settings.width, settings.height = request.width, request.height
    settings.seamless = request.tiling
    if request.strength:
        settings.strength = request.strength
    return warning


def load_again(entry):
    """Main thread: the entry's full image into a new image named after its prompt."""
    data = entry.image
    name = f"{image_title(entry.parameters.prompt) or 'Underpaint'} (history)"
    image = bpy.data.images.new(name, data.width, data.height, alpha=True)
    image.use_fake_user = True
    images.write_rgba8(image, data.data, data.width, data.height)
    image["underpaint_seed"] = str(entry.parameters.seed)
    image["underpaint_archive_id"] = entry.id
    if entry.parameters.infotext:
        image["underpaint_parameters"] = entry.parameters.infotext
    state.message = f"Loaded '{image.name}'"
    return image.name


class UNDERPAINT_OT_history_refresh(bpy.types.Operator):
    bl_idname = "underpaint.history_refresh"
    bl_label = "Refresh History"
    bl_description = "List the newest results from the daemon's archive (and its styles)"

    def execute(self, context):
        refresh(context)
        return {"FINISHED"}


class UNDERPAINT_OT_history_load(bpy.types.Operator):
    bl_idname = "underpaint.history_load"
    bl_label = "Load Again"
    bl_description = "Load this result's full image into a new image"

    entry_id: StringProperty(default="", options={"SKIP_SAVE"})

    def execute(self, context):
        connect = _connected(context, "History", history.CAPABILITY)
        entry_id = self.entry_id
        state.message = "Loading..."
        jobs.background(lambda: history.fetch_entry(connect(), entry_id),
                        lambda entry: load_again(entry), _failed)
        return {"FINISHED"}


class UNDERPAINT_OT_history_reuse(bpy.types.Operator):
    bl_idname = "underpaint.history_reuse"
    bl_label = "Reuse Parameters"
    bl_description = "Put this result's prompt, model, seed and settings into the panel"
    bl_options = {"REGISTER", "UNDO"}

    entry_id: StringProperty(default="", options={"SKIP_SAVE"})

    def execute(self, context):
        try:
            warning = reuse(context.scene.underpaint, _entry(self.entry_id))
        except UserError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        if warning:
            self.report({"WARNING"}, warning)
        return {"FINISHED"}


class UNDERPAINT_OT_apply_style(bpy.types.Operator):
    bl_idname = "underpaint.apply_style"
    bl_label = "Add Style"
    bl_description = "Add {style:NAME} to the prompt; the daemon puts the style's words there when it generates"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        s, name = context.scene.underpaint, context.scene.underpaint_tools.style.strip()
        if not name:
            self.report({"ERROR"}, "style: choose a style first (Refresh History lists the daemon's)")
            return {"CANCELLED"}
        if daemon_status.state == "ok" and "styles" not in daemon_status.capabilities:
            from .tool_settings import too_old_message

            self.report({"ERROR"}, too_old_message("Styles", "styles"))
            return {"CANCELLED"}
        tag = "{style:" + name + "}"
        if tag not in s.prompt:
            s.prompt = f"{s.prompt.rstrip().rstrip(',')}, {tag}" if s.prompt.strip() else tag
        return {"FINISHED"}


class UNDERPAINT_OT_interrogate(bpy.types.Operator):
    bl_idname = "underpaint.interrogate"
    bl_label = "Interrogate"
    bl_description = "Describe the active image as a prompt (needs a CLIP model on the daemon) and put it in the prompt"

    image_name: StringProperty(default="", options={"SKIP_SAVE"})

    def execute(self, context):
        try:
            image = _require_image(context, self.image_name)
        except UserError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        width, height = images.size_of(image)
        picture = requests.rgba_image(width, height, images.read_rgba8(image))
        connect = _connected(context, "Interrogate", "interrogate")
        settings = context.scene.underpaint
        state.message = "Interrogating..."

        def done(prompt):
            settings.prompt = prompt
            state.message = "Prompt filled from the image"

        jobs.background(lambda: history.interrogate(connect(), picture), done, _failed)
        return {"FINISHED"}


CLASSES = (UNDERPAINT_OT_history_refresh, UNDERPAINT_OT_history_load, UNDERPAINT_OT_history_reuse,
           UNDERPAINT_OT_apply_style, UNDERPAINT_OT_interrogate)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister():
    global _previews
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
    if _previews is not None:
        bpy.utils.previews.remove(_previews)
        _previews = None
    state.__init__()
