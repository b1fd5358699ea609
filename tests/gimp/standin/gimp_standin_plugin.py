"""Plug-in registration in the GIMP stand-in (see gimp_standin.py): Gimp.PlugIn and Gimp.main,
procedures and their arguments, GimpChoice and the procedure config, checked the way GIMP 3.0's
GParamSpecs and PyGObject check them."""

from __future__ import annotations

from gimp_standin_image import Layer


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
