"""Upscale, Edit (no mask), Keyframes, control and reference layers, styles, Interrogate and Place
Again from History: the plug-in in its own process on real GEGL buffers (stand-in `Gimp`, see
test_standin.py) against a real daemon that has an upscaler, a ControlNet, an IP-Adapter, a CLIP
model and a style (conftest.tools_daemon)."""

from __future__ import annotations

import sys
import uuid

import numpy as np
import pytest

from gimp_scenarios import REPO_ROOT_KIT, Scenario, gradient_rgba
from test_standin import FAST, _changes, assert_one_undo_step

ESRGAN = "esrgan-demo-x4"


def kit():
    sys.path.insert(0, str(REPO_ROOT_KIT))
    import underpaint_kit

    return underpaint_kit


def run(tmp_path, daemon, procedure, params, layers, width=64, height=64, python=None, plugin=None, **extra):
    scenario = Scenario(tmp_path, width, height, procedure, params, **extra)
    for name, pixels, *offset in layers:
        scenario.add_layer(name, pixels, *offset)
    return scenario.run(python, plugin, daemon.env)


def unique_name() -> str:
    """An image name of its own: the history is kept per image name, and the daemon is shared."""
    return f"test-{uuid.uuid4().hex[:8]}.xcf"


# --- Upscale ---------------------------------------------------------------------------------------

def test_upscale_of_the_whole_image_scales_it_and_adds_the_result_on_top(
        system_python, built_plugin, tools_daemon, tmp_path):
    picture = gradient_rgba(40, 32)
    state = run(tmp_path / "esrgan", tools_daemon, "underpaint-upscale", {"upscaler": ESRGAN, "scale": 2.0},
                [("Background", picture)], 40, 32, system_python, built_plugin)
    assert state.status == "success", state.message + state.stderr
    # The dialog offers Lanczos first, then the daemon's upscalers with their factor.
    choices = state.data["choices"]["upscaler-choice"]
    assert list(choices)[0] == "lanczos" and any(ESRGAN in label and "\u00d74" in label for label in choices.values())
    assert (state.width, state.height) == (80, 64)
    result, background = state.layers
    assert result["name"].startswith("Underpaint upscale 1")
    assert (result["x"], result["y"], result["width"], result["height"]) == (0, 0, 80, 64)
    assert (background["width"], background["height"]) == (80, 64)  # scaled with the image
    assert state.pixels(result)[..., 3].min() == 255
    assert_one_undo_step(state.calls)
    scale = [c for c in state.calls if c[0] == "scale"]
    assert scale == [("scale", 80, 64)]
    assert state.calls.index(scale[0]) < state.calls.index(next(c for c in state.calls if c[0] == "insert_layer"))

    # The upscaler argument reaches the daemon: Lanczos gives other pixels than the network.
    lanczos = run(tmp_path / "lanczos", tools_daemon, "underpaint-upscale", {"scale": 2.0},
                  [("Background", picture)], 40, 32, system_python, built_plugin)
    assert lanczos.status == "success", lanczos.message
    assert not np.array_equal(lanczos.pixels(lanczos.layers[0]), state.pixels(result))

    # From the menu: the dialog shows the upscaler choice instead of the id, and the pick is used.
    dialog = run(tmp_path / "dialog", tools_daemon, "underpaint-upscale", {"scale": 2.0},
                 [("Background", picture)], 40, 32, system_python, built_plugin, run_mode="interactive",
                 dialog={"upscaler-choice": next(n for n in choices if n != "lanczos")})
    assert dialog.status == "success", dialog.message
    shown = dialog.data["dialogs"][0]["fields"]
    assert "upscaler-choice" in shown and "upscaler" not in shown
    np.testing.assert_array_equal(dialog.pixels(dialog.layers[0]), state.pixels(result))


def test_upscale_of_a_selection_places_it_in_the_scaled_image(system_python, built_plugin, tools_daemon, tmp_path):
    state = run(tmp_path, tools_daemon, "underpaint-upscale", {"upscaler": ESRGAN, "scale": 3.0},
                [("Background", gradient_rgba(48, 40))], 48, 40, system_python, built_plugin,
                selection=[8, 4, 16, 12])
    assert state.status == "success", state.message
    assert (state.width, state.height) == (144, 120)
    result = state.layers[0]
    assert (result["x"], result["y"], result["width"], result["height"]) == (24, 12, 48, 36)
    assert_one_undo_step(state.calls)


def test_upscale_with_the_model_re_rendering_reaches_the_daemon(system_python, built_plugin, tools_daemon, tmp_path):
    """"Re-render with the model" makes a diffusion upscale: other pixels than the plain one from
    the same upscaler, at the same size and place."""
    picture = gradient_rgba(32, 32)
    runs = {}
    for name, extra in (("plain", {}), ("diffusion", {"diffusion": True, "prompt": "a red barn", "strength": 0.5})):
        state = run(tmp_path / name, tools_daemon, "underpaint-upscale", dict({"scale": 2.0}, **extra),
                    [("Background", picture)], 32, 32, system_python, built_plugin)
        assert state.status == "success", state.message + state.stderr
        assert (state.width, state.height) == (64, 64)
        runs[name] = state.pixels(state.layers[0])
    assert runs["plain"].shape == runs["diffusion"].shape
    assert not np.array_equal(runs["plain"], runs["diffusion"])


def test_upscale_refusals_name_the_field_and_change_nothing(system_python, built_plugin, tools_daemon, tmp_path):
    state = run(tmp_path, tools_daemon, "underpaint-upscale", {"upscaler": "RealESRGAN_x9", "scale": 2.0},
                [("Background", gradient_rgba(32, 32))], 32, 32, system_python, built_plugin)
    assert state.status == "error"
    assert "upscale.model" in state.message and "RealESRGAN_x9" in state.message and ESRGAN in state.message
    assert (state.width, state.height) == (32, 32) and not _changes(state.calls)


# --- Edit (no mask) and Keyframes ------------------------------------------------------------------

def test_edit_without_mask_paints_the_selection_as_a_new_layer(system_python, built_plugin, tools_daemon, tmp_path):
    picture = gradient_rgba(64, 64)
    params = {"from-prompt": "a red barn", "prompt": "a blue barn", "steps": 2, "seed": 5}
    state = run(tmp_path, tools_daemon, "underpaint-edit", params, [("Background", picture)],
                python=system_python, plugin=built_plugin, selection=[16, 16, 32, 32])
    assert state.status == "success", state.message + state.stderr
    result, background = state.layers
    assert result["name"] == "Underpaint edit (no mask) 1 (seed 5)"
    np.testing.assert_array_equal(state.pixels(background), picture)
    alpha = state.alpha_in_document(result)
    assert alpha[16:48, 16:48].min() > 0, "the selection was not painted"
    assert alpha[:8].max() == 0 and alpha[56:].max() == 0, "the edit reaches far outside the selection"
    assert_one_undo_step(state.calls)


def test_edit_needs_both_prompts(system_python, built_plugin, tools_daemon, tmp_path):
    state = run(tmp_path, tools_daemon, "underpaint-edit", {"prompt": "a blue barn", "steps": 2},
                [("Background", gradient_rgba(64, 64))], python=system_python, plugin=built_plugin)
    assert state.status == "error" and "from-prompt" in state.message
    assert len(state.layers) == 1 and not _changes(state.calls)


def test_keyframes_restyle_every_layer_in_frame_order_with_frozen_noise(
        system_python, built_plugin, tools_daemon, tmp_path):
    still = gradient_rgba(64, 64)
    moved = np.roll(still, 9, axis=1)
    # Bottom first: frames 1 and 2 are the same picture, frame 3 differs.
    layers = [("one", still), ("two", still.copy()), ("three", moved)]
    state = run(tmp_path, tools_daemon, "underpaint-keyframes", dict(FAST, strength=0.6), layers,
                python=system_python, plugin=built_plugin)
    assert state.status == "success", state.message + state.stderr
    names = [layer["name"] for layer in state.layers]
    # Results on top, in the frames' order (frame 1's lowest), the originals untouched below.
    assert names == ["Underpaint keyframe 3: three (seed 1234)", "Underpaint keyframe 2: two (seed 1234)",
                     "Underpaint keyframe 1: one (seed 1234)", "three", "two", "one"]
    out3, out2, out1 = (state.pixels(layer) for layer in state.layers[:3])
    # One seed and frozen noise: the same input frame gives the same output, bit for bit.
    np.testing.assert_array_equal(out1, out2)
    assert not np.array_equal(out1, out3)
    np.testing.assert_array_equal(state.pixels(state.layers[3]), moved)
    assert_one_undo_step(state.calls)
    texts = [entry[1] for entry in state.progress if entry[0] == "text"]
    done = [t for t in texts if " done" in t]
    assert done == ["Underpaint keyframes: frame 1 of 3 done, painting frame 2",
                    "Underpaint keyframes: frame 2 of 3 done, painting frame 3",
                    "Underpaint keyframes: frame 3 of 3 done"]
    updates = [entry[1] for entry in state.progress if entry[0] == "update"]
    assert updates == sorted(updates) and updates[-1] == 1.0


def test_keyframes_need_two_layers(system_python, built_plugin, tools_daemon, tmp_path):
    state = run(tmp_path, tools_daemon, "underpaint-keyframes", dict(FAST), [("only", gradient_rgba(64, 64))],
                python=system_python, plugin=built_plugin)
    assert state.status == "error" and "at least two layers" in state.message
    assert not _changes(state.calls)


# --- control and reference layers, styles --------------------------------------------------------

def sketch() -> np.ndarray:
    """Black strokes on a transparent layer, as an artist draws a scribble."""
    layer = np.zeros((64, 64, 4), np.uint8)
    layer[20:24, 8:56, 3] = 255
    layer[8:56, 40:44, 3] = 255
    return layer


def test_a_control_layer_steers_the_generation_and_strength_zero_changes_nothing(
        system_python, built_plugin, tools_daemon, tmp_path):
    background = ("Background", gradient_rgba(64, 64))
    base = dict(FAST, seed=77)

    def generate(name, **params):
        state = run(tmp_path / name, tools_daemon, "underpaint-generate", dict(base, **params),
                    [background, ("Sketch", sketch()), ("Photo", np.roll(gradient_rgba(64, 64), 20, axis=0))],
                    python=system_python, plugin=built_plugin)
        assert state.status == "success", state.message + state.stderr
        return state

    plain = generate("plain")
    assert plain.data["hidden"] == []  # this daemon has a ControlNet and an IP-Adapter: all shown
    assert {"control-layer", "control-type", "control-strength", "reference-layer",
            "reference-strength"} <= set(plain.data["arguments"])
    controlled = generate("controlled", **{"control-layer": {"layer": "Sketch"}, "control-type": "scribble"})
    off = generate("off", **{"control-layer": {"layer": "Sketch"}, "control-strength": 0.0})
    referenced = generate("referenced", **{"reference-layer": {"layer": "Photo"}, "reference-strength": 1.0})
    pixels = {name: s.pixels(s.layers[0]) for name, s in
              (("plain", plain), ("controlled", controlled), ("off", off), ("referenced", referenced))}
    assert not np.array_equal(pixels["controlled"], pixels["plain"]), "the control layer did not reach the job"
    np.testing.assert_array_equal(pixels["off"], pixels["plain"])
    assert not np.array_equal(pixels["referenced"], pixels["plain"]), "the reference layer did not reach the job"


def test_the_dialog_hides_control_and_reference_layers_without_a_daemon_model_for_them(
        system_python, built_plugin, tools_daemon, tmp_path):
    """Registered from a daemon that lists no ControlNet or IP-Adapter (here: none reachable), the
    dialog leaves those settings out; scripts keep the arguments (the PDB signature is fixed)."""
    env = dict(tools_daemon.env, UNDERPAINT_HTTP="127.0.0.1:9")
    scenario = Scenario(tmp_path, 64, 64, "underpaint-generate", dict(FAST)).add_layer(
        "Background", gradient_rgba(64, 64))
    state = scenario.run(system_python, built_plugin, env)
    assert state.status == "error"  # no daemon to paint with either
    assert state.data["hidden"] == sorted(
        ["control-layer", "control-type", "control-strength", "control-start", "control-end", "control-layer-2",
         "control-type-2", "control-strength-2", "control-start-2", "control-end-2", "reference-layer",
         "reference-strength"])
    assert {"control-layer", "reference-layer"} <= set(state.data["arguments"])


def test_the_style_picker_applies_a_lexicon_style(system_python, built_plugin, tools_daemon, tmp_path):
    name = unique_name()
    state = run(tmp_path, tools_daemon, "underpaint-generate", dict(FAST), [("Background", gradient_rgba(64, 64))],
                python=system_python, plugin=built_plugin, name=name, run_mode="interactive",
                dialog={"style-choice": "s-ink-wash"})
    assert state.status == "success", state.message + state.stderr
    assert state.data["choices"]["style-choice"] == {"no-style": "No style", "s-ink-wash": "Ink Wash"}
    shown = state.data["dialogs"][0]["fields"]
    assert "style-choice" in shown and "styles" not in shown
    daemon = kit().connect_daemon(tools_daemon.http)
    entry, = kit().history.history_page(daemon, document=name).entries
    assert list(entry.parameters.styles) == ["Ink Wash"] and entry.host == "gimp"
    assert entry.parameters.prompt == "a red barn, ink wash painting"

    unknown = run(tmp_path / "unknown", tools_daemon, "underpaint-generate", dict(FAST, styles="Ink Wash, Nope"),
                  [("Background", gradient_rgba(64, 64))], python=system_python, plugin=built_plugin)
    assert unknown.status == "error" and "Nope" in unknown.message and "styles[1]" in unknown.message


# --- Interrogate, and the prompt it leaves for the next dialog --------------------------------------

def test_interrogate_shows_the_prompt_and_the_next_dialog_starts_with_it(
        system_python, built_plugin, tools_daemon, tmp_path):
    picture = gradient_rgba(64, 64)
    state = run(tmp_path / "ask", tools_daemon, "underpaint-interrogate", {}, [("Background", picture)],
                python=system_python, plugin=built_plugin, selection=[8, 16, 40, 32], run_mode="interactive")
    assert state.status == "success", state.message + state.stderr
    assert state.data["dialogs"] == []  # nothing to ask: it runs straight from the menu
    prompt = state.data["parasites"]["underpaint-prompt"]
    # The selection's pixels went to the daemon: the same pixels give the same guess.
    daemon = kit().connect_daemon(tools_daemon.http)
    area = np.ascontiguousarray(picture[16:48, 8:48])
    assert prompt and prompt == kit().history.interrogate(daemon, kit().requests.rgba_image(40, 32, area.tobytes()))
    assert state.data["messages"] == [f"Underpaint guessed this prompt: {prompt}\n\nThe next Generate, Fill, "
                                      "Refine or Variations dialog of this image starts with it."]
    assert len(state.layers) == 1

    fill = run(tmp_path / "fill", tools_daemon, "underpaint-fill", dict(FAST, prompt="", feather=-1),
               [("Background", picture)], python=system_python, plugin=built_plugin, selection=[8, 8, 16, 16],
               run_mode="interactive", parasites={"underpaint-prompt": prompt})
    assert fill.status == "success", fill.message + fill.stderr
    assert fill.data["dialogs"][0]["prompt_at_open"] == prompt
    assert "underpaint-prompt" not in fill.data["parasites"]  # used once
    assert len(fill.layers) == 2


def test_interrogate_without_a_clip_model_says_where_to_put_one(system_python, built_plugin, daemon, tmp_path):
    state = run(tmp_path, daemon, "underpaint-interrogate", {}, [("Background", gradient_rgba(64, 64))],
                python=system_python, plugin=built_plugin)
    assert state.status == "error" and "clip" in state.message.lower()
    assert state.data["parasites"] == {}


# --- Place again from history ----------------------------------------------------------------------

def test_place_again_puts_this_images_result_back_where_it_was_made(
        system_python, built_plugin, tools_daemon, tmp_path):
    name = unique_name()
    picture = gradient_rgba(64, 64)
    first = run(tmp_path / "first", tools_daemon, "underpaint-fill", dict(FAST, seed=11, feather=-1),
                [("Background", picture)], python=system_python, plugin=built_plugin, name=name,
                selection=[8, 8, 24, 16])
    second = run(tmp_path / "second", tools_daemon, "underpaint-fill", dict(FAST, seed=22, feather=-1),
                 [("Background", picture)], python=system_python, plugin=built_plugin, name=name,
                 selection=[32, 40, 16, 16])
    assert first.status == second.status == "success", first.message + second.message

    latest = run(tmp_path / "latest", tools_daemon, "underpaint-history-place", {}, [("Background", picture)],
                 python=system_python, plugin=built_plugin, name=name)
    assert latest.status == "success", latest.message + latest.stderr
    placed, made = latest.layers[0], second.layers[0]
    assert (placed["x"], placed["y"], placed["width"], placed["height"]) == (
        made["x"], made["y"], made["width"], made["height"])
    np.testing.assert_array_equal(latest.pixels(placed), second.pixels(made))
    assert placed["name"].startswith("History: a red barn (seed 22) [")
    assert_one_undo_step(latest.calls)

    # From the menu: the dialog lists this image's results (newest first) and places the pick.
    page = kit().history.history_page(kit().connect_daemon(tools_daemon.http), document=name)
    older = page.entries[1]
    picked = run(tmp_path / "picked", tools_daemon, "underpaint-history-place", {}, [("Background", picture)],
                 python=system_python, plugin=built_plugin, name=name, run_mode="interactive",
                 dialog={"entry-choice": "e-" + older.id.lower()})
    assert picked.status == "success", picked.message + picked.stderr
    listed = picked.data["dialogs"][0]["choices"]["entry-choice"]
    assert listed == ["latest"] + ["e-" + entry.id.lower() for entry in page.entries]
    layer = picked.layers[0]
    assert (layer["x"], layer["y"]) == (first.layers[0]["x"], first.layers[0]["y"])
    np.testing.assert_array_equal(picked.pixels(layer), first.pixels(first.layers[0]))
    assert picked.data["messages"] == [f"Placed layer \"{layer['name']}\" (history entry {older.id})."]


def test_place_again_without_any_result_says_so(system_python, built_plugin, tools_daemon, tmp_path):
    state = run(tmp_path, tools_daemon, "underpaint-history-place", {}, [("Background", gradient_rgba(32, 32))],
                32, 32, system_python, built_plugin, name=unique_name())
    assert state.status == "error" and "entry-id" in state.message and "no result" in state.message
    assert not _changes(state.calls)


@pytest.mark.parametrize("entry_id", ["no-such-entry"])
def test_place_again_of_an_unknown_entry_names_it(system_python, built_plugin, tools_daemon, tmp_path, entry_id):
    state = run(tmp_path, tools_daemon, "underpaint-history-place", {"entry-id": entry_id},
                [("Background", gradient_rgba(32, 32))], 32, 32, system_python, built_plugin)
    assert state.status == "error" and entry_id in state.message
    assert not _changes(state.calls)
