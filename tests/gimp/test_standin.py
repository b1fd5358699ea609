"""The plug-in's logic in its own process, as GIMP runs it, on images backed by real GEGL
buffers (a stand-in `Gimp` module imitates only GIMP's bookkeeping), against a live daemon.

These run on any machine with python3-gi + gir1.2-gegl-0.4; test_real_gimp.py runs the same
scenarios inside GIMP 3 where it is installed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import types
import numpy as np
import pytest

from gimp_scenarios import (ALL_PROCEDURES, REPO_ROOT_KIT, Scenario, gradient_rgba, load_plugin_module,
                            plugin_env)

# Small and quick: the demo model is random weights at 64 px; the plug-in logic is the subject.
FAST = {"prompt": "a red barn", "steps": 2, "seed": 1234}


def _changes(calls):
    return [c for c in calls if c[0] in ("insert_layer", "resize", "set_offsets", "update")]


def assert_one_undo_step(calls):
    """Every change to the image lies inside exactly one undo group."""
    starts = [i for i, c in enumerate(calls) if c[0] == "undo_group_start"]
    ends = [i for i, c in enumerate(calls) if c[0] == "undo_group_end"]
    assert len(starts) == 1 and len(ends) == 1, calls
    changed = [i for i, c in enumerate(calls)
               if c[0] in ("insert_layer", "resize", "set_offsets", "update")]
    assert changed, "nothing was changed"
    assert starts[0] < min(changed) and max(changed) < ends[0], calls


def test_fill_places_a_layer_over_the_selection_and_leaves_the_rest(
        system_python, built_plugin, daemon, tmp_path):
    picture = gradient_rgba(96, 96)
    selection = [32, 24, 40, 32]
    state = (Scenario(tmp_path, 96, 96, "underpaint-fill",
                      dict(FAST, feather=-1, grow=0), selection=selection)
             .add_layer("Background", picture).run(system_python, built_plugin, daemon.env))

    assert state.status == "success", state.message
    # Registered as the brief says, with the live daemon's models in the dialog's choice.
    assert state.data["registered"] == ALL_PROCEDURES
    assert state.data["menu_paths"] == ["<Image>/Filters/Underpaint"]
    assert state.data["menu_label"] == "_Fill Selection..."
    assert "daemon-default" in state.data["model_choices"]
    assert len(state.data["model_choices"]) >= 2, "no model from the daemon in the choice"
    assert (state.width, state.height) == (96, 96)
    assert len(state.layers) == 2
    result, background = state.layers
    assert result["name"].startswith("Underpaint fill selection 1 (seed ")
    # The original layer and the selection are untouched.
    assert (background["x"], background["y"]) == (0, 0)
    np.testing.assert_array_equal(state.pixels(background), picture)
    x, y, w, h = selection
    expected_selection = np.zeros((96, 96), np.uint8)
    expected_selection[y:y + h, x:x + w] = 255
    np.testing.assert_array_equal(state.selection, expected_selection)
    # Placed at the right offset: with a hard edge the new layer covers exactly the selection.
    alpha = state.alpha_in_document(result)
    outside = expected_selection == 0
    assert alpha[outside].max() == 0, "the fill leaks outside the selection"
    assert alpha[~outside].min() > 0, "part of the selection was not filled"
    assert_one_undo_step(state.calls)
    inits = [p for p in state.progress if p[0] == "init"]
    updates = [p[1] for p in state.progress if p[0] == "update"]
    assert inits and updates and state.progress[-1] == ("end",)
    assert all(0 <= u <= 1 for u in updates) and updates == sorted(updates)


def test_expand_grows_the_canvas_and_fills_the_new_area(
        system_python, built_plugin, daemon, tmp_path):
    picture = gradient_rgba(64, 64)
    state = (Scenario(tmp_path, 64, 64, "underpaint-expand",
                      dict(FAST, preset="extend-top", amount=32))
             .add_layer("Background", picture).run(system_python, built_plugin, daemon.env))

    assert state.status == "success", state.message
    assert (state.width, state.height) == (64, 96)
    result, background = state.layers
    # The old picture moved down with the canvas, unchanged.
    assert (background["x"], background["y"]) == (0, 32)
    np.testing.assert_array_equal(state.pixels(background), picture)
    alpha = state.alpha_in_document(result)
    assert alpha[:32].min() > 0, "the new strip on top is not painted"
    assert 0 <= result["x"] and result["x"] + result["width"] <= 64
    assert 0 <= result["y"] and result["y"] + result["height"] <= 96
    assert_one_undo_step(state.calls)
    resize = [c for c in state.calls if c[0] == "resize"]
    assert resize == [("resize", 64, 96, 0, 32)]
    assert state.calls.index(resize[0]) < state.calls.index(
        next(c for c in state.calls if c[0] == "insert_layer"))


def test_expand_custom_margins(system_python, built_plugin, daemon, tmp_path):
    state = (Scenario(tmp_path, 64, 64, "underpaint-expand",
                      dict(FAST, preset="custom", **{"margin-left": 16, "margin-bottom": 8}))
             .add_layer("Background", gradient_rgba(64, 64))
             .run(system_python, built_plugin, daemon.env))
    assert state.status == "success", state.message
    assert (state.width, state.height) == (80, 72)
    assert (state.layers[1]["x"], state.layers[1]["y"]) == (16, 0)


def test_variations_make_one_layer_per_seed(system_python, built_plugin, daemon, tmp_path):
    state = (Scenario(tmp_path, 64, 64, "underpaint-variations", dict(FAST, count=2))
             .add_layer("Background", gradient_rgba(64, 64))
             .run(system_python, built_plugin, daemon.env))
    assert state.status == "success", state.message
    names = [layer["name"] for layer in state.layers[:2]]
    assert len(state.layers) == 3 and all(n.startswith("Underpaint variations") for n in names)
    assert names[0] != names[1]  # each carries its own seed
    assert_one_undo_step(state.calls)


def test_gray_image_gets_a_gray_layer(system_python, built_plugin, daemon, tmp_path):
    gray = gradient_rgba(64, 64)
    gray[..., 1] = gray[..., 2] = gray[..., 0]
    state = (Scenario(tmp_path, 64, 64, "underpaint-refine", dict(FAST, strength=0.6),
                      selection=[8, 8, 32, 32], base_type="gray")
             .add_layer("Background", gray).run(system_python, built_plugin, daemon.env))
    assert state.status == "success", state.message
    result = state.pixels(state.layers[0])
    opaque = result[..., 3] > 0
    assert opaque.any()
    # Written through babl into a Y'A layer: every pixel reads back gray.
    assert (result[opaque][:, 0] == result[opaque][:, 1]).all()


def test_float_image_is_read_and_written_through_babl(
        system_python, built_plugin, daemon, tmp_path):
    """A 32-bit linear-light image: the plug-in reads and writes sRGB 8-bit, babl converts."""
    picture = gradient_rgba(64, 64)
    selection = [16, 16, 24, 24]
    state = (Scenario(tmp_path, 64, 64, "underpaint-fill", dict(FAST, feather=-1),
                      selection=selection, precision="float")
             .add_layer("Background", picture).run(system_python, built_plugin, daemon.env))
    assert state.status == "success", state.message
    result, background = state.layers
    np.testing.assert_array_equal(state.pixels(background), picture)
    selected = np.zeros((64, 64), bool)
    selected[16:40, 16:40] = True
    alpha = state.alpha_in_document(result)
    assert alpha[~selected].max() == 0 and alpha[selected].min() > 0


@pytest.mark.parametrize("base_type, procedure, selection, expected", [
    ("indexed", "underpaint-refine", None, "indexed. Convert it with Image > Mode > RGB"),
    ("rgb", "underpaint-fill", None, "Fill Selection needs a selection"),
])
def test_clear_refusals(system_python, built_plugin, daemon, tmp_path, base_type, procedure,
                        selection, expected):
    state = (Scenario(tmp_path, 64, 64, procedure, dict(FAST), selection=selection,
                      base_type=base_type)
             .add_layer("Background", gradient_rgba(64, 64))
             .run(system_python, built_plugin, daemon.env))
    assert state.status == "error"
    assert expected in state.message
    assert len(state.layers) == 1 and not _changes(state.calls)


def test_bad_argument_names_the_field(system_python, built_plugin, daemon, tmp_path):
    state = (Scenario(tmp_path, 64, 64, "underpaint-expand",
                      dict(FAST, preset="custom"))  # all margins 0
             .add_layer("Background", gradient_rgba(64, 64))
             .run(system_python, built_plugin, daemon.env))
    assert state.status == "error" and "margin-left" in state.message


def test_daemon_not_running_says_how_to_start_it(system_python, built_plugin, daemon, tmp_path):
    env = dict(daemon.env, UNDERPAINT_HTTP="127.0.0.1:9")  # nothing listens on discard
    state = (Scenario(tmp_path, 64, 64, "underpaint-generate", dict(FAST))
             .add_layer("Background", gradient_rgba(64, 64))
             .run(system_python, built_plugin, env))
    assert state.status == "error"
    assert "not running at 127.0.0.1:9" in state.message and "underpaint serve" in state.message
    assert "`" not in state.message  # plain text: GIMP shows Markdown literally


def test_dialog_model_list_from_the_live_daemon_says_random_weights_once(daemon):
    """The labels the GIMP dialog's Model choice gets (procedures.model_choices) from the real
    daemon's list: the demo's name already says "random weights", so it is not added again."""
    sys.path.insert(0, str(REPO_ROOT_KIT))
    from underpaint_kit import connect_daemon

    choices = load_plugin_module("choices")
    models = connect_daemon(daemon.http).models()
    labels = [label for _nick, _id, label in choices.model_choices(models)]
    assert labels[0] == "Daemon default" and len(labels) == len(models) + 1
    demos = [label for (_n, model_id, label) in choices.model_choices(models)[1:]
             if any(m.id == model_id and m.is_demo for m in models)]
    assert demos and all(label.count("random weights") == 1 for label in demos), labels


def _read_stderr_until(process, marker: str, timeout: float) -> str:
    """Reads the process's stderr in the background; returns the first line holding marker."""
    found, lines = threading.Event(), []

    def pump():
        for line in process.stderr:
            lines.append(line)
            if marker in line:
                found.set()

    threading.Thread(target=pump, daemon=True).start()
    assert found.wait(timeout), f"no {marker!r} from the plug-in:\n{''.join(lines)}"
    return next(line for line in lines if marker in line)


@pytest.mark.skipif(sys.platform == "win32", reason="kills the plug-in with SIGKILL as GIMP does")
def test_cancelling_the_progress_cancels_the_daemon_job(
        system_python, built_plugin, daemon, tmp_path):
    """GIMP's progress cancel button kills the plug-in process; its job must not run on."""
    sys.path.insert(0, str(REPO_ROOT_KIT))
    from underpaint_kit import connect_daemon, pb

    scenario = (Scenario(tmp_path, 64, 64, "underpaint-generate",
                         dict(FAST, steps=150, count=4))
                .add_layer("Background", gradient_rgba(64, 64)))
    process = subprocess.Popen(scenario.command(system_python, built_plugin),
                               env=plugin_env(daemon.env), stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True)
    try:
        line = _read_stderr_until(process, "underpaint: job ", timeout=120)
        job_id = line.split("underpaint: job ", 1)[1].split()[0]
        client = connect_daemon(daemon.http)
        # Wait until the job is really painting, then press "cancel" the way GIMP does.
        deadline = time.monotonic() + 120
        after, seen = 0, set()
        while "progress" not in seen and time.monotonic() < deadline:
            response = client.poll(job_id, after, 2000)
            for event in response.events:
                after = max(after, event.seq)
                seen.add(event.WhichOneof("kind"))
            assert not response.done, "the job ended before it could be cancelled"
        assert "progress" in seen
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        deadline = time.monotonic() + 120  # a guard against hanging, not a measure
        status, kinds_after_kill = None, []
        while status is None and time.monotonic() < deadline:
            for event in client.poll(job_id, after, 5000).events:
                after = max(after, event.seq)
                kinds_after_kill.append(event.WhichOneof("kind"))
                if event.WhichOneof("kind") == "finished":
                    status = event.finished.status
        assert status == pb.JOB_STATUS_CANCELLED, f"job ended with status {status}"
        # The plug-in's death cancelled the job: none of its four images was made, and the
        # finished event is the last one.
        assert "result" not in kinds_after_kill and kinds_after_kill[-1] == "finished"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_procedure_specs_match_the_kit():
    """Every argument the plug-in registers reaches the request (no silently ignored field)."""
    procedures, choices = load_plugin_module("procedures"), load_plugin_module("choices")

    for spec in procedures.PROCEDURES:
        names = [arg.name for arg in spec.args]
        assert len(names) == len(set(names)), spec.name
        for arg in spec.args:
            if arg.kind in ("int", "double"):
                assert arg.minimum <= arg.default <= arg.maximum, (spec.name, arg.name)
            if arg.kind == "choice":
                assert arg.default in dict(arg.choices), (spec.name, arg.name)
    assert procedures.expand_margins({"preset": "extend-top", "amount": 64}) == (0, 64, 0, 0)
    assert procedures.expand_margins({"preset": "custom", "margin-right": 5}) == (0, 0, 5, 0)
    with pytest.raises(ValueError, match="preset"):
        procedures.expand_margins({"preset": "sideways"})
    # Model ids become distinct lower-case GimpChoice nicks and map back to the exact id.
    models = [types.SimpleNamespace(id=i, display_name="", is_demo=False)
              for i in ("sd15/Foo.safetensors", "sd15/foo.safetensors")]
    items = choices.model_choices(models)
    nicks = [nick for nick, _, _ in items]
    assert nicks[0] == choices.DEFAULT_MODEL_NICK and len(set(nicks)) == 3
    assert all(nick == nick.lower() and "/" not in nick and "." not in nick for nick in nicks)
    assert [model_id for _, model_id, _ in items] == ["", "sd15/Foo.safetensors",
                                                      "sd15/foo.safetensors"]
    # "random weights" once: the daemon's demo names carry it already, a bare id gets it added.
    demos = [types.SimpleNamespace(id="underpaint-demo", display_name="Underpaint demo (random weights)",
                                   is_demo=True),
             types.SimpleNamespace(id="demo.safetensors", display_name="", is_demo=True)]
    assert [label for _, _, label in choices.model_choices(demos)] == [
        "Daemon default", "Underpaint demo (random weights)", "demo.safetensors (random weights)"]


def test_board_send_then_place_keeps_pixels_and_position(
        system_python, built_plugin, daemon, tmp_path):
    sys.path.insert(0, str(REPO_ROOT_KIT))
    from underpaint_kit import connect_daemon

    patch = gradient_rgba(32, 24)
    patch[..., 3] = 200  # half-transparent: straight alpha must survive the round trip
    channel = "gimp-test/patch"
    sent = (Scenario(tmp_path / "send", 64, 64, "underpaint-board-send",
                     {"channel": channel, "sample-merged": False})
            .add_layer("Background", gradient_rgba(64, 64))
            .add_layer("Patch", patch, x=8, y=4)
            .run(system_python, built_plugin, daemon.env))
    assert sent.status == "success", sent.message
    entry = connect_daemon(daemon.http).fetch(channel)
    assert (entry.image.width, entry.image.height) == (32, 24)
    assert entry.image.data == patch.tobytes()
    assert (entry.meta.source_app, entry.meta.layer, entry.meta.x, entry.meta.y) == (
        "gimp", "Patch", 8, 4)

    placed = (Scenario(tmp_path / "same", 64, 64, "underpaint-board-place", {"channel": channel})
              .add_layer("Background", gradient_rgba(64, 64))
              .run(system_python, built_plugin, daemon.env))
    assert placed.status == "success", placed.message
    layer = placed.layers[0]
    assert layer["name"] == f"{channel} v{entry.version} (from gimp)"
    assert (layer["x"], layer["y"]) == (8, 4)  # same document size: same place
    np.testing.assert_array_equal(placed.pixels(layer), patch)
    assert_one_undo_step(placed.calls)

    other = (Scenario(tmp_path / "other", 48, 40, "underpaint-board-place",
                      {"channel": channel})
             .add_layer("Background", gradient_rgba(48, 40))
             .run(system_python, built_plugin, daemon.env))
    assert other.status == "success", other.message
    assert (other.layers[0]["x"], other.layers[0]["y"]) == (0, 0)


def test_board_place_of_a_missing_channel_says_so(system_python, built_plugin, daemon, tmp_path):
    state = (Scenario(tmp_path, 64, 64, "underpaint-board-place",
                      {"channel": "gimp-test/never-published"})
             .add_layer("Background", gradient_rgba(64, 64))
             .run(system_python, built_plugin, daemon.env))
    assert state.status == "error" and "never-published" in state.message
    assert len(state.layers) == 1


def test_generation_takes_the_vae_and_fixes_faces_in_the_same_job(system_python, built_plugin, daemon, tmp_path):
    state = (Scenario(tmp_path, 64, 64, "underpaint-generate",
                      dict(FAST, vae="underpaint-demo-vae", **{"rerender-faces": True}))
             .add_layer("Background", gradient_rgba(64, 64)).run(system_python, built_plugin, daemon.env))
    assert state.status == "success", state.message
    # The dialog offers the daemon's VAEs after "the model's own".
    choices = state.data["vae_choices"]  # nick -> label
    assert list(choices)[0] == "model-own" and choices["model-own"] == "The model's own"
    assert any(label.startswith("underpaint-demo-vae") and "random weights" in label for label in choices.values())
    assert len(state.layers) == 2 and state.layers[0]["name"].startswith("Underpaint generate 1 (seed 1234)")
    assert_one_undo_step(state.calls)


def test_an_unknown_vae_is_refused_naming_the_field(system_python, built_plugin, daemon, tmp_path):
    state = (Scenario(tmp_path, 64, 64, "underpaint-generate", dict(FAST, vae="no-such-vae"))
             .add_layer("Background", gradient_rgba(64, 64)).run(system_python, built_plugin, daemon.env))
    assert state.status == "error" and "vae" in state.message and "no-such-vae" in state.message
    assert len(state.layers) == 1 and _changes(state.calls) == []


def test_rerender_faces_on_a_selection_without_faces_says_so_and_adds_nothing(
        system_python, built_plugin, daemon, tmp_path):
    state = (Scenario(tmp_path, 96, 96, "underpaint-rerender-faces",
                      {"prompt": "a face", "seed": 7, "strength": 0.4},
                      selection=[16, 16, 48, 48])
             .add_layer("Background", gradient_rgba(96, 96)).run(system_python, built_plugin, daemon.env))
    # A gradient has no face: the call succeeds (an interactive run shows "No faces found: nothing
    # was changed.") and the image stays as it was.
    assert state.status == "success", state.message
    assert len(state.layers) == 1 and _changes(state.calls) == []
