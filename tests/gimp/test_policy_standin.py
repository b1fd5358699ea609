"""The GIMP plug-in under a daemon with a content policy (tests/policy/conftest.py): a refused
prompt and a blurred image are told to the artist, never a crash or a silent empty layer."""

from __future__ import annotations

from gimp_scenarios import Scenario, gradient_rgba

from tests.policy.conftest import locked_daemon  # noqa: F401  (the daemon with a locked policy)

FAST = {"steps": 2, "seed": 1234}


def test_a_refused_prompt_is_explained_and_changes_nothing(system_python, built_plugin, locked_daemon, tmp_path):
    state = (Scenario(tmp_path, 64, 64, "underpaint-generate", dict(FAST, prompt="Тейлор Свифт in a barn"))
             .add_layer("Background", gradient_rgba(64, 64)).run(system_python, built_plugin, locked_daemon.env))
    assert state.status == "error"
    assert state.message.startswith("The daemon's content policy does not allow this request. "
                                    "Prompt: 'Тейлор Свифт' at position 0 matches")
    assert len(state.layers) == 1


def test_a_blurred_image_is_placed_and_said_to_be_blurred(system_python, built_plugin, locked_daemon, tmp_path):
    state = (Scenario(tmp_path, 64, 64, "underpaint-generate", dict(FAST, prompt="a red barn"))
             .add_layer("Background", gradient_rgba(64, 64)).run(system_python, built_plugin, locked_daemon.env))
    assert state.status == "success"  # (interactive runs also show the notice that it was blurred)
    assert len(state.layers) == 2
    assert state.pixels(state.layers[0])[..., 3].max() == 255  # a real layer, not an empty one
