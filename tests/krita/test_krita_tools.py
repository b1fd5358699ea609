"""Upscale, Edit (no mask), Keyframes, History, styles and Interrogate in the Krita docker: real
Krita (kritarunner, headless) clicking the docker's buttons against a real daemon that has the
demo model, the demo ESRGAN, a random-weights CLIP model (for interrogate) and one style.

tools_scenarios.py runs in Krita and reports plain facts as JSON; the asserts are here.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from krita_support import HERE, krita_env, require, run_logged, skip_without_pykrita

pytestmark = pytest.mark.slow
FIXTURE = HERE / "data" / "animated-3-frames.kra"  # written by make_animated_kra.py


@pytest.fixture(scope="module")
def tools_daemon(demo_models_dir, tmp_path_factory):
    from underpaint.archive.clip_model import write_random_clip
    from underpaint.finishing.upscale_demo import write_demo_esrgan
    from underpaint.client import Client
    from underpaint.testing import DaemonProcess
    from underpaint.v1 import archive_pb2 as apb

    models = tmp_path_factory.mktemp("tools-models")
    for child in demo_models_dir.iterdir():
        os.symlink(child, models / child.name)
    write_random_clip(models / "clip" / "tiny-random")
    write_demo_esrgan(models)
    process = DaemonProcess(models, tmp_path_factory.mktemp("tools-home")).start()
    try:
        with Client(process.grpc) as client:
            client.lexicon.PutStyle(apb.Style(name="ink-wash", prompt="{prompt}, ink wash painting",
                                              negative_prompt="photo"))
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def report(tools_daemon, built_krita_plugin, tmp_path_factory) -> dict:
    kritarunner = require("kritarunner")
    work = tmp_path_factory.mktemp("krita-tools")
    animated = work / "animated.kra"
    shutil.copyfile(FIXTURE, animated)  # Krita may write beside the file it opens
    out = work / "scenarios.json"
    env = krita_env(work / "home", QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(HERE),
                    UNDERPAINT_KRITA_PLUGIN_PATH=str(built_krita_plugin),
                    UNDERPAINT_HTTP=tools_daemon.http, UNDERPAINT_SCENARIOS_OUT=str(out),
                    UNDERPAINT_ANIMATED_KRA=str(animated),
                    UNDERPAINT_SCENARIOS=os.environ.get("UNDERPAINT_KRITA_SCENARIOS", ""))
    done = run_logged([kritarunner, "-s", "tools_scenarios", "-f", "main"], env, 900, work)
    log = done.stdout[-4000:] + done.stderr[-4000:]
    skip_without_pykrita(log)
    assert out.exists(), f"kritarunner wrote no report (rc {done.returncode}):\n{log}"
    # A clean exit too: the scenarios close their documents (open ones crashed kritarunner's exit).
    assert done.returncode == 0, f"kritarunner failed (rc {done.returncode}):\n{log}"
    return json.loads(out.read_text())


def scenario(report, name) -> dict:
    result = report[name]
    assert "error" not in result, f"scenario {name} raised inside Krita:\n{result['error']}"
    return result


def test_no_exception_escaped_into_qt(report):
    assert report["slot_errors"] == []


def test_sections_fold_offer_the_daemons_tools_and_say_when_it_is_too_old(report):
    layout = scenario(report, "layout")
    # The tools fold inside the add-on section: the folded docker is no taller with them
    # (test_krita_gui checks that it fits 620 px in a real Krita window).
    assert layout["panel_content_height"] == layout["height_without_tools"], layout
    assert layout["section_titles"] == ["Upscale, edit, keyframes, history"]
    assert layout["outer_title"] == "LoRAs, VAE, faces, tools"
    assert layout["upscalers"][0] == ["Lanczos (no network)", ""]
    assert [data for _label, data in layout["upscalers"]][1:] == ["esrgan-demo-x4"]
    assert "×4" in layout["upscalers"][1][0] and "random weights" in layout["upscalers"][1][0]
    assert layout["factors"] == [2, 3, 4]
    assert layout["styles"] == ["ink-wash"]
    assert all(layout["enabled"].values()) and all(layout["history_enabled"].values())
    assert layout["notes"][0] == ""
    old = layout["old_daemon"]
    assert old["notes"][0] == "This daemon is too old for upscale, edit, keyframes: update it."
    assert old["notes"][1] == "This daemon is too old for styles, interrogate: update it."
    assert not old["upscale"] and not old["edit"] and not old["interrogate"]


def test_upscale_doubles_the_image_and_places_the_result_on_top(report):
    up = scenario(report, "upscale_whole_image")
    assert up["status"] == "succeeded", up["message"]
    (result,) = up["results"]
    assert [result["width"], result["height"]] == [128, 96]
    assert [result["document_width"], result["document_height"]] == [128, 96]
    assert up["size"] == [128, 96]  # the image was scaled to fit
    top = up["tree"][-1]
    assert top["name"] == "Upscaled ×2 · esrgan-demo-x4 ×4 (random weights)"
    assert top["bounds"] == [0, 0, 128, 96] and top["visible"]
    assert up["tree"][0]["bounds"] == [0, 0, 128, 96]  # the background was scaled with the image
    assert up["layer_mismatches"] == 0  # the layer holds the daemon's pixels, unshifted
    assert up["panel_message"].startswith('Added layer "Upscaled ×2')
    assert up["events"]["started"] == 1


def test_upscale_of_a_selection_with_refine_opens_a_new_document(report):
    up = scenario(report, "upscale_selection_refined_new_document")
    assert up["status"] == "succeeded", up["message"]
    (result,) = up["results"]
    assert [result["width"], result["height"]] == [48, 36]  # the 16x12 selection x3
    assert up["size"] == [64, 48] and up["layers"] == ["Background", "Selection Mask"]  # left alone
    assert up["documents_added"] == 1 and up["new_is_open"]
    assert up["new_document"] == [48, 36, ["Upscaled ×3 · Lanczos"]]


def test_edit_without_mask_adds_a_layer_over_the_selection(report):
    edit = scenario(report, "edit")
    assert edit["status"] == "succeeded", edit["message"]
    (layer,) = [n for n in edit["tree"] if n["name"] in edit["added"]]
    (result,) = edit["results"]
    assert layer["name"] == f"Edited · a green apple · seed {result['seed']}"
    x, y, w, h = layer["bounds"]  # over the selection (16, 16, 24, 24), inside the document
    assert x <= 16 and y <= 16 and x + w >= 40 and y + h >= 40 and x + w <= 64 and y + h <= 64
    assert edit["background_unchanged"] and edit["projection_changed"]


def test_edit_and_keyframes_refuse_what_cannot_work(report):
    refusals = scenario(report, "edit_refusals")
    assert refusals["accepted"] == [False, False]
    assert refusals["refused"][0] == 'Edit: say what the picture should show instead (the "to" field).'
    assert refusals["refused"][-1].startswith("Keyframes: this document has no animated layer.")


def test_keyframes_of_a_three_frame_layer_come_back_in_order(report):
    frames = scenario(report, "keyframes")
    assert frames["status"] == "succeeded", frames["message"]
    assert frames["result_indexes"] == [0, 1, 2]
    assert [[r["width"], r["height"]] for r in frames["results"]] == [[48, 40]] * 3
    assert frames["frame_events"] == [[0, 3], [1, 3], [2, 3], [3, 3]]  # one per finished frame
    assert frames["frame_note"] == "Frame 3 of 3 done"
    (group,) = frames["tree"]
    assert group["type"] == "grouplayer" and group["name"] == "a red apple on a table · 3 keyframes"
    children = list(reversed(group["children"]))
    assert [c["name"] for c in children] == [f"frame {t} · a red apple on a table" for t in (0, 1, 2)]
    assert [c["visible"] for c in children] == [True, False, False]
    assert frames["frame_mismatches"] == [0, 0, 0]  # frame i's layer holds result i
    assert frames["outputs_differ"]
    step, total = frames["events"]["progress"][-1]  # the steps of all frames, counted together
    assert step == total and total % 3 == 0


def test_cancel_stops_the_keyframes_and_adds_nothing(report):
    cancel = scenario(report, "keyframes_cancel")
    assert cancel["status"] == "cancelled", cancel["message"]
    assert cancel["results"] == [] and cancel["added"] == []
    steps_done = [step for step, _total in cancel["events"]["progress"]]
    assert not steps_done or max(steps_done) < 3 * 75  # stopped long before the end
    assert cancel["buttons_enabled_after"] == [True, True]


def test_history_lists_the_documents_result_and_places_it_again_where_it_was(report):
    history = scenario(report, "history")
    assert history["fill"]["status"] == "succeeded", history["fill"]["message"]
    (listed,) = history["listed"]  # this document only
    assert listed[0].startswith("history-") and listed[1:] == ["a blue boat", 4321]
    assert history["archive_id_matches"]
    assert history["rows"] == ["a blue boat · 20×16 · seed 4321"]
    # PNG thumbnails (PixelFormat 3), so Qt shows them without a WebP plugin (Debian's Krita has none)
    assert history["thumbnail_formats"] == [3] and history["thumbnails_shown"] == 1
    assert history["fill_bounds"] == [10, 12, 20, 16]
    assert history["placed"][0][0] == "succeeded", history["placed"]
    (layer,) = history["placed_layers"]
    assert layer["name"] == "a blue boat · again" and layer["bounds"] == [10, 12, 20, 16]
    assert history["placed_mismatches"] == 0 and history["same_as_fill"]
    assert history["reused"] == {"error": "", "prompt": "a blue boat", "seed": 4321, "steps": 2}


def test_style_picker_and_interrogate_fill_the_prompt(report):
    result = scenario(report, "styles_and_interrogate")
    assert result["prompt_with_style"] == "a castle {style:ink-wash}"
    ((prompt, error),) = result["interrogated"]
    assert error == "" and prompt
    assert result["prompt_after"] == prompt
