"""Builds the Underpaint docker under PyQt6 (as Krita 6 would load it) and reports JSON.

No Krita 6 exists on these machines, so a minimal stand-in `krita` module provides only what
the docker touches at start (DockWidget, settings, version); the Qt side and the daemon are
real. Run by test_pyqt6.py: python pyqt6_docker_check.py PLUGIN_PARENT_DIR
"""

import json
import sys
import time
import types

import PyQt6.QtCore  # noqa: F401  (Krita 6 has imported its binding before any plugin loads)
from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtWidgets import QApplication, QDockWidget


class _Notifier(QObject):
    imageCreated = pyqtSignal(object)


class _Krita:
    _instance = None

    def __init__(self):
        self.settings = {}
        self.factories = []
        self._notifier = _Notifier()

    @classmethod
    def instance(cls):
        cls._instance = cls._instance or cls()
        return cls._instance

    def readSetting(self, group, key, default):
        return self.settings.get((group, key), default)

    def writeSetting(self, group, key, value):
        self.settings[(group, key)] = value

    def version(self):
        return "6.0.0-standin"

    def activeDocument(self):
        return None

    def documents(self):
        return []

    def notifier(self):
        return self._notifier

    def addDockWidgetFactory(self, factory):
        self.factories.append(factory)


class _DockWidgetFactoryBase:
    class DockPosition:  # Krita 6 (PyQt6) only has the scoped spelling
        DockRight = 3


class _DockWidgetFactory:
    def __init__(self, docker_id, position, docker_class):
        self.docker_id, self.position, self.docker_class = docker_id, position, docker_class


class _DockWidget(QDockWidget):
    def canvasChanged(self, canvas):
        pass


def main():
    sys.path.insert(0, sys.argv[1])
    app = QApplication([])
    krita = types.ModuleType("krita")
    krita.Krita, krita.DockWidget = _Krita, _DockWidget
    krita.DockWidgetFactory, krita.DockWidgetFactoryBase = _DockWidgetFactory, _DockWidgetFactoryBase
    sys.modules["krita"] = krita

    from underpaint_krita import qt
    from underpaint_krita.docker import UnderpaintDocker

    (factory,) = _Krita.instance().factories  # registered when the package was imported
    docker = factory.docker_class()
    connected = {}
    docker.controller.connected.connect(lambda info, models, error: connected.update(ok=info is not None, error=error))
    began = time.monotonic()
    while not connected and time.monotonic() - began < 30:
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()
    folded_when_connected = not docker.connection.details.isExpanded()
    seed_text_unlocked = docker.seed.text()
    docker.controller.preview.emit(2, 1, bytes([255, 0, 0, 255, 0, 0, 255, 128]))
    preview_width = docker.preview.pixmap().width() if docker.preview.pixmap() else 0
    # A job's end as the controller reports it: the result replaces the step preview, the bar
    # stays full, and Lock offers the seed that was used.
    docker._set_busy(True)
    docker.controller.progress.emit(1, 4)
    docker.controller.result_image.emit(1, 1, bytes([0, 255, 0, 255]))
    docker.controller.finished.emit("succeeded", "Added layer.", 4242)
    ended = {"progress": [docker.progress.value(), docker.progress.maximum()], "format": docker.progress.text(),
             "result_shown": docker.job.showing_result, "seed_text": docker.seed.text()}
    docker.seed_lock.setChecked(True)
    ended["locked_seed"] = docker.settings().seed
    docker.seed_lock.setChecked(False)
    ended["unlocked_seed"] = [docker.settings().seed, docker.seed.text()]
    docker.strength.setValue(100)
    docker._on_generate()  # no document open: the panel says so instead of failing
    generate_message = docker.message.text()
    docker.board.follow.click()  # the live link buttons under PyQt6: no document, so refused
    report = {
        "follow_message": docker.message.text(),
        "link_status": docker.board.link_status.text(),
        "binding": qt.QT_BINDING,
        "factory": [factory.docker_id, factory.position, factory.docker_class is UnderpaintDocker],
        "pyqt5_loaded": "PyQt5" in sys.modules,
        "connected": connected,
        "models": [docker.model.itemData(i) for i in range(docker.model.count())],
        "strength_label": docker.strength_label.text(),
        "preview_width": preview_width,
        "folded_when_connected": folded_when_connected,
        "seed_text_unlocked": seed_text_unlocked,
        "ended": ended,
        "sections": {name: section.isExpanded() for name, section in docker._sections().items()},
        "message": generate_message,
        "saved_settings": sorted(key for _group, key in _Krita.instance().settings),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
