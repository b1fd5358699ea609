"""Test-only Krita plugin for the GUI smoke test (never shipped).

Installed next to the real plugin in a throwaway HOME. Once Krita's main window is up it finds
the Underpaint docker, opens a document, clicks Generate with a selection and 2 variations,
waits for the result, presses Undo once, writes what it saw as JSON to $UNDERPAINT_KRITA_SMOKE
and quits Krita.
"""

import json
import os
import shutil
import time
import traceback

from krita import Extension, Krita, Selection

try:
    from PyQt6.QtCore import QModelIndex, QTimer
    from PyQt6.QtWidgets import QAbstractItemView, QApplication, QDockWidget
except ImportError:
    from PyQt5.QtCore import QModelIndex, QTimer
    from PyQt5.QtWidgets import QAbstractItemView, QApplication, QDockWidget

DOCKER_ID = "underpaint_docker"
JOB_TIMEOUT_S = 150


def layer_names(node):
    return [[c.name(), c.visible(), layer_names(c)] for c in node.childNodes() if not c.type().endswith("mask")]


def snap(name):
    """Copies Xvfb's live framebuffer (the screen as X shows it) for the test to turn into a PNG."""
    fbdir, shots = os.environ.get("UNDERPAINT_FBDIR"), os.environ.get("UNDERPAINT_SHOTS")
    if fbdir and shots:
        shutil.copyfile(os.path.join(fbdir, "Xvfb_screen0"), os.path.join(shots, name + ".xwd"))


def item_texts(model):
    """The Layers docker's rows as it shows them: top-level rows and their children (Krita's
    node model answers rowCount() for any index, so a deeper walk never ends)."""
    texts = []
    for row in range(model.rowCount(QModelIndex())):
        top = model.index(row, 0, QModelIndex())
        texts.append(str(model.data(top)))
        for child in range(min(model.rowCount(top), 32)):
            texts.append(str(model.data(model.index(child, 0, top))))
    return texts


def rect(widget):
    geometry = widget.frameGeometry()
    return [geometry.x(), geometry.y(), geometry.width(), geometry.height()]


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
            # The whole 1600x1000 screen, as a maximised window on a laptop (Xvfb has no window
            # manager to maximise it).
            window = app.activeWindow().qwindow()
            window.setGeometry(QApplication.primaryScreen().availableGeometry())
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
        QTimer.singleShot(1500, self.look)  # let Krita repaint the canvas, layer list and panel

    def look(self):
        """What an artist sees after the job: screenshots, window and panel sizes, the panel's
        state and the Layers docker's list."""
        try:
            QApplication.processEvents()
            docker = self.docker
            window = Krita.instance().activeWindow().qwindow()
            screen = QApplication.primaryScreen().geometry()
            layer_boxes = [d for d in window.findChildren(QDockWidget) if d.objectName() == "KisLayerBox"]
            views = layer_boxes[0].findChildren(QAbstractItemView) if layer_boxes else []
            views = [v for v in views if v.metaObject().className() == "NodeView"] or views  # the layer list
            self.report["look"] = {
                "screen": [screen.width(), screen.height()],
                "window": rect(window),
                "docker": rect(docker),
                "docker_floating": docker.isFloating(),
                "panel_content_height": docker.scroll.widget().sizeHint().height(),
                "layer_list": item_texts(views[0].model()) if views else None,
                "progress": [docker.progress.value(), docker.progress.maximum(), docker.progress.text()],
                "result_shown": docker.job.showing_result,
                "preview_tooltip": docker.preview.toolTip(),
                "seed_text": docker.seed.text(),
                "connection_text": docker.connection.text.text(),
                "connection_settings_open": docker.connection.details.isExpanded(),
            }
            snap("krita-after-generate")
            shots = os.environ.get("UNDERPAINT_SHOTS", "/tmp")
            docker.grab().save(os.path.join(shots, "krita-docker.png"))  # as docked
            content = docker.scroll.widget()
            content.grab().save(os.path.join(shots, "krita-docker-content.png"))  # all of it, unscrolled
            sections = docker._sections()
            was_open = {name: section.isExpanded() for name, section in sections.items()}
            for section in sections.values():
                section.setExpanded(True)
            QApplication.processEvents()
            content.adjustSize()
            content.grab().save(os.path.join(shots, "krita-docker-sections-open.png"))
            self.report["look"]["sections_open_height"] = content.sizeHint().height()
            for name, section in sections.items():
                section.setExpanded(was_open[name])
        except Exception:
            self.report["error"] = traceback.format_exc()
            return self.finish()
        Krita.instance().action("edit_undo").trigger()
        QTimer.singleShot(1000, self.after_undo)

    def after_undo(self):
        self.doc.waitForDone()
        self.report["after_undo"] = layer_names(self.doc.rootNode())
        self.follow_active_layer()

    # --- live link: the Follow and Unlink buttons on the active layer ----------------------------

    def follow_active_layer(self):
        try:
            self.channel = "krita-gui/live-%d" % os.getpid()
            self.linked_node = self.doc.activeNode()
            self.report["active_layer"] = self.linked_node.name()
            self.docker.board.channel.setEditText(self.channel)
            self.docker.board.follow.click()
            self.deadline = time.monotonic() + 30
            self.wait_then(lambda: self.docker.live_links.state == "ok", self.publish_to_channel)
        except Exception:
            self.report["error"] = traceback.format_exc()
            self.finish()

    def publish_to_channel(self):
        from underpaint_kit import connect_daemon, pb_board, requests

        self.report["linked_name"] = self.linked_node.name()
        self.published = bytes([40, 90, 160, 255]) * (6 * 4)
        meta = pb_board.BoardMeta(x=7, y=9, document_width=64, document_height=64)
        connect_daemon().publish(self.channel, requests.rgba_image(6, 4, self.published), meta)
        self.deadline = time.monotonic() + 30
        self.wait_then(lambda: self.docker.live_links.book.links()[0].version > 0, self.unlink)

    def unlink(self):
        self.doc.waitForDone()
        node = self.linked_node
        bounds = node.bounds()
        bgra = bytearray(self.published)  # Krita keeps 8-bit RGBA as B, G, R, A
        bgra[0::4], bgra[2::4] = self.published[2::4], self.published[0::4]
        # The Background layer's "empty" is white (Krita's default pixel for it), so its bounds
        # stay the canvas: check that the old white is gone around the new picture instead.
        self.report["updated"] = {"bounds": [bounds.x(), bounds.y(), bounds.width(), bounds.height()],
                                  "same_pixels": bytes(node.pixelData(7, 9, 6, 4)) == bytes(bgra),
                                  "cleared_around": [list(bytes(node.pixelData(x, y, 1, 1))) for x, y in ((0, 0), (6, 9), (63, 63))]}
        self.report["link_list"] = [self.docker.board.link_list.item(i).text() for i in range(self.docker.board.link_list.count())]
        self.docker.board.unlink.click()  # nothing selected in the list: the active layer's link
        self.report["unlinked_name"] = node.name()
        self.report["links_after_unlink"] = len(self.docker.live_links.book.links())
        # Quit while a link is live: the board loop is waiting in a long-poll then.
        self.docker.board.place_linked.click()
        self.deadline = time.monotonic() + 30
        self.wait_then(lambda: self.docker.live_links.book.links() and self.docker.live_links.state == "ok",
                       self.quit_while_following)

    def quit_while_following(self):
        self.report["following_at_quit"] = [self.docker.live_links.follower.running,
                                            self.docker.board.link_status.text()]
        self.start_live()

    # --- live mode: the Live button on the active document; Krita quits while it is on -------------

    def start_live(self):
        self.docker.live_button.click()
        self.deadline = time.monotonic() + 30
        self.wait_then(lambda: self.docker.live.placed >= 1, self.quit_while_live)

    def quit_while_live(self):
        self.doc.waitForDone()
        self.report["live"] = {"checked": self.docker.live_button.isChecked(),
                               "live_layers": [n.name() for n in self.doc.rootNode().childNodes()].count("Live result"),
                               "top": self.doc.rootNode().childNodes()[-1].name(),
                               "apply_enabled": self.docker.apply_button.isEnabled()}
        self.finish()

    def wait_then(self, ready, then):
        """Check ready() every 200 ms (the UI keeps running); then(), or finish on the deadline."""
        if ready():
            return then()
        if time.monotonic() > self.deadline:
            self.report["error"] = "live link: waited 30 s in vain before %s" % then.__name__
            return self.finish()
        QTimer.singleShot(200, lambda: self.wait_then(ready, then))

    def finish(self):
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(self.report, f, indent=1)
        doc = getattr(self, "doc", None)
        if doc is not None:
            doc.setModified(False)  # no "save changes?" dialog on quit
        Krita.instance().action("file_quit").trigger()


Krita.instance().addExtension(SmokeTest(Krita.instance()))
