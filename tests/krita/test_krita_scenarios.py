"""The plugin inside real Krita (kritarunner, headless) against a real daemon.

krita_scenarios.py runs in Krita and reports plain facts as JSON; the asserts are here.
One Krita run serves every test (Krita's start and the jobs cost the time, not the asserts).
"""

from __future__ import annotations

import json
import os

import pytest

from krita_support import HERE, krita_env, require, run_logged, skip_without_pykrita

pytestmark = pytest.mark.slow
PROMPT = "a red apple on a table"


@pytest.fixture(scope="module")
def report(daemon, built_krita_plugin, tmp_path_factory) -> dict:
    kritarunner = require("kritarunner")
    work = tmp_path_factory.mktemp("krita")
    out = work / "scenarios.json"
    env = krita_env(work / "home", QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(HERE),
                    UNDERPAINT_KRITA_PLUGIN_PATH=str(built_krita_plugin),
                    UNDERPAINT_HTTP=daemon.http, UNDERPAINT_SCENARIOS_OUT=str(out),
                    # while developing: UNDERPAINT_KRITA_SCENARIOS=docker_faces pytest -k faces
                    UNDERPAINT_SCENARIOS=os.environ.get("UNDERPAINT_KRITA_SCENARIOS", ""))
    done = run_logged([kritarunner, "-s", "krita_scenarios", "-f", "main"], env, 900, work)
    log = done.stdout[-4000:] + done.stderr[-4000:]
    skip_without_pykrita(log)
    assert out.exists(), f"kritarunner wrote no report (rc {done.returncode}):\n{log}"
    report = json.loads(out.read_text())
    # Quitting cleanly is checked too: kritarunner used to segfault at exit() now and then, when
    # KisPart's static destructor closed the documents the scenarios left open after the
    # QApplication was gone; krita_scenarios.main now closes them (see close_documents).
    assert done.returncode == 0, f"kritarunner crashed or failed (rc {done.returncode}):\n{log}"
    return report


def scenario(report, name) -> dict:
    result = report[name]
    assert "error" not in result, f"scenario {name} raised inside Krita:\n{result['error']}"
    return result


def new_layers(result, before=("Background", "Selection Mask")):
    return [node for node in result["tree"] if node["name"] not in before]


def test_fill_adds_one_layer_at_the_returned_position_and_changes_nothing_else(report):
    fill = scenario(report, "fill")
    assert fill["status"] == "succeeded", fill["message"]
    (result,) = fill["results"]
    (layer,) = new_layers(fill)
    assert layer["type"] == "paintlayer" and layer["visible"]
    assert layer["name"] == f"{PROMPT} · seed 1234" and result["seed"] == 1234
    # The selection is (13, 7, 21, 17) with a hard edge: the result covers exactly it.
    assert [result["x"], result["y"], result["width"], result["height"]] == [13, 7, 21, 17]
    assert layer["bounds"] == [13, 7, 21, 17]
    assert fill["layer_mismatches"] == 0  # the layer holds the daemon's pixels, unshifted
    assert fill["outside_changed"] == 0
    assert fill["inside_changed"] > 21 * 17 // 2
    assert fill["background_unchanged"]
    assert fill["selection_after"] == [13, 7, 21, 17]
    assert [n["name"] for n in fill["tree"][:2]] == fill["names_before"]  # new layer on top


def test_progress_and_previews_reach_the_panel(report):
    fill = scenario(report, "fill")
    events = fill["events"]
    assert events["queued"] == 1 and events["started"] == 1
    assert events["progress"][-1] == [2, 2]
    assert events["previews"] >= 1


def test_generate_without_selection_covers_the_whole_canvas(report):
    generate = scenario(report, "generate")
    assert generate["status"] == "succeeded", generate["message"]
    (layer,) = new_layers(generate)
    (result,) = generate["results"]
    assert layer["bounds"] == [0, 0, 64, 64]
    assert (result["width"], result["height"]) == (64, 64)
    assert layer["name"] == f"{PROMPT} · seed {result['seed']}"
    assert generate["seed"] == result["seed"]  # the random seed the daemon picked, shown back
    assert generate["inside_changed"] > 64 * 64 // 2


def test_variations_land_in_one_group_first_visible_rest_hidden(report):
    variations = scenario(report, "variations")
    assert variations["status"] == "succeeded", variations["message"]
    (group,) = new_layers(variations)
    assert group["type"] == "grouplayer" and group["name"] == f"{PROMPT} · 3 variations"
    children = list(reversed(group["children"]))  # Krita lists bottom to top
    assert [c["name"] for c in children] == [f"{PROMPT} · seed {s}" for s in (77, 78, 79)]
    assert [c["visible"] for c in children] == [True, False, False]
    assert all(c["bounds"] == [9, 11, 30, 25] for c in children)


def test_refine_below_full_strength_adds_a_layer_over_the_selection(report):
    refine = scenario(report, "refine")
    assert refine["status"] == "succeeded", refine["message"]
    (layer,) = new_layers(refine)
    assert layer["bounds"] == [16, 16, 24, 24]


def test_expand_grows_the_document_and_keeps_old_pixels_in_place(report):
    expand = scenario(report, "expand")
    assert expand["status"] == "succeeded", expand["message"]
    assert expand["size"] == [80, 80]  # 64x48 + left 0, top 32, right 16, bottom 0
    (result,) = expand["results"]
    assert (result["offset_x"], result["offset_y"]) == (0, 32)
    assert expand["old_pixels_in_place"]
    assert expand["old_area_projection_changed"] == 0
    (layer,) = new_layers(expand)
    assert layer["visible"]


def test_cancel_stops_only_our_job_and_adds_no_layer(report):
    cancel = scenario(report, "cancel")
    assert cancel["status"] == "cancelled", cancel["message"]
    assert new_layers(cancel) == []
    assert cancel["results"] == []
    steps_done = [step for step, total in cancel["events"]["progress"]]
    assert not steps_done or max(steps_done) < 150 * 4
    # the job another panel queued behind ours was not touched
    assert cancel["other"]["status"] == "succeeded", cancel["other"]["message"]
    assert len(new_layers({"tree": cancel["other_tree"]})) == 1
    assert cancel["refused_while_busy"] == ["A job from this panel is still running; cancel it or wait."]


def test_quitting_krita_mid_job_cancels_it_on_the_daemon(report):
    quit_ = scenario(report, "quit_during_job")
    assert quit_["status"] == "cancelled", quit_["message"]
    assert new_layers(quit_) == []


def test_clicks_that_cannot_work_say_why_and_start_nothing(report):
    refusals = scenario(report, "refusals")
    for name in ("no_margins", "negative_margin"):
        assert refusals[name]["status"] == "refused" and not refusals[name]["accepted"]
        assert refusals[name]["message"] == "Expand: set at least one margin above 0 px (none below 0)."
    assert refusals["no_document"]["message"] == "Open or create a document first."
    assert new_layers(refusals) == []


def test_daemon_down_tells_the_artist_how_to_start_it(report):
    down = scenario(report, "daemon_down")
    assert down["status"] == "failed"
    assert down["message"] == (f"The Underpaint daemon is not running at {down['address']}. "
                               "Start it with: underpaint serve")
    assert new_layers(down) == []


def test_cmyk_document_is_refused_with_how_to_convert(report):
    cmyk = scenario(report, "cmyk")
    assert cmyk["status"] == "refused" and not cmyk["accepted"]
    assert "CMYK/Alpha" in cmyk["message"]
    assert "Image > Convert Image Color Space" in cmyk["message"]
    assert new_layers(cmyk) == []


def test_16_bit_document_is_converted_both_ways(report):
    deep = scenario(report, "deep_fill")
    assert deep["pattern_roundtrip"]  # reading 16-bit linear pixels gives the 8-bit sRGB we wrote
    assert deep["status"] == "succeeded", deep["message"]
    (layer,) = new_layers(deep)
    assert layer["bounds"] == [20, 9, 17, 23]
    assert deep["outside_changed"] == 0 and deep["inside_changed"] > 0


def test_docker_connects_and_lists_the_daemon_models(report):
    docker = scenario(report, "docker")
    assert docker["connected"] == {"ok": True, "error": ""}
    assert docker["models"][0] == ""  # "daemon default"
    assert "underpaint-demo" in docker["models"][1:]
    assert docker["light_text"].startswith("Connected: underpaint ")
    assert "demo model" in docker["note_text"] and "random weights" in docker["note_text"]
    assert "Underpaint demo (random weights)" in docker["model_labels"]
    assert docker["settings"] == {"prompt": "a castle", "strength": 0.6, "seed": -1, "count": 1}
    assert docker["generate_enabled"] and not docker["cancel_enabled"]


def test_board_send_layer_and_place_it_back(report):
    board = scenario(report, "board")
    channel = board["channel"]
    assert board["send"]["status"] == "succeeded", board["send"]["message"]
    assert board["send"]["message"] == f'Sent "ink" to the board as {channel} v1.'
    same = board["same_size"]
    assert same["status"] == "succeeded", same["message"]
    # a document of the source's size gets the layer back where it was, with the same pixels
    assert same["layers"] == [[f"{channel} · v1 (from krita)", [5, 6, 10, 8]]]
    assert same["same_pixels"]
    other = board["other_size"]
    assert other["layers"] == [[f"{channel} · v1 (from krita)", [0, 0, 10, 8]]] and other["same_pixels"]


def test_board_errors_name_the_channel(report):
    board = scenario(report, "board")
    assert board["empty_channel"] == {"status": "failed", "accepted": False,
                                      "message": "Board: enter a channel name first."}
    assert board["bad_channel"]["status"] == "failed"
    assert board["bad_channel"]["message"].startswith("channel:")
    assert board["missing_channel"]["status"] == "failed"
    assert "krita-test/nothing-here" in board["missing_channel"]["message"]


def test_live_link_repaints_the_layer_on_each_publication_and_nothing_else(report):
    live = scenario(report, "live_link")
    channel = live["channel"]
    assert live["follow_accepted"]
    linked = live["linked"]
    assert linked["name"] == f"ink ⇄ {channel}"  # the indicator
    assert linked["state"] == "ok" and linked["status"] == f"Following {channel}."
    assert linked["list"] == [f"● ink ⇄ {channel} · no version yet"]
    assert linked["pixels_kept"]  # linking alone does not repaint the layer
    first, second = live["first"], live["second"]
    # from a document of this size: at the published position; else where the layer is now
    assert first["arrived"] and first["bounds"] == [10, 12, 6, 5] and first["same_pixels"]
    assert second["arrived"] and second["bounds"] == [10, 12, 7, 4] and second["same_pixels"]
    assert first["others_unchanged"] and second["others_unchanged"]
    assert first["name"] == second["name"] == f"ink ⇄ {channel}"
    assert live["list_after_updates"] == [f"● ink ⇄ {channel} · v{second['version']}"]


def test_unlink_removes_the_indicator_and_stops_following(report):
    live = scenario(report, "live_link")
    assert live["unlinked"] == {"name": "ink", "links": 0, "list": 0, "state": "off"}
    assert live["after_unlink"] == {"arrived": False, "unchanged": True, "loop_running": False}


def test_place_linked_adds_a_layer_that_follows_the_channel(report):
    live = scenario(report, "live_link")
    channel = live["channel"]
    assert live["place_accepted"]
    assert live["placed"] == [[f"board ⇄ {channel}", [10, 12, 5, 5]]]  # the latest (v3) where it was
    assert live["placed_updated"]
    assert live["placed_after"] == {"bounds": [10, 12, 3, 3], "same_pixels": True}


def test_follow_refuses_bad_channels_and_non_paint_layers(report):
    live = scenario(report, "live_link")
    accepted, message = live["refused_bad_name"]
    assert not accepted and message.startswith("channel: 'bad name' is not a channel name")
    accepted, message = live["refused_group"]
    assert not accepted and "is not a paint layer" in message


def test_live_links_are_saved_in_the_kra_and_follow_again_when_it_is_reopened(report):
    live = scenario(report, "live_link")
    reopened, channel = live["reopened"], live["channel"]
    assert reopened["saved"] and reopened["links_after_close"] == 0
    assert reopened["links"] == [["board", channel, True]]  # the placed layer, in the reopened document
    # what was published while the file was closed is shown on opening (no source size: in place)
    assert reopened["caught_up"] and reopened["after_catch_up"] == {"bounds": [10, 12, 2, 2], "same_pixels": True}
    assert reopened["updated"] and reopened["after_update"] == {"bounds": [10, 12, 3, 2], "same_pixels": True}


def test_addon_pickers_fill_the_prompt_and_the_job_uses_them(report):
    addons = scenario(report, "docker_addons")
    assert addons["connected"] == {"ok": True, "error": ""}
    # The demo add-ons fit the demo model and say they are random, like the model.
    assert addons["loras"] == [["underpaint-demo-lora (random weights)", "underpaint-demo-lora"]]
    assert addons["embeddings"] == [["underpaint-demo-embedding (random weights)", "underpaint-demo-embedding"]]
    assert addons["vaes"][0] == ["the model's own", ""] and addons["vaes"][-1][1] == "underpaint-demo-vae"
    label, tooltip, _visible = addons["tokens"]
    # One chunk (the demo's tokenizer splits words finer than CLIP's); the weight shows in the tooltip.
    count = int(label.split("/")[0])
    assert label == f"{count}/75" and 3 <= count < 75
    assert tooltip.startswith(f"chunk 1: {count}/75") and "×1.3)" in tooltip
    assert addons["prompt"] == "a castle <lora:underpaint-demo-lora:0.5>"
    assert addons["negative"] == "underpaint-demo-embedding"
    assert addons["vae"] == "underpaint-demo-vae"
    job = addons["job"]
    assert job["status"] == "succeeded", job["message"]
    assert [n["name"] for n in new_layers(addons)] == ["a castle · seed 5"]  # tags left out


def test_face_tools_run_after_generating_and_on_the_selection(report):
    faces = scenario(report, "docker_faces")
    assert faces["connected"] == {"ok": True, "error": ""}
    assert faces["rerender_enabled"]
    assert not faces["restore_enabled"] and "models/face_restorers" in faces["note"]  # none installed
    after = faces["after_generation"]
    assert after["status"] == "succeeded", after["message"]
    assert len(after["results"]) == 1
    button = faces["button"]
    assert button["status"] == "succeeded", button["message"]
    assert button["message"] == "No faces found: nothing was changed."  # the demo paints noise
    assert faces["added_by_button"] == []
