"""GUI smoke test: real Krita under Xvfb with the built plugin installed like an artist does.

A test-only helper plugin (gui_smoke/) finds the docker, clicks Generate with 2 variations,
presses Undo once, clicks Follow on the active layer, publishes to that channel, clicks Unlink,
clicks Place linked, presses Live until its first result shows, writes a JSON report and quits
Krita while that link and Live are on. A timeout kills Krita and fails.
"""

from __future__ import annotations

import json
import shutil

import pytest

from krita_support import HERE, krita_env, require, run_logged, skip_without_pykrita
from tests.screenshots import SCREEN, assert_not_blank, collect, xvfb_server_args


def install(plugin_dir, pykrita):
    pykrita.mkdir(parents=True)
    for source in list(plugin_dir.iterdir()) + list((HERE / "gui_smoke").iterdir()):
        if source.name == "__pycache__":
            continue
        target = pykrita / source.name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)


def test_the_built_plugin_ships_its_manual(built_krita_plugin):
    """Krita's Python Plugin Manager shows the file named by X-Krita-Manual, read from inside the
    plugin's own folder; without it, it says "No Manual Available"."""
    desktop = (built_krita_plugin / "underpaint_krita.desktop").read_text(encoding="utf-8")
    manual_name = next(line.split("=", 1)[1] for line in desktop.splitlines() if line.startswith("X-Krita-Manual="))
    manual = (built_krita_plugin / "underpaint_krita" / manual_name).read_text(encoding="utf-8")
    assert "<h1>Underpaint</h1>" in manual and "Settings &#8594; Dockers &#8594; Underpaint" in manual


@pytest.mark.slow
def test_krita_starts_with_the_docker_generates_undoes_and_quits(daemon, built_krita_plugin, tmp_path):
    xvfb_run = require("xvfb-run")
    krita = require("krita")
    home = tmp_path / "home"
    install(built_krita_plugin, home / ".local" / "share" / "krita" / "pykrita")
    (home / ".config").mkdir(parents=True)
    (home / ".config" / "kritarc").write_text(
        "[python]\nenable_underpaint_krita=true\nenable_underpaint_krita_smoke=true\n", encoding="utf-8")
    marker = tmp_path / "smoke.json"
    fbdir, shots = tmp_path / "framebuffer", tmp_path / "screenshots"
    fbdir.mkdir()
    shots.mkdir()
    env = krita_env(home, UNDERPAINT_HTTP=daemon.http, UNDERPAINT_KRITA_SMOKE=str(marker),
                    UNDERPAINT_FBDIR=str(fbdir), UNDERPAINT_SHOTS=str(shots))
    done = run_logged([xvfb_run, "-a", "-s", xvfb_server_args(fbdir), krita, "--nosplash"], env, 400, tmp_path)
    log = done.stdout[-4000:] + done.stderr[-4000:]
    skip_without_pykrita(log)
    assert marker.exists(), f"the plugin never reported (rc {done.returncode}):\n{log}"
    report = json.loads(marker.read_text())
    assert "error" not in report, report["error"]
    assert done.returncode == 0, f"Krita did not quit cleanly (rc {done.returncode}):\n{log}"

    assert report["docker_found"] and report["docker_visible"]
    assert report["docker_title"] == "Underpaint"
    assert report["cancel_enabled_while_running"]
    assert report["job_status"] == "succeeded", report["job_message"]
    assert report["panel_message"] == report["job_message"]
    top = report["after_job"][-1]
    assert top[0] == "smoke test · 2 variations"
    assert [visible for _name, visible, _children in reversed(top[2])] == [True, False]
    assert report["after_undo"] == report["before"]  # one Undo removes the whole result

    # Live link by the buttons: Follow on the active layer, a publication repaints it, Unlink.
    layer = report["active_layer"]
    assert report["linked_name"].startswith(f"{layer} ⇄ krita-gui/live-")
    assert report["updated"]["same_pixels"]
    assert report["updated"]["cleared_around"] == [[0, 0, 0, 0]] * 3  # the old pixels are gone
    assert report["link_list"] == [f"● {report['linked_name']} · v1"]
    assert report["unlinked_name"] == layer and report["links_after_unlink"] == 0
    # ... and Krita quit cleanly (checked above) while a Place linked layer was following
    assert report["following_at_quit"] == [True, f"Following {report['linked_name'].split(' ⇄ ')[1]}."]
    # ... and while Live (pressed on the active document) showed its first result
    assert report["live"] == {"checked": True, "live_layers": 1, "top": "Live result", "apply_enabled": True}

    # Looked at, not only tested: the screen after the job (Krita 1600x1000, docker docked) and the
    # docker on its own, as PNGs in tmp_path/screenshots (listed at the end of the pytest run).
    look = report["look"]
    assert_not_blank(collect(shots), ["krita-after-generate", "krita-docker", "krita-docker-content",
                                      "krita-docker-sections-open"])
    assert look["panel_content_height"] <= 620, look  # folded, the panel fits ~600 px without scrolling
    assert look["screen"] == list(SCREEN)
    assert look["window"][3] <= SCREEN[1], f"Krita's window grew past the screen: {look['window']}"
    assert not look["docker_floating"] and look["docker"][3] <= SCREEN[1]
    assert "smoke test · 2 variations" in look["layer_list"], look["layer_list"]
    assert look["progress"][:2] == [1, 1] and look["progress"][2] == "Done · 100 %"  # stays full, not 0 %
    assert look["result_shown"] and look["preview_tooltip"].startswith("The result")
    assert look["seed_text"] == "random"  # unlocked; Lock would offer the seed just used
    assert look["connection_text"].startswith("Connected: underpaint")
    assert not look["connection_settings_open"]  # folded away once connected
