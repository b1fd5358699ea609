"""The same plugin code under PyQt6 (Krita 6's binding), through the one import shim."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from krita_support import HERE


def test_docker_builds_and_connects_under_pyqt6(daemon, built_krita_plugin):
    try:
        import PyQt6.QtWidgets  # noqa: F401
    except ImportError as error:
        pytest.skip(f"PyQt6 is not installed in this venv ({error}); pip install PyQt6==6.11.0")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERPAINT_")}
    env.update(QT_QPA_PLATFORM="offscreen", UNDERPAINT_HTTP=daemon.http)
    done = subprocess.run([sys.executable, str(HERE / "pyqt6_docker_check.py"), str(built_krita_plugin)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["binding"] == "PyQt6" and not report["pyqt5_loaded"]
    assert report["factory"] == ["underpaint_docker", 3, True]
    assert report["connected"] == {"ok": True, "error": ""}
    assert "underpaint-demo" in report["models"]
    assert report["strength_label"] == "100 % (new)"
    assert report["preview_width"] > 0
    assert report["folded_when_connected"]  # connection settings fold away once connected
    assert report["sections"] == {"advanced": False, "controls": False, "extras": False, "expand": False,
                                  "board": False}  # first start: all folded
    assert report["seed_text_unlocked"] == "random"
    assert report["ended"] == {"progress": [1, 1], "format": "Done · 100 %", "result_shown": True,
                               "seed_text": "random", "locked_seed": 4242, "unlocked_seed": [-1, "random"]}
    assert report["message"] == "Open or create a document first."
    assert report["follow_message"] == "Open or create a document first."
    assert report["link_status"] == "No live links."
    assert "prompt" in report["saved_settings"]
