"""Looked at, not only tested: real GIMP 3 with its UI on a 1600x1000 Xvfb screen. The built
plug-in is installed in a throwaway profile; gimp3_gui.py opens an image, selects a rectangle and
starts Filters > Underpaint > Generate as the menu does, so the plug-in's dialog comes up. This
test screenshots the dialog (from Xvfb's framebuffer, tests/screenshots.py), presses OK with
xdotool, lets the job run, and screenshots GIMP with the result. The PNGs land in
tmp_path/screenshots (listed at the end of the pytest run) and must not be blank; the dialog must
fit the screen and the result layer must be in the image.

GIMP 3 is the machine's own (Debian 13) or the cached Debian 13 root's (scripts/debian13-root).
Xvfb and xdotool run on the host: the root shares its /tmp and network, so GIMP inside draws on it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from test_real_gimp import _version_of, _without_virtualenvs
from gimp_scenarios import plugin_env
from tests.host_root import command_in_root, root_problem
from tests.screenshots import SCREEN, assert_not_blank, collect, xvfb_server_args

HERE = Path(__file__).resolve().parent
DIALOG_TITLE = "Underpaint: Generate"


def find_gimp3_gui():
    """argv prefix for GIMP 3 with its UI, or None with the reason."""
    reasons = []
    for name in ("gimp-3.0", "gimp-3", "gimp"):
        path = shutil.which(name)
        if path:
            version = _version_of([path])
            if version and version.startswith("version"):
                return [path], ""
            reasons.append(f"{name}: {version}")
    in_root = command_in_root("gimp-3.0")
    if in_root is not None:
        return list(in_root), ""
    reasons.append(f"Debian 13 root: {root_problem() or 'no gimp-3.0 in it'}")
    return None, "GIMP 3 with its UI is not available (" + "; ".join(reasons) + ")"


GIMP, WHY_NOT = find_gimp3_gui()


def free_display() -> int:
    for number in range(140, 400):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number")


def xdotool(*args, display: str) -> str:
    done = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, DISPLAY=display))
    return done.stdout.strip() if done.returncode == 0 else ""


def wait_for(condition, timeout: float, what: str, process):
    """Polls condition() every half second; fails with GIMP's output when GIMP ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process.poll() is not None:
            out = process.stdout.read() if process.stdout else ""
            pytest.fail(f"GIMP ended (rc {process.returncode}) while waiting for {what}:\n{out[-3000:]}")
        time.sleep(0.5)
    pytest.fail(f"waited {timeout} s in vain for {what}")


needs_gui = [pytest.mark.skipif(GIMP is None, reason=WHY_NOT),
             pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xdotool") is None,
                                reason="needs Xvfb and xdotool on this machine (apt install xvfb xdotool)")]
pytestmark = [pytest.mark.slow, *needs_gui]


def run_dialog(built_plugin, daemon, tmp_path, title: str, procedure: str = "underpaint-generate", keys=()):
    """Starts GIMP with its UI on Xvfb, lets gimp3_gui.py open `procedure`'s dialog, screenshots
    it, presses `keys` (a tuple: a click at (x, y) in the dialog) and then OK, screenshots GIMP after the job; returns (state,
    dialog geometry, screenshots folder)."""
    profile = tmp_path / "gimp-profile"
    shutil.copytree(built_plugin, profile / "plug-ins" / "underpaint-gimp")
    (profile / "plug-ins" / "underpaint-gimp" / "underpaint-gimp.py").chmod(0o755)
    fbdir, shots, work = tmp_path / "framebuffer", tmp_path / "screenshots", tmp_path / "work"
    for folder in (fbdir, shots, work, tmp_path / "home"):
        folder.mkdir()
    number = free_display()
    display = f":{number}"
    xvfb = subprocess.Popen(["Xvfb", display, *xvfb_server_args(fbdir).split(), "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gimp = None
    stem = procedure.removeprefix("underpaint-")
    try:
        wait_for(lambda: (fbdir / "Xvfb_screen0").exists() and Path(f"/tmp/.X11-unix/X{number}").exists(),
                 30, "Xvfb", xvfb)
        system_python = tmp_path / "system-python"
        system_python.mkdir()
        if Path("/usr/bin/python3").exists():
            (system_python / "python3").symlink_to("/usr/bin/python3")
        env = plugin_env(daemon.env)
        env.update(GIMP3_DIRECTORY=str(profile), HOME=str(tmp_path / "home"), DISPLAY=display,
                   UNDERPAINT_HTTP=daemon.http, UNDERPAINT_GIMP_GUI=str(work), NO_AT_BRIDGE="1",
                   UNDERPAINT_GIMP_GUI_PROCEDURE=procedure,
                   PATH=os.pathsep.join([str(system_python), _without_virtualenvs(env.get("PATH", os.defpath))]))
        env.pop("XAUTHORITY", None)
        code = f"exec(open({str(HERE / 'gimp3_gui.py')!r}).read())"
        gimp = subprocess.Popen(GIMP + ["--no-splash", "--batch-interpreter=python-fu-eval", "-b", code],
                                env=env, cwd=str(work), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        # GIMP's first start on a fresh profile builds its caches: give it time.
        dialog = wait_for(lambda: xdotool("search", "--name", title, display=display).split()[:1],
                          400, "the Underpaint dialog", gimp)[0]
        time.sleep(3)  # let it draw
        geometry = xdotool("getwindowgeometry", "--shell", dialog, display=display)
        shutil.copyfile(fbdir / "Xvfb_screen0", shots / f"gimp-{stem}-dialog.xwd")
        xdotool("windowfocus", "--sync", dialog, display=display)
        for n, key in enumerate(keys):
            if isinstance(key, tuple):  # a click at (x, y) in the dialog, e.g. to open a list
                xdotool("mousemove", "--window", dialog, str(key[0]), str(key[1]), "click", "1", display=display)
                time.sleep(1.5)
                shutil.copyfile(fbdir / "Xvfb_screen0", shots / f"gimp-{stem}-dialog-click{n}.xwd")
            else:
                xdotool("key", key, display=display)
                time.sleep(0.5)
        if keys:
            time.sleep(1)
            shutil.copyfile(fbdir / "Xvfb_screen0", shots / f"gimp-{stem}-dialog-picked.xwd")
        # Return presses OK; after picking in a list the list has the focus, so use OK's mnemonic.
        xdotool("key", "--window", dialog, "alt+o" if keys else "Return", display=display)
        state_file = work / "state.json"
        wait_for(state_file.exists, 300, "the job to end", gimp)
        time.sleep(3)  # the display repaints with the new layer
        shutil.copyfile(fbdir / "Xvfb_screen0", shots / f"gimp-after-{stem}.xwd")
        (work / "quit").write_text("")
        try:
            gimp.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pass
        state = json.loads(state_file.read_text())
    finally:
        for process in (gimp, xvfb):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert "error" not in state, state["error"]
    assert state["status"] == "success", state["message"]
    return state, dict(line.split("=") for line in geometry.splitlines()), shots


def test_gimp_dialog_and_result_look_right(built_plugin, daemon, tmp_path):
    state, size, shots = run_dialog(built_plugin, daemon, tmp_path, DIALOG_TITLE)
    assert state["layers"][-1] == "Background" and len(state["layers"]) == 2, state["layers"]
    assert re.fullmatch(r"Underpaint generate 1 \(seed \d+\)", state["layers"][0]), state["layers"]
    # The dialog (now with control/reference layers and a style) still fits the screen.
    assert int(size["HEIGHT"]) <= SCREEN[1] and int(size["WIDTH"]) <= SCREEN[0], size
    assert_not_blank(collect(shots), ["gimp-generate-dialog", "gimp-after-generate"])


def test_place_again_dialog_lists_this_images_results(built_plugin, daemon, tmp_path):
    """The history list is added to the dialog's choice when the procedure runs (GIMP built the
    choice before it knew the image). A click opens the list (screenshot ...-dialog-click0: the
    latest, then both fills); two steps down pick the older fill (seed 11), which is what gets
    placed ("the latest" would place the fill with seed 22)."""
    state, size, shots = run_dialog(built_plugin, daemon, tmp_path, "Underpaint: Place Again from History",
                                    "underpaint-history-place", keys=((250, 28), "Down", "Down", "Return"))
    assert_not_blank(collect(shots), ["gimp-history-place-dialog", "gimp-after-history-place"])
    assert len(state["made"]) == 3, state
    assert state["layers"][0].startswith("History: a red barn (seed 11) ["), state["layers"]
