"""The thinnest stand-in for GIMP 3's `Gimp` module that the plug-in's image layer needs.

Mirrors the GIMP 3.0 API names and return shapes the plug-in uses, by area:
  gimp_standin_image.py   images, layers, masks, the selection, parasites (real Gegl.Buffers;
                          every change written to Image.calls so tests can check undo bracketing)
  gimp_standin_plugin.py  Gimp.PlugIn/main, procedures, arguments, choices, procedure configs
  gimp_standin_ui.py      progress, messages, and GimpUi's dialog that records what it would show
This module gathers them into one `Gimp` namespace; tests and driver.py read its logs
(progress_log, messages, dialogs, main_calls) and set dialog_answers here.

install() puts it where `from gi.repository import Gimp` finds it. Runs under /usr/bin/python3.
"""

from __future__ import annotations

import importlib
import sys
import types

import gi

# Everything the areas define, re-exported: this module is the `Gimp` namespace.
from gimp_standin_image import (  # noqa: F401
    PARASITE_PERSISTENT, PARASITE_UNDOABLE, RGBA8, Channel, Drawable, Image, ImageBaseType,
    ImageType, Layer, LayerMask, LayerMode, MergeType, Parasite, Selection, _rect)
from gimp_standin_plugin import (  # noqa: F401
    Choice, ImageProcedure, PDBProcType, PDBStatusType, PlugIn, ProcedureConfig,
    ProcedureSensitivityMask, RunMode, main, main_calls)
from gimp_standin_ui import (  # noqa: F401
    ProcedureDialog, _gimp_ui_module, dialog_answers, dialogs, displays_flush, message, messages,
    progress_end, progress_init, progress_log, progress_set_text, progress_update, version)


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
