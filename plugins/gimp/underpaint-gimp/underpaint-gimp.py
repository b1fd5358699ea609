#!/usr/bin/env python3
"""Underpaint for GIMP 3: Filters > Underpaint > Generate, Fill Selection, Refine, Expand Canvas,
Variations, Restore Faces, Re-render Faces, Upscale, Edit (no mask), Keyframes, Interrogate, Place
Again from History, Send to Board, Place from Board. Registration and dialogs only; the work is in
run_operation.py and the modules it dispatches to (GIMP-free) and gimp_document.py (the thin
layer that touches the image).

A GIMP plug-in process lives for one call; all state (models, queue, jobs) lives in the daemon.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gi  # noqa: E402

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import GLib, GObject, Gegl, Gimp  # noqa: E402

import _vendor  # noqa: E402

_vendor.activate()

from underpaint_kit import UnderpaintError, connect_daemon, history  # noqa: E402

import choices  # noqa: E402
import history_ops  # noqa: E402
import procedures  # noqa: E402
from gimp_document import GimpDocument, GimpProgress, host_version, show_message  # noqa: E402
from run_operation import run_procedure  # noqa: E402

# Short: registration runs at every GIMP start, and a missing daemon must not slow it down.
_QUERY_TIMEOUT_S = 1.5
_RW = GObject.ParamFlags.READWRITE


_listing_cache = []
# Per procedure (GIMP 3 creates it again in the process that runs it): aux choice name ->
# (the string argument it stands for, {nick: id}); the dialog-hidden arguments; the history choice.
_CHOICE_IDS: dict = {}
_HIDDEN: dict = {}
_ENTRY_CHOICE: list = []


def _daemon_listing():
    """(models, add-ons, styles) of the daemon for the dialog's choices, or ([], [], []) when it
    cannot be reached. Asked once per plug-in process: GIMP creates all the procedures in one go."""
    if not _listing_cache:
        models, add_ons, styles = [], [], []
        try:
            daemon = connect_daemon(timeout=_QUERY_TIMEOUT_S)
            try:
                listing = daemon.list_models()
                models, add_ons = list(listing.models), list(listing.add_ons)
                try:
                    styles = history.list_styles(daemon)
                except UnderpaintError:  # a daemon without the lexicon: no style picker entries
                    pass
            finally:
                daemon.close()
        except Exception:  # no daemon yet (or an older one): the dialog offers the defaults only
            pass
        _listing_cache.append((models, add_ons, styles))
    return _listing_cache[0]


def _add_argument(procedure, arg):
    if arg.kind == "string":
        procedure.add_string_argument(arg.name, arg.nick, arg.blurb, arg.default, _RW)
    elif arg.kind == "int":
        procedure.add_int_argument(arg.name, arg.nick, arg.blurb, int(arg.minimum),
                                   int(arg.maximum), int(arg.default), _RW)
    elif arg.kind == "double":
        procedure.add_double_argument(arg.name, arg.nick, arg.blurb, float(arg.minimum),
                                      float(arg.maximum), float(arg.default), _RW)
    elif arg.kind == "bool":
        procedure.add_boolean_argument(arg.name, arg.nick, arg.blurb, bool(arg.default), _RW)
    elif arg.kind == "layer":
        procedure.add_layer_argument(arg.name, arg.nick, arg.blurb, True, _RW)  # none = not used
    elif arg.kind == "choice":
        choice = Gimp.Choice.new()
        for index, (nick, label) in enumerate(arg.choices):
            choice.add(nick, index, label, "")  # help: GIMP refuses None
        procedure.add_choice_argument(arg.name, arg.nick, arg.blurb, choice, arg.default, _RW)
    else:
        raise ValueError(f"{arg.name}: unknown argument kind {arg.kind!r}")


def _error(procedure, status, message):
    return procedure.new_return_values(status, GLib.Error(message))


class UnderpaintPlugIn(Gimp.PlugIn):
    def do_set_i18n(self, name):
        return False, None, None  # no translations (yet)

    def do_query_procedures(self):
        return [spec.name for spec in procedures.ALL_PROCEDURES]

    def do_create_procedure(self, name):
        spec = procedures.BY_NAME[name]
        procedure = Gimp.ImageProcedure.new(self, name, Gimp.PDBProcType.PLUGIN, self._run, None)
        procedure.set_image_types("RGB*, GRAY*")
        procedure.set_sensitivity_mask(Gimp.ProcedureSensitivityMask.DRAWABLE
                                       | Gimp.ProcedureSensitivityMask.DRAWABLES
                                       | Gimp.ProcedureSensitivityMask.NO_DRAWABLES)
        procedure.set_menu_label(spec.menu_label)
        procedure.add_menu_path(procedures.MENU_PATH)
        procedure.set_documentation(spec.blurb, spec.help, name)
        procedure.set_attribution("Underpaint", "Underpaint contributors", "2026")
        for arg in spec.args:
            _add_argument(procedure, arg)
        # Per procedure: aux choice name -> (the string argument it fills, {nick: id}).
        _CHOICE_IDS[name] = {}
        _HIDDEN[name] = set()
        names = {arg.name for arg in spec.args}
        if spec.operation == "history-place":
            # Filled with this image's results when the procedure runs (the image is known then).
            _ENTRY_CHOICE[:] = [self._add_choice(procedure, name, choices.entry_choices([]), "entry-id",
                                                  procedures.ENTRY_CHOICE_ARG, "Res_ult",
                                                  "Which of this image's results to place again",
                                                  choices.LATEST_ENTRY_NICK)]
            return procedure
        models, add_ons, styles = _daemon_listing()
        for arg_name, aux, nick, blurb, items, default in (
                ("model", procedures.MODEL_CHOICE_ARG, "_Model", "Model to paint with",
                 choices.model_choices(models), choices.DEFAULT_MODEL_NICK),
                ("vae", procedures.VAE_CHOICE_ARG, "VAE",
                 "The decoder that makes the pixels; most models bring their own",
                 choices.vae_choices(add_ons), choices.DEFAULT_VAE_NICK),
                ("upscaler", procedures.UPSCALER_CHOICE_ARG, "_Upscaler", "The network that enlarges",
                 choices.upscaler_choices(add_ons), choices.DEFAULT_UPSCALER_NICK),
                ("styles", procedures.STYLE_CHOICE_ARG, "Style", "A lexicon style to apply",
                 choices.style_choices(styles), choices.NO_STYLE_NICK)):
            if arg_name in names:
                self._add_choice(procedure, name, items, arg_name, aux, nick, blurb, default)
        # The dialog shows a control or reference layer only where the daemon has a model for it.
        types = {addon.type for addon in add_ons}
        if "controlnet" not in types:
            _HIDDEN[name] |= {arg for suffix, _type in procedures.CONTROL_SLOTS
                              for arg in procedures.control_slot_args(suffix)}
        if "ipadapter" not in types:
            _HIDDEN[name] |= set(procedures.REFERENCE_ARGS)
        return procedure

    def _add_choice(self, procedure, procedure_name, items, arg_name, name, nick, blurb, default):
        """A dialog-only (auxiliary) picker filled from the daemon's live list, standing in for
        the string argument `arg_name` in the dialog; returns the Gimp.Choice."""
        choice = Gimp.Choice.new()
        ids = {}
        for index, (choice_nick, item_id, label) in enumerate(items):
            choice.add(choice_nick, index, label, "")  # help: GIMP refuses None
            ids[choice_nick] = item_id
        # GIMP 3.0.x keeps (and later unrefs) this choice although its introspection data says
        # "transfer none", so Python's own reference would be dropped twice and the plug-in
        # segfaults at exit. Hand GIMP a reference of its own (a harmless leak where fixed).
        choice._ref()
        procedure.add_choice_aux_argument(name, nick, blurb, choice, default, _RW)
        _CHOICE_IDS[procedure_name][name] = (arg_name, ids)
        return choice

    # --- running ------------------------------------------------------------------------------

    def _run(self, procedure, run_mode, image, drawables, config, _data):
        spec = procedures.BY_NAME[procedure.get_name()]
        Gegl.init(None)
        document = GimpDocument(image, drawables)
        if spec.needs_selection and document.selection_rect() is None:
            # Say so before the dialog: filling in a whole dialog only to be refused is a trap.
            return _error(procedure, Gimp.PDBStatusType.EXECUTION_ERROR,
                          procedures.missing_selection_message(spec))
        try:
            daemon = connect_daemon()
        except UnderpaintError as error:
            return _error(procedure, Gimp.PDBStatusType.EXECUTION_ERROR, str(error))
        uses_note = any(arg.name == "styles" for arg in spec.args)  # the painting dialogs
        if run_mode == Gimp.RunMode.INTERACTIVE and spec.dialog:
            note = document.prompt_note() if uses_note else ""
            if note:  # Interrogate's guess for this image: the dialog starts with it
                config.set_property("prompt", note)
            if spec.operation == "history-place":
                self._fill_entry_choice(spec.name, document, daemon)
            if not self._show_dialog(procedure, config, spec):
                daemon.close()
                return procedure.new_return_values(Gimp.PDBStatusType.CANCEL, None)
            if note:
                document.clear_prompt_note()  # used once; GIMP remembers the dialog's values
        params = {arg.name: config.get_property(arg.name) for arg in spec.args}
        try:
            outcome, message = run_procedure(spec, document, params, daemon, GimpProgress(), host_version())
        finally:
            daemon.close()
        if outcome == "success":
            if message and run_mode == Gimp.RunMode.INTERACTIVE:
                show_message(message)
            return procedure.new_return_values(Gimp.PDBStatusType.SUCCESS, None)
        status = (Gimp.PDBStatusType.CANCEL if outcome == "cancel"
                  else Gimp.PDBStatusType.EXECUTION_ERROR)
        return _error(procedure, status, message)

    def _fill_entry_choice(self, procedure_name, document, daemon) -> None:
        """Adds this image's recent results to the "place again" choice before its dialog is
        built (the choice is made at registration, when the image is not known yet)."""
        try:
            entries = history_ops.recent_entries(document, daemon)
        except UnderpaintError:  # the run itself reports what is wrong with the daemon
            return
        _arg, ids = _CHOICE_IDS[procedure_name][procedures.ENTRY_CHOICE_ARG]
        for index, (nick, entry_id, label) in enumerate(choices.entry_choices(entries)):
            if nick not in ids:
                _ENTRY_CHOICE[0].add(nick, index, label, "")
                ids[nick] = entry_id

    def _show_dialog(self, procedure, config, spec) -> bool:
        gi.require_version("GimpUi", "3.0")
        from gi.repository import GimpUi

        GimpUi.init(procedures.PLUGIN_BINARY)
        dialog = GimpUi.ProcedureDialog.new(procedure, config,
                                            "Underpaint: " + spec.menu_label.replace("_", ""))
        aux = _CHOICE_IDS.get(spec.name, {})
        # The string arguments stay for scripts; the dialog offers the daemon's lists instead.
        instead = {arg_name: choice_name for choice_name, (arg_name, _ids) in aux.items()}
        hidden = _HIDDEN.get(spec.name, set())
        names = [instead.get(arg.name, arg.name) for arg in spec.args if arg.name not in hidden]
        for arg in spec.args:
            if arg.kind == "double" and arg.name not in hidden:
                # A slider; GIMP 3.0's default spin button for a double asks for increments
                # wider than a 0.01..1 range and logs a CRITICAL.
                dialog.get_spin_scale(arg.name, 1.0)
        for suffix, _type in procedures.CONTROL_SLOTS:
            # A slot's start and end on one row: two slots stay readable.
            box, members = procedures.control_range_box(suffix)
            if all(member in names for member in members):
                dialog.fill_flowbox(box, list(members))
                at = names.index(members[0])
                names = [n for n in names if n not in members]
                names.insert(at, box)
        dialog.fill(names)
        accepted = dialog.run()
        dialog.destroy()
        if accepted:
            for choice_name, (arg_name, ids) in aux.items():
                config.set_property(arg_name, ids.get(config.get_property(choice_name), ""))
            if procedures.ENTRY_CHOICE_ARG in aux:
                # GIMP stores the dialog's values for next time, when this image's entries are
                # not in the list yet: store "the latest" rather than a pick it would refuse.
                config.set_property(procedures.ENTRY_CHOICE_ARG, choices.LATEST_ENTRY_NICK)
        return accepted


Gimp.main(UnderpaintPlugIn.__gtype__, sys.argv)
