"""Fixtures for the GIMP plug-in tests: the plug-in built as users install it, the system
Python that has GEGL's introspection data, and a runner for one stand-in scenario."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

# GIMP 3 runs Python plug-ins with the system interpreter; Debian's python3-gi and
# gir1.2-gegl-0.4 give that interpreter the real GEGL (the venv has no PyGObject).
SYSTEM_PYTHON = os.environ.get("UNDERPAINT_GIMP_PYTHON", "/usr/bin/python3")


def _gegl_missing_reason() -> str | None:
    check = "import gi; gi.require_version('Gegl', '0.4'); from gi.repository import Gegl"
    try:
        result = subprocess.run([SYSTEM_PYTHON, "-c", check], capture_output=True, text=True,
                                timeout=60)
    except OSError as error:
        return f"{SYSTEM_PYTHON} cannot run ({error})"
    if result.returncode != 0:
        return (f"{SYSTEM_PYTHON} has no GEGL introspection (apt install python3-gi "
                f"gir1.2-gegl-0.4): {result.stderr.strip().splitlines()[-1:]}")
    return None


@pytest.fixture(scope="session")
def system_python() -> str:
    reason = _gegl_missing_reason()
    if reason:
        pytest.skip(reason)
    return SYSTEM_PYTHON


@pytest.fixture(scope="session")
def built_plugin(tmp_path_factory) -> Path:
    """dist/gimp/underpaint-gimp as `underpaint plugins build gimp` makes it (with vendor/)."""
    from underpaint.plugins.build import build

    out = tmp_path_factory.mktemp("gimp-build")
    build("gimp", out, log=lambda *_: None)
    plugin = out / "gimp" / "underpaint-gimp"
    assert (plugin / "underpaint-gimp.py").is_file()
    assert (plugin / "vendor" / "underpaint_kit").is_dir()
    return plugin


@pytest.fixture(scope="session")
def tools_daemon(tmp_path_factory):
    """A daemon whose models folder holds, beside the demo model (with its ControlNet and
    IP-Adapter), the demo ESRGAN upscaler and a random-weights CLIP model (for Interrogate), and
    whose lexicon has one style: everything the Upscale, Interrogate and style pickers list."""
    from underpaint.archive.clip_model import write_random_clip
    from underpaint.finishing.upscale_demo import write_demo_esrgan
    from underpaint.models.demo import write_demo_model
    from underpaint.testing import DaemonProcess

    from tests.conftest import RunningDaemon

    models = tmp_path_factory.mktemp("gimp-tools-models")
    write_demo_model(models)
    write_demo_esrgan(models)
    write_random_clip(models / "clip" / "tiny-random")
    process = DaemonProcess(models, tmp_path_factory.mktemp("gimp-tools-home")).start()
    running = RunningDaemon(process)
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins" / "common"))
    from underpaint_kit import connect_daemon, pb_archive

    daemon = connect_daemon(running.http)
    daemon.call("underpaint.v1.Lexicon", "PutStyle",
                pb_archive.Style(name="Ink Wash", prompt="{prompt}, ink wash painting", negative_prompt="colour"),
                pb_archive.Style)
    daemon.close()
    yield running
    process.stop()
