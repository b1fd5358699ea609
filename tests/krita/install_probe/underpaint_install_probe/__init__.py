"""Test-only Krita plugin (never shipped) for test_krita_install.py: once Krita's main window is
up, writes to $UNDERPAINT_KRITA_PROBE whether Krita loaded underpaint_krita, from where, with
which setting, and whether its docker exists; then quits Krita."""

import json
import os
import sys
import traceback

from krita import Extension, Krita

try:
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QDockWidget
except ImportError:
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QDockWidget


class InstallProbe(Extension):
    def setup(self):
        if os.environ.get("UNDERPAINT_KRITA_PROBE"):
            Krita.instance().notifier().windowCreated.connect(lambda: QTimer.singleShot(1000, self.report))

    def createActions(self, window):
        pass

    def report(self):
        out = {}
        try:
            app = Krita.instance()
            plugin = sys.modules.get("underpaint_krita")
            out["loaded_from"] = getattr(plugin, "__file__", None)
            out["setting"] = app.readSetting("python", "enable_underpaint_krita", "")
            out["resources"] = app.getAppDataLocation()
            docks = app.activeWindow().qwindow().findChildren(QDockWidget)
            out["docker"] = [d.objectName() for d in docks if d.objectName() == "underpaint_docker"]
        except Exception:
            out["error"] = traceback.format_exc()
        with open(os.environ["UNDERPAINT_KRITA_PROBE"], "w", encoding="utf-8") as handle:
            json.dump(out, handle)
        Krita.instance().action("file_quit").trigger()


Krita.instance().addExtension(InstallProbe(Krita.instance()))
