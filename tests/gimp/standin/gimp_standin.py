"""The thinnest stand-in for GIMP 3's `Gimp` module that the plug-in's image layer needs.

Images, layers and the selection hold real Gegl.Buffer objects (Debian's gir1.2-gegl-0.4), so
the plug-in's own GEGL reads and writes run for real; only GIMP's bookkeeping is imitated, and
every call that changes the image is written to Image.calls so tests can check the undo
bracketing. Mirrors the GIMP 3.0 API names and return shapes the plug-in uses:
Selection.bounds -> (ok, non_empty, x1, y1, x2, y2), Layer.get_offsets -> (ok, x, y),
Image.resize moves every layer by the offset, like gimp_image_resize.

install() puts it where `from gi.repository import Gimp` finds it. Runs under /usr/bin/python3.
"""

from __future__ import annotations

import importlib
import sys
import types

import gi

gi.require_version("Gegl", "0.4")
from gi.repository import Gegl  # noqa: E402

RGBA8 = "R'G'B'A u8"
progress_log: list = []   # ("init", text) / ("text", text) / ("update", fraction) / ("end",)
messages: list = []


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


# --- plug-in registration (Gimp.PlugIn, procedures, arguments, configs) ------------------------

class RunMode:
    INTERACTIVE, NONINTERACTIVE, WITH_LAST_VALS = range(3)


class PDBProcType:
    INTERNAL, PLUGIN, PERSISTENT, TEMPORARY = range(4)


class PDBStatusType:
    EXECUTION_ERROR, CALLING_ERROR, PASS_THROUGH, SUCCESS, CANCEL = range(5)


class ProcedureSensitivityMask:
    DRAWABLE, DRAWABLES, NO_DRAWABLES, NO_IMAGE = 1, 4, 8, 16


class PlugIn:
    __gtype__ = "GimpPlugIn (stand-in)"


main_calls: list = []


def main(gtype, argv):
    main_calls.append((gtype, list(argv)))
    return 0


class Choice:
    def __init__(self):
        self.items = {}
        self.extra_refs = 0

    @classmethod
    def new(cls):
        return cls()

    def _ref(self):  # PyGObject's escape hatch for a g_object_ref()
        self.extra_refs += 1
        return self

    def add(self, nick, id, label, help):  # noqa: A002 - GIMP's names
        # Real GIMP 3.0.4 (PyGObject): "Argument 4 does not allow None as a value".
        for value, what in ((nick, "nick"), (label, "label"), (help, "help")):
            if not isinstance(value, str):
                raise TypeError(f"Choice.add: {what} must be a str, got {value!r}")
        self.items[nick] = (id, label, help)

    def list_nicks(self):
        return list(self.items)


class ImageProcedure:
    """Records what the plug-in registers; validates defaults the way GParamSpecs would."""

    @classmethod
    def new(cls, plug_in, name, proc_type, run_func, run_data):
        procedure = cls()
        procedure.plug_in, procedure.name, procedure.proc_type = plug_in, name, proc_type
        procedure.run_func, procedure.run_data = run_func, run_data
        procedure.arguments, procedure.aux_arguments, procedure.menu_paths = {}, {}, []
        procedure.info = {}
        return procedure

    def get_name(self):
        return self.name

    def set_image_types(self, types):
        self.info["image_types"] = types

    def set_sensitivity_mask(self, mask):
        self.info["sensitivity"] = mask

    def set_menu_label(self, label):
        self.info["menu_label"] = label

    def add_menu_path(self, path):
        self.menu_paths.append(path)

    def set_documentation(self, blurb, help, help_id):  # noqa: A002
        self.info["documentation"] = (blurb, help, help_id)

    def set_attribution(self, authors, copyright, date):  # noqa: A002
        self.info["attribution"] = (authors, copyright, date)

    def _add(self, table, name, kind, default, check=None):
        if name in self.arguments or name in self.aux_arguments:
            raise ValueError(f"{self.name}: argument {name!r} added twice")
        if check is not None and not check(default):
            raise ValueError(f"{self.name}: default {default!r} of {name!r} is out of range")
        table[name] = (kind, default, check)

    def add_string_argument(self, name, nick, blurb, default, flags):
        self._add(self.arguments, name, str, default)

    def add_int_argument(self, name, nick, blurb, minimum, maximum, default, flags):
        self._add(self.arguments, name, int, default, lambda v: minimum <= v <= maximum)

    def add_double_argument(self, name, nick, blurb, minimum, maximum, default, flags):
        self._add(self.arguments, name, float, default, lambda v: minimum <= v <= maximum)

    def add_boolean_argument(self, name, nick, blurb, default, flags):
        self._add(self.arguments, name, bool, default)

    def add_layer_argument(self, name, nick, blurb, none_ok, flags):
        self._add(self.arguments, name, Layer, None if none_ok else False)

    def add_choice_argument(self, name, nick, blurb, choice, default, flags):
        self._add(self.arguments, name, str, default, lambda v: v in choice.items)

    def add_choice_aux_argument(self, name, nick, blurb, choice, default, flags):
        # Real GIMP 3.0.4 takes over a reference its annotation ("transfer none") does not
        # give it; without an extra ref the plug-in segfaults at exit.
        if choice.extra_refs < 1:
            raise AssertionError("add_choice_aux_argument: GIMP 3.0 steals a reference to the "
                                 "choice; call choice._ref() first")
        self._add(self.aux_arguments, name, str, default, lambda v: v in choice.items)
        self.info[name] = choice

    def create_config(self):
        return ProcedureConfig(self)

    def new_return_values(self, status, error):
        return (status, error)


class ProcedureConfig:
    def __init__(self, procedure):
        self.procedure = procedure
        self.specs = dict(procedure.arguments, **procedure.aux_arguments)
        self.values = {name: spec[1] for name, spec in self.specs.items()}

    def get_property(self, name):
        if name not in self.values:
            raise TypeError(f"object of type GimpProcedureConfig does not have property {name!r}")
        return self.values[name]

    def set_property(self, name, value):
        if name not in self.specs:
            raise TypeError(f"object of type GimpProcedureConfig does not have property {name!r}")
        kind, _default, check = self.specs[name]
        if kind is Layer:
            if value is not None and not isinstance(value, Layer):
                raise TypeError(f"property {name!r} takes a layer, got {value!r}")
        else:
            value = kind(value)
        if check is not None and not check(value):
            raise ValueError(f"value {value!r} is out of range for property {name!r}")
        self.values[name] = value


# --- progress, messages ------------------------------------------------------------------------

def progress_init(text):
    progress_log.append(("init", text))
    return True


def progress_set_text(text):
    progress_log.append(("text", text))
    return True


def progress_update(fraction):
    progress_log.append(("update", fraction))
    return True


def progress_end():
    progress_log.append(("end",))
    return True


def displays_flush():
    return True


def message(text):
    messages.append(text)
    return True


def version():
    return "3.0 (stand-in)"


# --- GimpUi: a dialog that shows nothing, records what it would show and answers as told ----------

dialogs: list = []        # {"title", "fields", "prompt_at_open"} per dialog shown
dialog_answers: dict = {}  # property -> value the "artist" sets before pressing OK


class ProcedureDialog:
    @classmethod
    def new(cls, procedure, config, title):
        dialog = cls()
        dialog.config, dialog.record = config, {"title": title, "fields": []}
        if "prompt" in config.values:
            dialog.record["prompt_at_open"] = config.get_property("prompt")
        dialogs.append(dialog.record)
        return dialog

    def get_spin_scale(self, name, factor):
        if name not in self.config.values:
            raise TypeError(f"get_spin_scale: no property {name!r}")
        return object()

    def fill_flowbox(self, container_id, names):
        """Like GIMP: the properties go into a new container that `fill` can then name."""
        if container_id in self.config.values or container_id in self.record.setdefault("boxes", {}):
            raise TypeError(f"fill_flowbox: {container_id!r} is already a property or container")
        for name in names:
            if name not in self.config.values:
                raise TypeError(f"fill_flowbox: no property {name!r}")
        self.record["boxes"][container_id] = list(names)
        return object()

    def fill(self, names):
        boxes = self.record.get("boxes", {})
        for name in names:
            if name not in self.config.values and name not in boxes:
                raise TypeError(f"fill: no property or container {name!r}")
        self.record["fields"] = list(names)
        # A choice widget lists the choice's nicks as they are when the dialog is built.
        self.record["choices"] = {name: list(self.config.procedure.info[name].items)
                                  for name in names if name in self.config.procedure.info}

    def run(self):
        for name, value in dialog_answers.items():
            self.config.set_property(name, value)
        return True

    def destroy(self):
        return None


def _gimp_ui_module() -> types.ModuleType:
    module = types.ModuleType("GimpUi")
    module.ProcedureDialog = ProcedureDialog
    module.init = lambda name: True
    return module


def install() -> types.ModuleType:
    """Makes `gi.require_version("Gimp", "3.0")` and `from gi.repository import Gimp` give
    this module."""
    module = sys.modules[__name__]
    real_require = gi.require_version

    def require_version(namespace, version):
        if namespace not in ("Gimp", "GimpUi"):
            real_require(namespace, version)

    gi.require_version = require_version
    repository = importlib.import_module("gi.repository")
    sys.modules["gi.repository.Gimp"] = module
    repository.Gimp = module
    sys.modules["gi.repository.GimpUi"] = repository.GimpUi = _gimp_ui_module()
    return module
