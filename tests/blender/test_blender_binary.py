"""Smoke test in the Blender binary from the system package manager (Debian 12: 3.4, Debian 13:
4.3): the built plugin folder enabled as a legacy add-on, one texture generated headless."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BLENDER = shutil.which("blender")
VENV_SITE = REPO / ".venv-blender" / "lib" / "python3.11" / "site-packages"

pytestmark = pytest.mark.slow


def numpy_shim(folder: Path) -> str:
    """A folder holding only .venv-blender's numpy (links), for a Blender whose Python lacks it.
    Same CPython minor (3.11) as Debian 12's Blender, so the compiled module loads."""
    if not (VENV_SITE / "numpy").is_dir():
        return ""
    folder.mkdir()
    for name in ("numpy", "numpy.libs"):
        if (VENV_SITE / name).exists():
            (folder / name).symlink_to(VENV_SITE / name)
    return str(folder)


@pytest.mark.skipif(BLENDER is None, reason="no `blender` binary on PATH (apt install blender)")
def test_system_blender_runs_the_plugin_as_an_add_on(daemon, tmp_path):
    from underpaint.plugins.build import build

    build("blender", tmp_path / "dist", log=lambda *args: None)
    scripts = tmp_path / "scripts"
    (scripts / "addons").mkdir(parents=True)
    shutil.copytree(tmp_path / "dist" / "blender" / "underpaint_blender",
                    scripts / "addons" / "underpaint_blender")
    env = dict(daemon.env)
    env.pop("UNDERPAINT_HTTP", None)
    env.update(BLENDER_USER_SCRIPTS=str(scripts), BLENDER_USER_CONFIG=str(tmp_path / "config"))
    version = subprocess.run([BLENDER, "--version"], capture_output=True, text=True, env=env,
                             timeout=120).stdout.splitlines()[0]
    report = tmp_path / "report.json"
    command = [BLENDER, "-b", "--factory-startup", "--python", str(HERE / "legacy_smoke.py"), "--",
               "--out", str(report), "--numpy-path", numpy_shim(tmp_path / "numpy-shim")]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert report.exists(), f"{version} wrote no report:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    result = json.loads(report.read_text())
    if result.get("numpy_missing"):
        pytest.skip(f"{version}: {result['numpy_missing']} (apt install python3-numpy)")
    assert "error" not in result, result["error"]
    assert result["state"] == "succeeded", result["message"]
    assert result["size"] == [64, 64]
    assert result["material_image"] == result["new_images"][0]
    assert result["unregistered"]


@pytest.mark.skipif(BLENDER is None or shutil.which("xvfb-run") is None,
                    reason="needs a `blender` binary and xvfb-run (apt install blender xvfb)")
def test_panels_draw_progress_and_show_the_result_in_the_ui(daemon, tmp_path):
    """Real Blender UI under Xvfb: the sidebar panels draw while a job runs (status line,
    progress) and the new texture appears in the Image Editor the job came from."""
    from underpaint.plugins.build import build

    build("blender", tmp_path / "dist", log=lambda *args: None)
    scripts = tmp_path / "scripts"
    (scripts / "addons").mkdir(parents=True)
    shutil.copytree(tmp_path / "dist" / "blender" / "underpaint_blender",
                    scripts / "addons" / "underpaint_blender")
    env = dict(daemon.env)
    env.pop("UNDERPAINT_HTTP", None)
    env.update(BLENDER_USER_SCRIPTS=str(scripts), BLENDER_USER_CONFIG=str(tmp_path / "config"))
    blend = tmp_path / "start.blend"  # opening a file skips the splash screen
    subprocess.run([BLENDER, "-b", "--factory-startup", "--python-expr",
                    f"import bpy; bpy.ops.wm.save_as_mainfile(filepath={str(blend)!r})"],
                   env=env, capture_output=True, timeout=120)
    report = tmp_path / "report.json"
    shots = tmp_path / "shots"
    shots.mkdir()
    command = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", BLENDER, str(blend),
               "--python", str(HERE / "gui_smoke.py"), "--", "--out", str(report),
               "--numpy-path", numpy_shim(tmp_path / "numpy-shim"), "--screenshots", str(shots)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=400)
    if not report.exists() and ("GLX" in done.stderr or "OpenGL" in done.stderr):
        pytest.skip(f"Blender's UI cannot start under Xvfb here: {done.stderr[-500:]}")
    assert report.exists(), f"no report:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    result = json.loads(report.read_text())
    if result.get("numpy_missing"):
        pytest.skip(f"{result['numpy_missing']} (apt install python3-numpy)")
    assert "error" not in result, result["error"]
    assert result["draw_errors"] == []
    for panel in ("main", "options", "board"):
        assert result["draws"].get(f"UNDERPAINT_PT_image_{panel}", 0) >= 2, result["draws"]
    assert result["state"] == "succeeded", result["message"]
    assert any("step" in status for status in result["statuses"]), result["statuses"]
    assert result["editor_image"] == result["images"][0] == "lichen on granite"
    assert (shots / "done.png").stat().st_size > 10000
    viewport = result["viewport_refine"]
    assert viewport["state"] == "succeeded", viewport["message"]
    assert viewport["images"] == ["Viewport (Underpaint)"] and viewport["size"][0] > 0
