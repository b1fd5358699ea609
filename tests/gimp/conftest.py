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
