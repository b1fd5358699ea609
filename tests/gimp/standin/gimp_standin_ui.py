"""What the artist would see in the GIMP stand-in (see gimp_standin.py): the progress bar,
messages, and GimpUi's procedure dialog, which shows nothing, records what it would show and
answers as told. Tests read these module-level logs after the run."""

from __future__ import annotations

import types

# --- Gimp: progress, messages ---------------------------------------------------------------------

progress_log: list = []   # ("init", text) / ("text", text) / ("update", fraction) / ("end",)
messages: list = []


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
