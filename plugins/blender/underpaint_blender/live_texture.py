"""Live texture: while Live is on, every change to the active image (texture painting) is sent
through the host kit's LiveSession and the newest result shows in an image "NAME (live)";
Apply copies it into the painted image (one undo step).

How changes are seen: a bpy.app.timers check, not a depsgraph handler. Blender's 2D painting ends
a stroke with a window-manager notifier (NC_IMAGE | NA_EDITED), which Python cannot listen to;
nothing promises a depsgraph update for the image, and depsgraph_update_post fires for every
unrelated scene change. A timer sees a change whichever tool made it. The timer
(every CHECK_INTERVAL_S, only while Live is on) first asks `image.is_dirty`, which costs nothing
and stays False until the first stroke; it is sticky (True until saved), so once it is set a
CRC of the pixels tells whether a new stroke landed since the last check. A change builds the
request right there, on the main thread (bpy must not be touched from the kit's thread), and hands
it to LiveSession, whose debounce waits for the brush to pause before sending."""
import time
import zlib

import bpy
import numpy as np
from bpy.app.handlers import persistent

from . import images, jobs, preferences
from .operators import UserError, _require_image, _result_rgba, client_name
from .tool_settings import require_info
from .undo import keep_for_undo, push_undo
from .underpaint_kit import requests

CHECK_INTERVAL_S = 0.25
CHECK_SHARE = 0.2  # a big image checks less often: the checksum takes at most this share of the UI's time
CAPABILITY = "live"


class Live:
    """The one live session (one painted image at a time)."""

    def __init__(self):
        self.image_name = ""
        self.session = None       # kit LiveSession once connected
        self.fingerprint = None   # CRC of the pixels last sent (or seen when Live was switched on)
        self.seed = 0
        self.status = ""
        self.results = 0          # results shown so far
        self.connecting = False
        self.interval = CHECK_INTERVAL_S

    @property
    def on(self):
        return bool(self.image_name)


live = Live()


def live_name(image_name):
    return f"{image_name} (live)"


def _fingerprint(image):
    started = time.perf_counter()
    width, height = images.size_of(image)
    flat = np.empty(width * height * 4, dtype=np.float32)
    image.pixels.foreach_get(flat)
    crc = zlib.crc32(flat.tobytes())
    live.interval = max(CHECK_INTERVAL_S, (time.perf_counter() - started) / CHECK_SHARE)
    return crc, width, height


def _build(image, s, tools):
    """A refine canvas request of the whole image (read now, on the main thread)."""
    width, height = images.size_of(image)
    return requests.canvas_request(
        "refine", (width, height), images.read_rgba8(image), (0, 0, width, height),
        prompt=s.prompt, negative_prompt=s.negative_prompt, model=s.model.strip(),
        strength=tools.live_strength, steps=tools.live_steps, guidance=s.guidance, seed=live.seed,
        sampler=s.sampler.strip(), tiling=s.seamless, client=client_name(), vae=s.vae.strip(),
        previews=False)


def check(context=None):
    """Main thread (the timer; tests call it): sends the image when it changed since the last check."""
    context = context or bpy.context
    image = bpy.data.images.get(live.image_name) if live.on else None
    if image is None or live.session is None:
        return False
    if not image.is_dirty and live.fingerprint is not None:
        return False  # nothing painted since it was loaded or saved
    fingerprint = _fingerprint(image)
    if fingerprint == live.fingerprint:
        return False
    live.fingerprint = fingerprint
    request = _build(image, context.scene.underpaint, context.scene.underpaint_tools)
    live.session.canvas_changed(lambda: request)
    live.status = "Painting... (sending when the brush pauses)"
    return True


def _timer():
    if not live.on:
        return None
    try:
        check()
    except Exception as error:  # keep the loop alive; say what broke
        live.status = f"Live: {type(error).__name__}: {error}"
    return live.interval


def show_result(result):
    """Main thread: the newest live result goes into "NAME (live)" (created on the first one)."""
    if not live.on:
        return
    data = _result_rgba(result)
    name = live_name(live.image_name)
    target = bpy.data.images.get(name)
    if target is None:
        target = bpy.data.images.new(name, data.width, data.height, alpha=True)
    if result.document_width and (result.x, result.y, data.width, data.height) != (
            0, 0, result.document_width, result.document_height):
        # a partial placement: start from the painting, then place the result over it
        source = bpy.data.images.get(live.image_name)
        images.write_floats(target, images.read_floats(source))
        images.composite_rgba8(target, data.data, result.x, result.y, data.width, data.height)
    else:
        images.write_rgba8(target, data.data, data.width, data.height)
    live.results += 1
    live.status = f"Live: result {live.results}"


def _finished(outcome):
    if outcome.status == "failed":
        jobs.run_on_main(_set_status, f"Live failed: {outcome.message}")


def _set_status(text):
    live.status = text


def start(context, image):
    """Connects in the background, then opens the session and starts the change check."""
    s = context.scene.underpaint
    live.__init__()
    live.image_name = image.name
    live.seed = s.seed if s.seed >= 0 else 1  # fixed: the picture changes only where the painting does
    live.fingerprint = _fingerprint(image)    # what is there now is not a change
    live.status, live.connecting = "Live: connecting...", True
    connection = preferences.connection(context)
    jobs.hold()  # the drain timer brings results to the main thread

    def work():
        daemon = jobs.connect(connection)
        require_info(daemon.info, "Live texture", CAPABILITY)
        return daemon

    def opened(daemon):
        live.connecting = False
        if not live.on:
            return  # switched off while connecting
        live.session = kit_session(daemon, image.name)
        live.status = "Live: paint on the image"
        if not bpy.app.timers.is_registered(_timer):
            bpy.app.timers.register(_timer, first_interval=CHECK_INTERVAL_S)

    def failed(message):
        stop()
        live.status = message

    jobs.background(work, opened, failed)


def kit_session(daemon, image_name):
    from .underpaint_kit import LiveSession

    file_part = bpy.path.basename(bpy.data.filepath) or "unsaved"
    return LiveSession(daemon, f"blender:{file_part}:{image_name}"[:200],  # the daemon's limit
                       on_result=lambda result: jobs.run_on_main(show_result, result),
                       on_finished=_finished)


def stop():
    if bpy.app.timers.is_registered(_timer):
        bpy.app.timers.unregister(_timer)
    if live.session is not None:
        live.session.close()
    if live.on:
        jobs.release()
    live.image_name, live.session = "", None
    live.status = "Live: off"


@persistent
def _file_loading(*_args):
    """Another .blend replaces this one: its image and the session end (timers would not survive)."""
    if live.on:
        stop()


class UNDERPAINT_OT_live_toggle(bpy.types.Operator):
    bl_idname = "underpaint.live_toggle"
    bl_label = "Live"
    bl_description = "Live texture: while on, each pause of the brush repaints the image into 'NAME (live)'"

    image_name: bpy.props.StringProperty(default="", options={"SKIP_SAVE"})

    def execute(self, context):
        if live.on:
            stop()
            return {"FINISHED"}
        try:
            image = _require_image(context, self.image_name)
        except UserError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        start(context, image)
        return {"FINISHED"}


class UNDERPAINT_OT_live_apply(bpy.types.Operator):
    bl_idname = "underpaint.live_apply"
    bl_label = "Apply"
    bl_description = "Copy the live result into the painted image (one undo step)"
    # No UNDO flag: Blender skips undo pushes nested in an UNDO operator, and the step before the
    # change (keep_for_undo: the painting packed) must be pushed; the step after is pushed below.
    bl_options = {"REGISTER"}

    image_name: bpy.props.StringProperty(default="", options={"SKIP_SAVE"})

    def execute(self, context):
        name = self.image_name or live.image_name
        image = bpy.data.images.get(name)
        result = bpy.data.images.get(live_name(name))
        if image is None or result is None:
            self.report({"ERROR"}, "No live result yet: switch Live on and paint on the image")
            return {"CANCELLED"}
        keep_for_undo(image, "applying the live result")
        images.write_floats(image, images.read_floats(result))
        push_undo("Underpaint: Apply live result")
        if live.on and name == live.image_name:
            live.fingerprint = _fingerprint(image)  # applying is not a new stroke to send
        self.report({"INFO"}, f"Live result applied to '{name}'")
        return {"FINISHED"}


CLASSES = (UNDERPAINT_OT_live_toggle, UNDERPAINT_OT_live_apply)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.app.handlers.load_pre.append(_file_loading)


def unregister():
    stop()
    if _file_loading in bpy.app.handlers.load_pre:
        bpy.app.handlers.load_pre.remove(_file_loading)
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
