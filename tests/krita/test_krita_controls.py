"""Control layers and live mode in real Krita (kritarunner, headless) against a real daemon.

control_scenarios.py drives the docker inside Krita and reports plain facts as JSON; the asserts
are here. The demo daemon ships a random-weight ControlNet and IP-Adapter for its demo model, so
a control visibly changes the picture and strength 0 gives exactly the picture without it.
"""

from __future__ import annotations

import json

import pytest

from krita_support import HERE, krita_env, require, run_logged, skip_without_pykrita

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(daemon, built_krita_plugin, tmp_path_factory) -> dict:
    kritarunner = require("kritarunner")
    work = tmp_path_factory.mktemp("krita-controls")
    out = work / "scenarios.json"
    env = krita_env(work / "home", QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(HERE),
                    UNDERPAINT_KRITA_PLUGIN_PATH=str(built_krita_plugin), UNDERPAINT_HTTP=daemon.http,
                    UNDERPAINT_SCENARIOS_OUT=str(out), UNDERPAINT_SCENARIOS="control_layers,live_mode")
    done = run_logged([kritarunner, "-s", "krita_scenarios", "-f", "main"], env, 600, work)
    log = done.stdout[-4000:] + done.stderr[-4000:]
    skip_without_pykrita(log)
    assert out.exists(), f"kritarunner wrote no report (rc {done.returncode}):\n{log}"
    assert done.returncode == 0, f"kritarunner crashed or failed (rc {done.returncode}):\n{log}"
    return json.loads(out.read_text())


def scenario(report, name) -> dict:
    result = report[name]
    assert "error" not in result, f"scenario {name} raised inside Krita:\n{result['error']}"
    return result


def test_the_section_offers_the_types_the_daemon_has_for_the_model(report):
    controls = scenario(report, "control_layers")
    assert controls["connected"] == {"ok": True, "error": ""}
    # the demo ControlNet names no type, so it serves every type; the demo IP-Adapter gives "reference"
    assert controls["types"][:2] == ["canny", "scribble"] and controls["types"][-1] == "reference"
    assert controls["note"] == ""


def test_a_marked_hidden_layer_is_sent_as_a_control_and_steers_the_picture(report):
    controls = scenario(report, "control_layers")
    plain, scribble = controls["plain"], controls["scribble"]
    assert plain["status"] == scribble["status"] == "succeeded", (plain["message"], scribble["message"])
    assert plain["controls"] == []
    assert controls["marked"]
    (control,) = scribble["controls"]
    # the layer's own pixels over the request's area (the whole 64x64 canvas), though hidden
    assert control == {"type": "scribble", "strength": 1.0, "start": 0.0, "end": 0.8, "x": 0, "y": 0,
                       "size": [64, 64], "pixels": controls["sketch_pixels"]}
    assert scribble["result"] != plain["result"]  # the daemon used it


def test_strength_zero_is_exactly_no_control(report):
    controls = scenario(report, "control_layers")
    zero = controls["scribble_0"]
    assert zero["status"] == "succeeded", zero["message"]
    assert [c["strength"] for c in zero["controls"]] == [0.0]  # sent, and left out by the daemon
    assert zero["result"] == controls["plain"]["result"]


def test_several_control_layers_go_together_and_a_reference_is_the_whole_layer(report):
    controls = scenario(report, "control_layers")
    both = controls["both"]
    assert both["status"] == "succeeded", both["message"]
    scribble, reference = both["controls"]
    assert scribble["type"] == "scribble" and scribble["pixels"] == controls["sketch_pixels"]
    # (a reference acts on the whole schedule: the kit leaves start/end unset)
    assert reference == {"type": "reference", "strength": 0.8, "start": 0.0, "end": 0.0, "x": 0, "y": 0,
                         "size": [16, 16], "pixels": controls["photo_pixels"]}
    assert both["result"] != controls["scribble"]["result"]
    assert controls["list"] == ["sketch · scribble 1.00 (0–80 %) (hidden)", "photo · reference 0.80 (hidden)"]
    assert controls["messages"][0] == '"sketch" is a control layer: scribble 1.00 (0–80 %).'


def test_marks_survive_saving_and_reopening_the_kra(report):
    controls = scenario(report, "control_layers")
    assert controls["saved"]
    assert controls["reopened_marks"] == [["sketch", "scribble", 1.0, 0.0, 0.8], ["photo", "reference", 0.8, 0.0, 1.0]]
    assert controls["reopened_list"] == controls["list"]
    again = controls["reopened_both"]
    assert again["status"] == "succeeded", again["message"]
    assert again["controls"] == controls["both"]["controls"]
    assert again["result"] == controls["both"]["result"]  # the same picture from the reopened file
    assert controls["unmarked"] and controls["after_unmark"] == [["scribble"]]


def test_an_old_daemon_gets_no_controls_and_the_section_says_why(report):
    old = scenario(report, "control_layers")["old_daemon"]
    assert old == {"note": "This daemon is too old for control layers: update it.", "types": 0,
                   "mark_enabled": False, "marks": 0}


def test_live_mode_updates_one_result_layer_on_each_edit(report):
    live = scenario(report, "live_mode")
    assert live["connected"] == {"ok": True, "error": ""}
    assert live["live_enabled"] and not live["apply_enabled_before"]
    assert live["started"] and live["button_checked"]
    first, one_edit, two_edits = live["steps"]
    for step in (first, one_edit, two_edits):
        assert step["arrived"], step
        assert step["live_layers"] == 1 and step["top"] == "Live result"  # replaced, never stacked
        assert step["shows_result"] and step["bounds"] == [0, 0, 64, 64]
        # the request carries the canvas as painted, without the live result on top of it
        assert step["request_canvas_ok"] and step["live_session"]
    assert [first["placed"], one_edit["placed"], two_edits["placed"]] == [1, 2, 3]
    assert len({first["result"], one_edit["result"], two_edits["result"]}) == 3  # each edit shows
    assert live["sent_without_edit"] == 0  # placing the result is not an edit: no feedback loop


def test_apply_keeps_the_result_as_a_normal_layer_and_live_off_removes_the_live_layer(report):
    live = scenario(report, "live_mode")
    assert live["apply_enabled"]
    (applied,) = live["applied"]
    assert applied[0].startswith("a garden · seed ") and applied[0].endswith(" · live")
    assert applied[1:] == ["paintlayer", True]
    assert live["applied_pixels_are_result"]
    assert live["applied_below_live"] == [applied[0], "Live result"]
    assert live["live_cleared"] and not live["apply_enabled_after"]
    off = live["after_off"]
    assert off == {"active": False, "session": False, "live_layers": 0, "button": False,
                   "names": ["Background", "paint", applied[0]]}
    assert live["placed_after_off"] == 0
