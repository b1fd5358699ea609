"""Upscale, Edit (no mask), Keyframes, two control layers, styles, Interrogate and Place Again from
History inside real GIMP 3 (see test_real_gimp.py for how GIMP is found and driven), against the
daemon with an upscaler, a ControlNet, an IP-Adapter, a CLIP model and a style
(conftest.tools_daemon). test_standin_tools.py checks the same and the dialogs' logic in detail."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from gimp_scenarios import Scenario, gradient_rgba
from test_real_gimp import FAST, GIMP3, GIMP3_DETAIL, make_gimp_env, run_in_gimp
from test_standin_tools import ESRGAN, sketch

pytestmark = pytest.mark.skipif(GIMP3 is None, reason=GIMP3_DETAIL)


@pytest.fixture
def tools_env(built_plugin, tools_daemon, tmp_path) -> dict:
    return make_gimp_env(built_plugin, tools_daemon, tmp_path)


def test_upscale_in_gimp_scales_the_image_and_adds_the_result(tools_env, tmp_path):
    state = run_in_gimp(GIMP3, tools_env, Scenario(
        tmp_path, 40, 32, "underpaint-upscale", {"upscaler": ESRGAN, "scale": 2.0})
        .add_layer("Background", gradient_rgba(40, 32)))
    assert state.status == "success", state.message + state.stderr
    assert {"upscaler", "scale", "diffusion"} <= set(state.data["arguments"])
    assert "upscaler-choice" not in state.data["arguments"]  # dialog-only (auxiliary)
    assert (state.width, state.height) == (80, 64)
    result, background = state.layers
    assert result["name"].startswith("Underpaint upscale 1")
    assert (result["x"], result["y"], result["width"], result["height"]) == (0, 0, 80, 64)
    assert (background["width"], background["height"]) == (80, 64)  # GIMP scaled it with the image


def test_keyframes_in_gimp_keep_the_frame_order(tools_env, tmp_path):
    still = gradient_rgba(64, 64)
    scenario = Scenario(tmp_path, 64, 64, "underpaint-keyframes", dict(FAST, strength=0.6))
    for name, pixels in (("one", still), ("two", still.copy()), ("three", np.roll(still, 9, axis=1))):
        scenario.add_layer(name, pixels)  # each added on top: "one" is the bottom layer, frame 1
    state = run_in_gimp(GIMP3, tools_env, scenario)
    assert state.status == "success", state.message + state.stderr
    assert [layer["name"] for layer in state.layers] == [
        "Underpaint keyframe 3: three (seed 1234)", "Underpaint keyframe 2: two (seed 1234)",
        "Underpaint keyframe 1: one (seed 1234)", "three", "two", "one"]
    np.testing.assert_array_equal(state.pixels(state.layers[2]), state.pixels(state.layers[1]))


def test_edit_and_two_control_layers_in_gimp(tools_env, tools_daemon, tmp_path):
    """Edit (no mask) on the selection, then Generate with two control layers (each with its own
    start/end) and a style, on the same image in one GIMP session. What reached the daemon is
    read through a recording proxy: both controls with the layers' pixels at their offsets."""
    from recording_proxy import RecordingProxy

    from test_standin_controls import _digest, _sent_controls

    depth = np.roll(gradient_rgba(48, 40), 7, axis=1)
    controls = {"control-layer": {"layer": "Sketch"}, "control-type": "scribble", "control-strength": 0.8,
                "control-start": 0.1, "control-end": 0.7, "control-layer-2": {"layer": "Depth"},
                "control-type-2": "depth", "control-start-2": 0.2, "control-end-2": 0.5}
    scenario = Scenario(tmp_path, 64, 64, "underpaint-edit",
                        {"from-prompt": "a red barn", "prompt": "a blue barn", "steps": 2, "seed": 5},
                        selection=[16, 16, 32, 32], then=[
                            {"procedure": "underpaint-generate",
                             "params": dict(FAST, styles="Ink Wash", **controls)}])
    scenario.add_layer("Background", gradient_rgba(64, 64)).add_layer("Sketch", sketch())
    scenario.add_layer("Depth", depth, 10, 20)
    with RecordingProxy(tools_daemon.http) as proxy:
        state = run_in_gimp(GIMP3, dict(tools_env, UNDERPAINT_HTTP=proxy.address), scenario)
        assert state.status == "success", state.message + state.stderr
        assert state.data["then"] == [["success", ""]], state.stderr
        assert _sent_controls(proxy) == [[], [  # the edit, then the generate
            ("scribble", 0.8, 0.1, 0.7, 0, 0, 64, 64, _digest(sketch())),
            ("depth", 1.0, 0.2, 0.5, 10, 20, 48, 40, _digest(depth))]]
    names = [layer["name"] for layer in state.layers]
    assert names[0].startswith("Underpaint generate 1 (seed 1234)")
    assert "Underpaint edit (no mask) 1 (seed 5)" in names and names[-3:] == ["Depth", "Sketch", "Background"]
    edit = state.layers[names.index("Underpaint edit (no mask) 1 (seed 5)")]
    alpha = state.alpha_in_document(edit)
    assert alpha[16:48, 16:48].min() > 0 and alpha[:8].max() == 0


def test_interrogate_and_place_again_in_gimp(tools_env, tools_daemon, tmp_path):
    """Interrogate keeps its guess as a parasite on the image (real GIMP's parasite API); a fill
    made on the image is placed again from the history at the same place."""
    name = f"gimp-{uuid.uuid4().hex[:8]}.xcf"
    scenario = Scenario(tmp_path, 64, 64, "underpaint-interrogate", {}, selection=[8, 16, 40, 32],
                        name=name, run_mode="interactive", then=[
                            {"procedure": "underpaint-fill", "params": dict(FAST, seed=31, feather=-1)},
                            {"procedure": "underpaint-history-place", "params": {}}])
    state = run_in_gimp(GIMP3, tools_env, scenario.add_layer("Background", gradient_rgba(64, 64)))
    assert state.status == "success", state.message + state.stderr
    assert state.data["then"] == [["success", ""], ["success", ""]], state.stderr
    assert state.data["name"] == name
    prompt = state.data["parasites"].get("underpaint-prompt")
    assert prompt, state.data["parasites"]
    assert f"Underpaint guessed this prompt: {prompt}" in state.stderr
    placed, made, background = state.layers
    assert placed["name"].startswith("History: a red barn (seed 31) [")
    assert (placed["x"], placed["y"], placed["width"], placed["height"]) == (
        made["x"], made["y"], made["width"], made["height"])
    np.testing.assert_array_equal(state.pixels(placed), state.pixels(made))
