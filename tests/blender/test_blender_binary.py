"""Blender binaries from Debian's packages. The machine's own (Debian 12: 3.4, Debian 13: 4.3) runs
the built plugin folder as a legacy add-on, one texture generated headless; a Blender 4.2+ (the
machine's, else the cached Debian 13 root's: scripts/debian13-root) runs the extension in its real
UI under Xvfb, screenshots included."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.host_root import command_in_root, root_problem
from tests.screenshots import assert_not_blank, collect, xvfb_server_args

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


def blender_4_ui():
    """(argv prefix for a Blender 4.2+ that can run its UI under xvfb-run, version) - the machine's
    own (Debian 13: 4.3), else the one in the cached Debian 13 root (Debian 12 has 3.4) - or
    (None, why not)."""
    def version_of(prefix):
        try:
            out = subprocess.run(prefix + ["--version"], capture_output=True, text=True, timeout=120).stdout
        except (OSError, subprocess.TimeoutExpired):
            return None
        match = re.search(r"Blender (\d+)\.(\d+)\.\d+", out)
        return (match.group(0), (int(match.group(1)), int(match.group(2)))) if match else None

    reasons = []
    if BLENDER and shutil.which("xvfb-run"):
        found = version_of([BLENDER])
        if found and found[1] >= (4, 2):
            return [], BLENDER, found[0]
        reasons.append(f"this machine's blender is {found[0] if found else 'unknown'}")
    else:
        reasons.append("no blender + xvfb-run on this machine")
    in_root = command_in_root("blender")
    if in_root is not None:
        found = version_of(list(in_root))
        if found and found[1] >= (4, 2):
            return list(in_root[:-1]), "blender", found[0] + " (Debian 13 root)"
        reasons.append(f"the Debian 13 root's blender is {found[0] if found else 'unknown'}")
    else:
        reasons.append(f"Debian 13 root: {root_problem() or 'no blender in it'}")
    return None, None, "needs Blender 4.2+ with xvfb-run: " + "; ".join(reasons)


def test_panels_draw_progress_and_show_the_result_in_the_ui(daemon, tmp_path):
    """Real Blender 4 UI under Xvfb, the extension installed as an artist does: the sidebar fetches
    the model list by itself, the panels draw while a job runs (status line, progress), the new
    texture appears in the Image Editor the job came from, and the screenshots show it."""
    from underpaint.plugins.build import build

    prefix, blender, version = blender_4_ui()
    if prefix is None:
        pytest.skip(version)
    zip_path = build("blender", tmp_path / "dist", log=lambda *args: None)
    env = dict(daemon.env)
    env.pop("UNDERPAINT_HTTP", None)  # found through daemon.json, as on an artist's machine
    env.update(BLENDER_USER_RESOURCES=str(tmp_path / "blender-user"))
    install = subprocess.run(prefix + [blender, "--factory-startup", "--command", "extension", "install-file",
                                       "-r", "user_default", "-e", str(zip_path)],
                             env=env, capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, f"{version}: extension install failed:\n{install.stdout[-2000:]}{install.stderr[-2000:]}"
    blend = tmp_path / "start.blend"  # opening a file skips the splash screen
    subprocess.run(prefix + [blender, "-b", "--python-expr",
                             f"import bpy; bpy.ops.wm.save_as_mainfile(filepath={str(blend)!r})"],
                   env=env, capture_output=True, timeout=120)
    report = tmp_path / "report.json"
    fbdir, shots = tmp_path / "framebuffer", tmp_path / "screenshots"
    fbdir.mkdir()
    shots.mkdir()
    env.update(UNDERPAINT_FBDIR=str(fbdir), UNDERPAINT_SHOTS=str(shots))
    command = prefix + ["xvfb-run", "-a", "-s", xvfb_server_args(fbdir), blender, str(blend),
                        "--python", str(HERE / "gui_smoke.py"), "--", "--out", str(report),
                        "--package", "bl_ext.user_default.underpaint_blender"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=840)
    if not report.exists() and ("GLX" in done.stderr or "OpenGL" in done.stderr):
        pytest.skip(f"{version}: the UI cannot start under Xvfb here: {done.stderr[-500:]}")
    assert report.exists(), f"{version}: no report:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    result = json.loads(report.read_text())
    if result.get("numpy_missing"):
        pytest.skip(f"{version}: {result['numpy_missing']} (apt install python3-numpy)")
    assert "error" not in result, result["error"]
    assert result["draw_errors"] == []
    for panel in ("main", "options", "board", "connection", "scene_controls"):
        assert result["draws"].get(f"UNDERPAINT_PT_image_{panel}", 0) >= 2, result["draws"]

    # Before any click: the first draw fetched the lists; the demo says "random weights" once.
    before = result["before_generate"]
    assert before["state"] == "ok" and before["short"] == "Connected (cpu)", before
    ids = [model_id for model_id, _label in before["model_candidates"]]
    assert "underpaint-demo" in ids, before
    labels = dict(before["model_candidates"])
    assert labels["underpaint-demo"].count("random weights") == 1, labels
    assert before["sampler_candidates"], before
    assert before["demo_note"].startswith("Demo model: random weights")

    assert result["state"] == "succeeded", result["message"]
    assert any("step" in status for status in result["statuses"]), result["statuses"]
    assert result["editor_image"] == result["images"][0] == "lichen on granite"
    viewport = result["viewport_refine"]
    assert viewport["state"] == "succeeded", viewport["message"]
    assert viewport["images"] == ["Viewport (Underpaint)"] and viewport["size"][0] > 0

    # Looked at: real pixels (not the all-black bpy.ops.screen.screenshot), as PNGs in
    # tmp_path/screenshots, listed at the end of the pytest run.
    images = collect(shots)
    assert_not_blank(images, ["blender-before-generate", "blender-after-generate"])
