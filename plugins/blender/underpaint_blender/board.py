"""The board: images passed between applications through the daemon's named channels.

Send publishes an image to a channel; Place fetches a channel's latest image into a new image;
Follow is a live link: the image reloads whenever someone publishes to its channel. A follower
thread long-polls the board and fetches new versions; they are written on the main thread.
"""
import os
import threading

import bpy
from bpy.props import StringProperty

from . import images, jobs, operators, preferences
from .operators import UserError
from .underpaint_kit import RequestRejected, UnderpaintError, pb, pb_board, requests

CHANNEL_PROP = "underpaint_channel"          # on an image: the channel it follows (live link)
VERSION_PROP = "underpaint_channel_version"  # the channel version its pixels show
POLL_WAIT_MS = 5000

known_channels = []  # for the channel search field
last_message = ""    # shown in the panel: what the last board action did
_follower = None


def _channel(context, channel=""):
    name = (channel or context.scene.underpaint.board_channel).strip()
    if not name:
        raise UserError("board_channel: type a channel name (letters, digits, - _ . /)")
    return name


def _say(message):
    global last_message
    last_message = message


# --- applying on the main thread ----------------------------------------------------------------

def _write_entry(image, entry):
    image_data = entry.image
    if image_data.format not in (pb.PIXEL_FORMAT_RGBA8, pb.PIXEL_FORMAT_UNSPECIFIED):
        raise ValueError(f"board image format {pb.PixelFormat.Name(image_data.format)}: expected RGBA8")
    images.write_rgba8(image, image_data.data, image_data.width, image_data.height)
    image[VERSION_PROP] = int(entry.version)


def followers(channel=None):
    """Images that follow a channel (all channels when None)."""
    return [image for image in bpy.data.images
            if image.get(CHANNEL_PROP) and (channel is None or image[CHANNEL_PROP] == channel)]


def apply_update(entry):
    """A new version of a followed channel: every image following it shows it now."""
    for image in followers(entry.channel):
        if int(image.get(VERSION_PROP, 0)) < entry.version or tuple(image.size) == (0, 0):
            _write_entry(image, entry)
    _say(f"'{entry.channel}' v{entry.version} arrived from {entry.meta.source_app or 'somewhere'}")


# --- the follower thread (live link) ------------------------------------------------------------

class _Follower:
    """Long-polls the board for the given channels; fetched entries go to apply_update."""

    def __init__(self, channels, connection):
        self.channels = sorted(channels)
        self.connection = connection
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="underpaint-board-follow", daemon=True)

    def start(self):
        jobs.hold()
        self.thread.start()
        return self

    def stop(self):
        if not self.stopped.is_set():
            self.stopped.set()
            jobs.release()

    def _run(self):
        cursor = None
        while not self.stopped.is_set():
            try:
                daemon = jobs.connect(self.connection)
                if cursor is None:
                    # cursor first, then the latest versions: nothing published between is lost
                    cursor = daemon.poll_board(self.channels, 0, 0).cursor
                    for channel in self.channels:
                        self._fetch(daemon, channel, 0)
                while not self.stopped.is_set():
                    response = daemon.poll_board(self.channels, cursor, POLL_WAIT_MS)
                    cursor = max(cursor, response.cursor)
                    # several versions in one answer: only the latest one matters
                    for channel in sorted({u.entry.channel for u in response.updates if not u.deleted}):
                        self._fetch(daemon, channel, 0)
            except UnderpaintError as error:
                jobs.run_on_main(_say, f"Live link: {error}")
                self.stopped.wait(2.0)  # then reconnect and go on from the same cursor
            except Exception as error:  # a bug must not end the link silently
                jobs.run_on_main(_say, f"Live link: {type(error).__name__}: {error}")
                self.stopped.wait(2.0)

    def _fetch(self, daemon, channel, version):
        try:
            entry = daemon.fetch(channel, version)
        except RequestRejected as error:
            if error.code == "not_found":
                return  # nothing published there yet, or that version already expired
            raise
        if not self.stopped.is_set():
            jobs.run_on_main(apply_update, entry)


def restart_follower(connection=None):
    """Follows exactly the channels that images follow now (stops when there are none)."""
    global _follower
    channels = {image[CHANNEL_PROP] for image in followers()}
    if _follower is not None:
        if set(_follower.channels) == channels and not _follower.stopped.is_set():
            return
        _follower.stop()
        _follower = None
    if channels:
        _follower = _Follower(channels, connection or preferences.connection()).start()


def following():
    return sorted(_follower.channels) if _follower is not None else []


# --- operators -------------------------------------------------------------------------------

class _BoardOperator:
    bl_options = {"REGISTER"}

    image_name: StringProperty(name="Image", default="", options={"SKIP_SAVE"},
                               description="Image to use; empty = the active image")
    channel: StringProperty(name="Channel", default="", options={"SKIP_SAVE"},
                            description="Board channel; empty = the one in the Underpaint panel")

    def _image(self, context):
        image = operators.active_image(context, self.image_name)
        if image is None:
            raise UserError("Open an image in the Image Editor (or select an Image Texture node) first")
        return image

    def execute(self, context):
        try:
            self.run(context, _channel(context, self.channel), preferences.connection(context))
        except (UserError, ValueError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        return {"FINISHED"}


class UNDERPAINT_OT_board_send(_BoardOperator, bpy.types.Operator):
    bl_idname = "underpaint.board_send"
    bl_label = "Send to Board"
    bl_description = "Publish the image to the board channel, for other applications to place"

    def run(self, context, channel, connection):
        image = self._image(context)
        width, height = images.size_of(image)
        rgba = requests.rgba_image(width, height, images.read_rgba8(image))
        meta = pb_board.BoardMeta(source_app="blender", layer=image.name,
                                  document=os.path.basename(bpy.data.filepath) or "untitled.blend",
                                  document_width=width, document_height=height)
        name = image.name

        def work():
            return jobs.connect(connection).publish(channel, rgba, meta)

        jobs.background(work, lambda entry: _say(f"Sent '{name}' to '{channel}' (v{entry.version})"),
                        lambda message: _say(f"Send failed: {message}"))


class UNDERPAINT_OT_board_place(_BoardOperator, bpy.types.Operator):
    bl_idname = "underpaint.board_place"
    bl_label = "Place from Board"
    bl_description = "Copy the channel's latest image into a new image"

    def run(self, context, channel, connection):
        def work():
            return jobs.connect(connection).fetch(channel)

        def done(entry):
            image = bpy.data.images.new(channel.replace("/", " "), max(entry.width, 1),
                                        max(entry.height, 1), alpha=True)
            image.use_fake_user = True  # kept in the .blend even before anything uses it
            _write_entry(image, entry)
            _say(f"Placed '{channel}' v{entry.version} as '{image.name}'")
            _show(image)

        jobs.background(work, done, lambda message: _say(f"Place failed: {message}"))


class UNDERPAINT_OT_board_follow(_BoardOperator, bpy.types.Operator):
    bl_idname = "underpaint.board_follow"
    bl_label = "Follow Channel"
    bl_description = "Live link: the image reloads whenever the channel gets a new version"

    def run(self, context, channel, connection):
        image = self._image(context)
        image[CHANNEL_PROP] = channel
        image[VERSION_PROP] = 0
        image.use_fake_user = True  # the link is saved with the image: keep the image in the .blend
        restart_follower(connection)
        _say(f"'{image.name}' follows '{channel}'")


class UNDERPAINT_OT_board_unfollow(_BoardOperator, bpy.types.Operator):
    bl_idname = "underpaint.board_unfollow"
    bl_label = "Stop Following"
    bl_description = "End the image's live link to its channel"

    def execute(self, context):
        try:
            image = self._image(context)
        except UserError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        for prop in (CHANNEL_PROP, VERSION_PROP):
            if prop in image:
                del image[prop]
        restart_follower(preferences.connection(context))
        _say(f"'{image.name}' no longer follows a channel")
        return {"FINISHED"}


class UNDERPAINT_OT_board_list(bpy.types.Operator):
    bl_idname = "underpaint.board_list"
    bl_label = "List Channels"
    bl_description = "Fetch the board's channel names for the channel field"

    def execute(self, context):
        connection = preferences.connection(context)

        def work():
            return [channel.name for channel in jobs.connect(connection).list_channels()]

        def done(names):
            global known_channels
            known_channels = names
            _say(f"{len(names)} channel(s) on the board")

        jobs.background(work, done, lambda message: _say(f"Listing channels failed: {message}"))
        return {"FINISHED"}


def _show(image):
    for window in getattr(bpy.context.window_manager, "windows", []):
        for area in window.screen.areas if window.screen else []:
            if area.type == "IMAGE_EDITOR" and area.spaces.active.image is None:
                area.spaces.active.image = image
                return


@bpy.app.handlers.persistent
def _on_load(_dummy):
    """A .blend with followed images resumes their live links."""
    restart_follower()


CLASSES = (UNDERPAINT_OT_board_send, UNDERPAINT_OT_board_place, UNDERPAINT_OT_board_follow,
           UNDERPAINT_OT_board_unfollow, UNDERPAINT_OT_board_list)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.app.handlers.load_post.append(_on_load)


def unregister():
    global _follower
    if _on_load in bpy.app.handlers.load_post:
        bpy.app.handlers.load_post.remove(_on_load)
    if _follower is not None:
        _follower.stop()
        _follower = None
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
