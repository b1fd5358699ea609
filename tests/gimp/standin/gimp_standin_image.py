"""Images, layers, masks and the selection of the GIMP stand-in (see gimp_standin.py).

They hold real Gegl.Buffer objects (Debian's gir1.2-gegl-0.4), so the plug-in's own GEGL reads
and writes run for real; only GIMP's bookkeeping is imitated, and every call that changes the
image is written to Image.calls so tests can check the undo bracketing. GIMP 3.0's return
shapes: Selection.bounds -> (ok, non_empty, x1, y1, x2, y2), Layer.get_offsets -> (ok, x, y),
Image.resize moves every layer by the offset, like gimp_image_resize.
"""

from __future__ import annotations

import gi

gi.require_version("Gegl", "0.4")
from gi.repository import Gegl  # noqa: E402

RGBA8 = "R'G'B'A u8"


class ImageBaseType:
    RGB, GRAY, INDEXED = 0, 1, 2


class ImageType:
    RGB_IMAGE, RGBA_IMAGE, GRAY_IMAGE, GRAYA_IMAGE, INDEXED_IMAGE, INDEXEDA_IMAGE = range(6)


class LayerMode:
    NORMAL = 28


class MergeType:
    EXPAND_AS_NECESSARY, CLIP_TO_IMAGE, CLIP_TO_BOTTOM_LAYER, FLATTEN_IMAGE = range(4)


def _rect(x, y, w, h):
    return Gegl.Rectangle.new(int(x), int(y), int(w), int(h))


class Drawable:
    def __init__(self, image, name, width, height, babl_format):
        self.image = image
        self.name = name
        self.width, self.height = int(width), int(height)
        self.offset_x = self.offset_y = 0
        self.visible = True
        self.babl_format = babl_format
        self.buffer = Gegl.Buffer.new(babl_format, 0, 0, self.width, self.height)

    def get_buffer(self):
        return self.buffer

    def get_offsets(self):
        return True, self.offset_x, self.offset_y

    def get_width(self):
        return self.width

    def get_height(self):
        return self.height

    def get_name(self):
        return self.name

    def get_visible(self):
        return self.visible

    def update(self, x, y, width, height):
        self.image.calls.append(("update", self.name, x, y, width, height))
        return True


class Layer(Drawable):
    @classmethod
    def new(cls, image, name, width, height, image_type, opacity, mode):
        # Like GIMP, a new layer takes the image's precision; "float" images are linear light.
        gray = image_type in (ImageType.GRAY_IMAGE, ImageType.GRAYA_IMAGE)
        if image.precision == "float":
            babl_format = "YA float" if gray else "RGBA float"
        else:
            babl_format = "Y'A u8" if gray else RGBA8
        layer = cls(image, name, width, height, babl_format)
        layer.image_type, layer.opacity, layer.mode = image_type, opacity, mode
        return layer

    @staticmethod
    def from_mask(mask):
        return mask.layer

    def set_offsets(self, x, y):
        self.image.calls.append(("set_offsets", self.name, x, y))
        self.offset_x, self.offset_y = int(x), int(y)
        return True


class LayerMask(Drawable):
    def __init__(self, layer):
        super().__init__(layer.image, layer.name + " mask", layer.width, layer.height, "Y u8")
        self.layer = layer


class Channel(Drawable):
    pass


class Selection:
    @staticmethod
    def bounds(image):
        """Bounding box of non-zero coverage, as gimp_selection_bounds reports it."""
        w, h = image.width, image.height
        data = image.selection.buffer.get(_rect(0, 0, w, h), 1.0, "Y u8", Gegl.AbyssPolicy.NONE)
        rows = [y for y in range(h) if any(data[y * w:(y + 1) * w])]
        if not rows:
            return True, False, 0, 0, w, h
        cols = [x for x in range(w) if any(data[y * w + x] for y in rows)]
        return True, True, cols[0], rows[0], cols[-1] + 1, rows[-1] + 1


PARASITE_PERSISTENT, PARASITE_UNDOABLE = 1, 2


class Parasite:
    def __init__(self, name, flags, data):
        self.name, self.flags, self.data = name, flags, list(data)

    @classmethod
    def new(cls, name, flags, data):
        if not all(isinstance(b, int) and 0 <= b < 256 for b in data):
            raise TypeError("Parasite.new: data must be a list of bytes (ints 0..255)")
        return cls(name, flags, data)

    def get_data(self):
        return list(self.data)


class Image:
    def __init__(self, width, height, base_type=ImageBaseType.RGB, precision="u8"):
        self.width, self.height = int(width), int(height)
        self.base_type = base_type
        self.precision = precision
        self.layers = []          # top first, as GIMP lists them
        self.calls = []
        self.deleted = False
        self.selection = Channel(self, "selection", width, height, "Y u8")
        self.parasites = {}

    # --- the API the plug-in uses -------------------------------------------------------------
    name = "Untitled"
    file = None  # a path when the scenario names the image, as if it was saved

    def get_name(self):
        return self.name

    def get_file(self):
        return self.file

    def get_id(self):
        return 1

    def get_width(self):
        return self.width

    def get_height(self):
        return self.height

    def get_base_type(self):
        return self.base_type

    def get_selection(self):
        return self.selection

    def get_layers(self):
        return list(self.layers)

    def undo_group_start(self):
        self.calls.append(("undo_group_start",))
        return True

    def undo_group_end(self):
        self.calls.append(("undo_group_end",))
        return True

    def insert_layer(self, layer, parent, position):
        self.calls.append(("insert_layer", layer.name, position))
        self.layers.insert(0 if position < 0 else position, layer)
        return True

    def resize(self, width, height, offset_x, offset_y):
        self.calls.append(("resize", width, height, offset_x, offset_y))
        for layer in self.layers:
            layer.offset_x += offset_x
            layer.offset_y += offset_y
        old = self.selection.buffer
        self.selection = Channel(self, "selection", width, height, "Y u8")
        self.selection.buffer.set(_rect(offset_x, offset_y, self.width, self.height), "Y u8",
                                  old.get(_rect(0, 0, self.width, self.height), 1.0, "Y u8",
                                          Gegl.AbyssPolicy.NONE))
        self.width, self.height = int(width), int(height)
        return True

    def scale(self, width, height):
        """Like gimp_image_scale: every layer's size and offsets scale with the image (pixels
        resampled by GEGL, nearest neighbour is enough for the tests' bookkeeping)."""
        self.calls.append(("scale", width, height))
        fx, fy = width / self.width, height / self.height
        for layer in self.layers:
            new_w, new_h = max(1, round(layer.width * fx)), max(1, round(layer.height * fy))
            data = layer.buffer.get(_rect(0, 0, new_w, new_h), fx, RGBA8, Gegl.AbyssPolicy.CLAMP)
            layer.buffer = Gegl.Buffer.new(layer.babl_format, 0, 0, new_w, new_h)
            layer.buffer.set(_rect(0, 0, new_w, new_h), RGBA8, data)
            layer.width, layer.height = new_w, new_h
            layer.offset_x, layer.offset_y = round(layer.offset_x * fx), round(layer.offset_y * fy)
        self.selection = Channel(self, "selection", width, height, "Y u8")  # GIMP scales it too
        self.width, self.height = int(width), int(height)
        return True

    def get_parasite(self, name):
        return self.parasites.get(name)

    def attach_parasite(self, parasite):
        self.calls.append(("attach_parasite", parasite.name))
        self.parasites[parasite.name] = parasite
        return True

    def detach_parasite(self, name):
        self.calls.append(("detach_parasite", name))
        self.parasites.pop(name, None)
        return True

    def duplicate(self):
        copy = Image(self.width, self.height, self.base_type, self.precision)
        for layer in self.layers:
            twin = Layer(copy, layer.name, layer.width, layer.height, RGBA8)
            twin.buffer = layer.buffer.dup()
            twin.offset_x, twin.offset_y, twin.visible = (layer.offset_x, layer.offset_y,
                                                          layer.visible)
            copy.layers.append(twin)
        copy.selection.buffer = self.selection.buffer.dup()
        self.calls.append(("duplicate",))
        return copy

    def merge_visible_layers(self, merge_type):
        """Composites the visible layers (gegl:over, bottom to top) into one image-sized layer."""
        visible = [layer for layer in reversed(self.layers) if layer.visible]
        if not visible:
            return None
        merged = Layer(self, "merged", self.width, self.height, RGBA8)
        graph = Gegl.Node()
        below = None
        for layer in visible:
            source = graph.create_child("gegl:buffer-source")
            source.set_property("buffer", layer.buffer)
            moved = graph.create_child("gegl:translate")
            moved.set_property("x", float(layer.offset_x))
            moved.set_property("y", float(layer.offset_y))
            source.connect_to("output", moved, "input")
            if below is None:
                below = moved
            else:
                over = graph.create_child("gegl:over")
                below.connect_to("output", over, "input")
                moved.connect_to("output", over, "aux")
                below = over
        sink = graph.create_child("gegl:write-buffer")
        sink.set_property("buffer", merged.buffer)
        below.connect_to("output", sink, "input")
        sink.process()
        self.layers = [merged]
        return merged

    def delete(self):
        self.deleted = True
        return True

    # --- test helpers (not GIMP API) ----------------------------------------------------------
    def add_layer_with_pixels(self, name, x, y, width, height, rgba):
        layer_type = (ImageType.GRAYA_IMAGE if self.base_type == ImageBaseType.GRAY
                      else ImageType.RGBA_IMAGE)
        layer = Layer.new(self, name, width, height, layer_type, 100.0, LayerMode.NORMAL)
        layer.buffer.set(_rect(0, 0, width, height), RGBA8, bytes(rgba))
        layer.offset_x, layer.offset_y = x, y
        self.layers.insert(0, layer)
        return layer

    def select_rectangle(self, x, y, width, height, value=255):
        self.selection.buffer.set(_rect(x, y, width, height), "Y u8",
                                  bytes([value]) * (width * height))

