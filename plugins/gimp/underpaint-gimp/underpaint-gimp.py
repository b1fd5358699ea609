#!/usr/bin/env python3
"""Underpaint for GIMP 3: Filters > Underpaint > Generate, Fill Selection, Refine, Expand Canvas,
Variations, Restore Faces, Re-render Faces, Send to Board, Place from Board. Registration and dialogs only; the work is in
run_operation.py and board.py (GIMP-free) and gimp_document.py (the thin layer that touches
the image).

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

from underpaint_kit import UnderpaintError, connect_daemon  # noqa: E402

import procedures  # noqa: E402
from gimp_document import GimpDocument, GimpProgress, host_version, show_message  # noqa: E402
from run_operation import run_procedure  # noqa: E402

# Short: registration runs at every GIMP start, and a missing daemon must not slow it down.
_QUERY_TIMEOUT_S = 1.5
_RW = GObject.ParamFlags.READWRITE


_listing_cache = []


def _daemon_listing():
    """(models, add-ons) of the daemon for the dialog's choices, or ([], []) when it cannot be
    reached. Asked once per plug-in process: GIMP creates all the procedures in one go."""
    if not _listing_cache:
        try:
            daemon = connect_daemon(timeout=_QUERY_TIMEOUT_S)
            try:
                listing = daemon.list_models()
                _listing_cache.append((list(listing.models), list(listing.add_ons)))
            finally:
                daemon.close()
        except Exception:  # no daemon yet: the dialog offers the defaults only
            _listing_cache.append(([], []))
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
        models, add_ons = _daemon_listing()
        if any(arg.name == "model" for arg in spec.args):
            self._model_ids = self._add_choice(procedure, procedures.model_choices(models),
                                               procedures.MODEL_CHOICE_ARG, "_Model", "Model to paint with",
                                               procedures.DEFAULT_MODEL_NICK)
        if any(arg.name == "vae" for arg in spec.args):
            self._vae_ids = self._add_choice(procedure, procedures.vae_choices(add_ons),
                                             procedures.VAE_CHOICE_ARG, "VAE",
                                             "The decoder that makes the pixels; most models bring their own",
                                             procedures.DEFAULT_VAE_NICK)
        return procedure

    def _add_choice(self, procedure, choices, name, nick, blurb, default):
        """A dialog-only (auxiliary) picker filled from the daemon's live list; {nick: id}."""
        choice = Gimp.Choice.new()
        ids = {}
        for index, (choice_nick, item_id, label) in enumerate(choices):
            choice.add(choice_nick, index, label, "")  # help: GIMP refuses None
            ids[choice_nick] = item_id
        # GIMP 3.0.x keeps (and later unrefs) this choice although its introspection data says
        # "transfer none", so Python's own reference would be dropped twice and the plug-in
        # segfaults at exit. Hand GIMP a reference of its own (a harmless leak where fixed).
        choice._ref()
        procedure.add_choice_aux_argument(name, nick, blurb, choice, default, _RW)
        return ids

    # --- running ------------------------------------------------------------------------------

    def _run(self, procedure, run_mode, image, drawables, config, _data):
        spec = procedures.BY_NAME[procedure.get_name()]
        Gegl.init(None)
        if spec.needs_selection and GimpDocument(image, drawables).selection_rect() is None:
            # Say so before the dialog: filling in a whole dialog only to be refused is a trap.
            return _error(procedure, Gimp.PDBStatusType.EXECUTION_ERROR,
                          procedures.missing_selection_message(spec))
        try:
            daemon = connect_daemon()
        except UnderpaintError as error:
            return _error(procedure, Gimp.PDBStatusType.EXECUTION_ERROR, str(error))
        if run_mode == Gimp.RunMode.INTERACTIVE:
            if not self._show_dialog(procedure, config, spec):
                return procedure.new_return_values(Gimp.PDBStatusType.CANCEL, None)
        params = {arg.name: config.get_property(arg.name) for arg in spec.args}
        try:
            outcome, message = run_procedure(spec, GimpDocument(image, drawables), params,
                                             daemon, GimpProgress(), host_version())
        finally:
            daemon.close()
        if outcome == "success":
            if message and run_mode == Gimp.RunMode.INTERACTIVE:
                show_message(message)
            return procedure.new_return_values(Gimp.PDBStatusType.SUCCESS, None)
        status = (Gimp.PDBStatusType.CANCEL if outcome == "cancel"
                  else Gimp.PDBStatusType.EXECUTION_ERROR)
        return _error(procedure, status, message)

    def _show_dialog(self, procedure, config, spec) -> bool:
        gi.require_version("GimpUi", "3.0")
        from gi.repository import GimpUi

        GimpUi.init(procedures.PLUGIN_BINARY)
        dialog = GimpUi.ProcedureDialog.new(procedure, config,
                                            "Underpaint: " + spec.menu_label.replace("_", ""))
        names = [arg.name for arg in spec.args]
        has_model, has_vae = "model" in names, "vae" in names
        if has_model:
            # The model string stays for scripts; the dialog offers the daemon's list instead.
            names[names.index("model")] = procedures.MODEL_CHOICE_ARG
        if has_vae:
            names[names.index("vae")] = procedures.VAE_CHOICE_ARG
        for arg in spec.args:
            if arg.kind == "double":
                # A slider; GIMP 3.0's default spin button for a double asks for increments
                # wider than a 0.01..1 range and logs a CRITICAL.
                dialog.get_spin_scale(arg.name, 1.0)
        dialog.fill(names)
        accepted = dialog.run()
        dialog.destroy()
        if accepted and has_model:
            nick = config.get_property(procedures.MODEL_CHOICE_ARG)
            config.set_property("model", self._model_ids.get(nick, ""))
        if accepted and has_vae:
            nick = config.get_property(procedures.VAE_CHOICE_ARG)
            config.set_property("vae", self._vae_ids.get(nick, ""))
        return accepted


Gimp.main(UnderpaintPlugIn.__gtype__, sys.argv)
