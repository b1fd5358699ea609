"""The only module that touches a GIMP image: read pixels and selection, add result layers.

Everything else (requests, jobs, placement) lives in modules that can be tested without GIMP;
the tests run this very module against a stand-in `Gimp` backed by real GEGL buffers, so keep
each method a direct, small use of the GIMP 3 API.
"""

from __future__ import annotations

import contextlib

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp  # noqa: E402

import gegl_io  # noqa: E402
from operation_errors import OperationError  # noqa: E402


# The prompt Interrogate guessed, kept with the image for the next painting dialog (a parasite is
# the GIMP way to attach data to an image; persistent: it is saved in the .xcf too).
PROMPT_PARASITE = "underpaint-prompt"


class UnsupportedImage(OperationError):
    """The image is one Underpaint cannot work on; str() is the artist-facing text."""


def host_version() -> str:
    try:
        return f"gimp {Gimp.version()}"
    except Exception:  # a version string is nice to have, never worth failing for
        return "gimp 3"


def _offsets(drawable) -> tuple:
    # GIMP 3 returns (success, x, y); the last two are the offsets either way.
    values = drawable.get_offsets()
    return int(values[-2]), int(values[-1])


class GimpDocument:
    """One image and the drawables the procedure was called with."""

    def __init__(self, image, drawables=()):
        self.image = image
        self.drawables = list(drawables or [])

    # --- reading ------------------------------------------------------------------------------

    def size(self) -> tuple:
        return self.image.get_width(), self.image.get_height()

    def check_supported(self) -> None:
        if self.image.get_base_type() == Gimp.ImageBaseType.INDEXED:
            raise UnsupportedImage(
                "Underpaint works on RGB and grayscale images, and this one is indexed. "
                "Convert it with Image > Mode > RGB, then try again.")

    def selection_rect(self):
        """(x, y, w, h) of the selection's bounds, or None when nothing is selected."""
        non_empty, x1, y1, x2, y2 = Gimp.Selection.bounds(self.image)[-5:]
        if not non_empty or x2 <= x1 or y2 <= y1:
            return None
        return (int(x1), int(y1), int(x2 - x1), int(y2 - y1))

    def read_selection(self, rect) -> bytes:
        """The selection's coverage (GRAY8, 255 = selected) inside rect."""
        return gegl_io.read_mask(self.image.get_selection().get_buffer(), *rect)

    def read_pixels(self, rect, sample_merged: bool = True) -> bytes:
        """RGBA8 of the visible image (sample_merged) or of the selected layer inside rect."""
        if not sample_merged:
            return self._read_drawable(self.source_layer(), rect)
        # A throwaway copy merged down gives what the artist sees without touching the
        # original's layers, masks or undo history.
        copy = self.image.duplicate()
        try:
            merged = copy.merge_visible_layers(Gimp.MergeType.CLIP_TO_IMAGE)
            if merged is None:  # no visible layers: nothing to see
                return bytes(rect[2] * rect[3] * 4)
            return self._read_drawable(merged, rect)
        finally:
            copy.delete()

    def source_layer(self):
        """The layer the procedure works on: the first selected drawable, the layer of a
        selected layer mask, or the image's first layer."""
        for drawable in self.drawables:
            if isinstance(drawable, Gimp.LayerMask):
                return Gimp.Layer.from_mask(drawable)
            if drawable is not None:
                return drawable
        layers = self.image.get_layers()
        if not layers:
            raise UnsupportedImage("The image has no layers to read.")
        return layers[0]

    def read_layer(self, sample_merged: bool = False):
        """(name, (x, y, w, h), RGBA8) of the selected layer as it lies in the image, or of the
        whole visible image."""
        if sample_merged:
            rect = (0, 0) + tuple(self.size())
            return "Visible", rect, self.read_pixels(rect, True)
        layer = self.source_layer()
        x, y = _offsets(layer)
        rect = (x, y, layer.get_width(), layer.get_height())
        return layer.get_name(), rect, self._read_drawable(layer, rect)

    def layer_pixels(self, layer):
        """((x, y, w, h), RGBA8) of one layer (a control or reference) as it lies in the image."""
        x, y = _offsets(layer)
        rect = (x, y, layer.get_width(), layer.get_height())
        return rect, self._read_drawable(layer, rect)

    def frames(self) -> list:
        """(name, RGBA8 over the whole image) of each top-level layer, bottom first: GIMP's
        animation convention makes the bottom layer frame 1."""
        rect = (0, 0) + tuple(self.size())
        return [(layer.get_name(), self._read_drawable(layer, rect))
                for layer in reversed(self.image.get_layers())]

    def image_name(self) -> str:
        """The name results are archived under ("this image's history"): the file's name, or for
        an image never saved (every new one is "Untitled") that name with the image's id."""
        name = self.image.get_name() or "Untitled"
        return name if self.image.get_file() is not None else f"{name}-{self.image.get_id()}"

    def prompt_note(self) -> str:
        parasite = self.image.get_parasite(PROMPT_PARASITE)
        return bytes(parasite.get_data()).decode("utf-8", "replace") if parasite is not None else ""

    def set_prompt_note(self, text: str) -> None:
        self.image.attach_parasite(Gimp.Parasite.new(PROMPT_PARASITE, Gimp.PARASITE_PERSISTENT,
                                                     list(text.encode("utf-8"))))

    def clear_prompt_note(self) -> None:
        if self.image.get_parasite(PROMPT_PARASITE) is not None:
            self.image.detach_parasite(PROMPT_PARASITE)

    @staticmethod
    def _read_drawable(drawable, rect) -> bytes:
        x, y, width, height = rect
        offset_x, offset_y = _offsets(drawable)
        return gegl_io.read_rgba(drawable.get_buffer(), x - offset_x, y - offset_y, width, height)

    # --- writing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def undo_group(self):
        """Everything inside is one step in Edit > Undo."""
        self.image.undo_group_start()
        try:
            yield
        finally:
            self.image.undo_group_end()

    def resize_canvas(self, width: int, height: int, offset_x: int, offset_y: int) -> None:
        """Grows the canvas; the old content moves to (offset_x, offset_y). Layers keep their
        size, so nothing already painted is resampled or cropped."""
        self.image.resize(int(width), int(height), int(offset_x), int(offset_y))

    def scale_image(self, width: int, height: int) -> None:
        """Scales the image and every layer in it (Image > Scale Image) to width x height."""
        self.image.scale(int(width), int(height))

    def add_layer(self, name: str, x: int, y: int, width: int, height: int, rgba: bytes,
                  on_top: bool = False):
        """A new layer above the selected one (on_top: above all), at (x, y) in image pixels,
        holding rgba.

        The pixels go straight into the new layer's buffer rather than through the shadow
        buffer: merge_shadow() clips to the current selection and would cut off the soft edge
        the daemon already computed (grow/feather reach past the selection)."""
        is_gray = self.image.get_base_type() == Gimp.ImageBaseType.GRAY
        layer_type = Gimp.ImageType.GRAYA_IMAGE if is_gray else Gimp.ImageType.RGBA_IMAGE
        layer = Gimp.Layer.new(self.image, name, int(width), int(height), layer_type, 100.0,
                               Gimp.LayerMode.NORMAL)
        self.image.insert_layer(layer, None, 0 if on_top else -1)  # -1: above the selected layer
        layer.set_offsets(int(x), int(y))
        gegl_io.write_rgba(layer.get_buffer(), 0, 0, int(width), int(height), rgba)
        layer.update(0, 0, int(width), int(height))
        return layer

    @staticmethod
    def flush_displays() -> None:
        Gimp.displays_flush()


class GimpProgress:
    """The progress bar in the image window's status bar (or the batch console)."""

    def start(self, text: str) -> None:
        Gimp.progress_init(text)

    def text(self, text: str) -> None:
        Gimp.progress_set_text(text)

    def update(self, fraction: float) -> None:
        Gimp.progress_update(max(0.0, min(1.0, float(fraction))))

    def end(self) -> None:
        Gimp.progress_end()


def show_message(text: str) -> None:
    Gimp.message(text)
