"""Test-only Krita plugin for the GUI smoke test (never shipped).

Installed next to the real plugin in a throwaway HOME. Once Krita's main window is up it finds
the Underpaint docker, opens a document, clicks Generate with a selection and 2 variations,
waits for the result, presses Undo once, writes what it saw as JSON to $UNDERPAINT_KRITA_SMOKE
and quits Krita.
"""

import json
import os
import time
import traceback

from krita import Extension, Krita, Selection

try:
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QDockWidget
except ImportError:
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QDockWidget

DOCKER_ID = "underpaint_docker"
JOB_TIMEOUT_S = 150


def layer_names(node):
    return [[c.name(), c.visible(), layer_names(c)] for c in node.childNodes() if not c.type().endswith("mask")]


class SmokeTest(Extension):
    def __init__(self, parent):
        super().__init__(parent)
        self.path = os.environ.get("UNDERPAINT_KRITA_SMOKE", "")
        self.report = {"docker_found": False, "docker_visible": False}

    def setup(self):
        if self.path:
            Krita.instance().notifier().windowCreated.connect(lambda: QTimer.singleShot(1000, self.start))

    def createActions(self, window):
        pass

    def start(self):
        try:
            app = Krita.instance()
            docks = app.activeWindow().qwindow().findChildren(QDockWidget)
            self.report["dockers"] = sorted(d.objectName() for d in docks)
            ours = [d for d in docks if d.objectName() == DOCKER_ID]
            if not ours:
                return self.finish()
            docker = self.docker = ours[0]
            docker.show()
            self.report.update(docker_found=True, docker_visible=docker.isVisible(), docker_title=docker.windowTitle())

            doc = self.doc = app.createDocument(64, 64, "smoke", "RGBA", "U8", "", 72.0)
            app.activeWindow().addView(doc)
            selection = Selection()
            selection.select(5, 9, 33, 21, 255)
            doc.setSelection(selection)
            self.report["before"] = layer_names(doc.rootNode())
            docker.prompt.setPlainText("smoke test")
            docker.steps.setValue(2)
            docker.count.setValue(2)
            docker.controller.finished.connect(self.on_finished)
            self.deadline = time.monotonic() + JOB_TIMEOUT_S
            docker.generate_button.click()
            self.report["cancel_enabled_while_running"] = docker.cancel_button.isEnabled()
            QTimer.singleShot(1000, self.watchdog)
        except Exception:
            self.report["error"] = traceback.format_exc()
            self.finish()

    def watchdog(self):
        if "job_status" in self.report:
            return
        if time.monotonic() > self.deadline:
            self.report["error"] = "the job did not finish in %d s" % JOB_TIMEOUT_S
            return self.finish()
        QTimer.singleShot(1000, self.watchdog)

    def on_finished(self, status, message, seed):
        self.report.update(job_status=status, job_message=message, panel_message=self.docker.message.text())
        self.doc.waitForDone()
        self.report["after_job"] = layer_names(self.doc.rootNode())
        Krita.instance().action("edit_undo").trigger()
        QTimer.singleShot(1000, self.after_undo)

    def after_undo(self):
        self.doc.waitForDone()
        self.report["after_undo"] = layer_names(self.doc.rootNode())
        self.finish()

    def finish(self):
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(self.report, f, indent=1)
        doc = getattr(self, "doc", None)
        if doc is not None:
            doc.setModified(False)  # no "save changes?" dialog on quit
        Krita.instance().action("file_quit").trigger()


Krita.instance().addExtension(SmokeTest(Krita.instance()))
