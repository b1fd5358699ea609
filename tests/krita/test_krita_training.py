""""Train embedding from selected layers" in the Krita docker: real Krita (kritarunner, headless)
clicking the docker's button against a real daemon with the demo model; the embedding file
appears in the daemon's models folder and the docker lists the new word.

training_scenarios.py runs in Krita and reports plain facts as JSON; the asserts are here.
"""

from __future__ import annotations

import json
import shutil

import pytest
from safetensors import safe_open

from krita_support import HERE, krita_env, require, run_logged, skip_without_pykrita

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def training_daemon(demo_models_dir, tmp_path_factory):
    from underpaint.testing import DaemonProcess

    models = tmp_path_factory.mktemp("krita-train-models")  # training writes embeddings/: a copy
    for item in demo_models_dir.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, models / item.name)
    process = DaemonProcess(models, tmp_path_factory.mktemp("krita-train-home")).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def report(training_daemon, built_krita_plugin, tmp_path_factory) -> dict:
    kritarunner = require("kritarunner")
    work = tmp_path_factory.mktemp("krita-training")
    out = work / "scenarios.json"
    env = krita_env(work / "home", QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(HERE),
                    UNDERPAINT_KRITA_PLUGIN_PATH=str(built_krita_plugin),
                    UNDERPAINT_HTTP=training_daemon.http, UNDERPAINT_SCENARIOS_OUT=str(out))
    done = run_logged([kritarunner, "-s", "training_scenarios", "-f", "main"], env, 900, work)
    log = done.stdout[-4000:] + done.stderr[-4000:]
    skip_without_pykrita(log)
    assert out.exists(), f"kritarunner wrote no report (rc {done.returncode}):\n{log}"
    if done.returncode == -11:  # as in test_krita_tools: a segfault in kritarunner's own teardown is noted
        print(f"NOTE: kritarunner segfaulted in its teardown after writing the report:\n{log[-600:]}")
    else:
        assert done.returncode == 0, f"kritarunner failed (rc {done.returncode}):\n{log}"
    return json.loads(out.read_text())


def scenario(report, name) -> dict:
    result = report[name]
    assert "error" not in result, f"scenario {name} raised inside Krita:\n{result['error']}"
    return result


def test_no_exception_escaped_into_qt(report):
    assert report["slot_errors"] == []


def test_the_training_row_adds_no_folded_height_and_says_when_the_daemon_is_too_old(report):
    layout = scenario(report, "layout")
    assert layout["folded_height"] == layout["folded_height_without_training"], layout
    assert layout["button"] == "Train embedding from selected layers"
    assert layout["enabled"] and layout["note"] == "" and layout["steps"] == 500
    assert layout["old_daemon"] == {"enabled": False, "note": "This daemon is too old to train embeddings: update it."}


def test_selected_layers_train_an_embedding_listed_at_once(report, training_daemon):
    run = scenario(report, "train")
    assert run["accepted"] and run["status"] == "succeeded", run
    assert run["message"].startswith('Added the embedding "krita-square": write krita-square in a prompt'), run
    assert run["events"]["progress"] == [[1, 3], [2, 3], [3, 3]]
    assert [(step, total) for step, total, _ in run["losses"]] == [(1, 3), (2, 3), (3, 3)]
    assert all(loss > 0 for _, _, loss in run["losses"])
    assert run["layer_count"] == run["layers_before"]  # nothing added to the document
    assert run["listed"], "the new word is not in the docker's embedding list"
    assert run["button_enabled_after"] and run["generate_enabled_after"]
    with safe_open(str(training_daemon.models_dir / "embeddings" / "krita-square.safetensors"), "pt") as f:
        assert f.metadata()["step"] == "3" and list(f.keys()) == ["emb_params"]


def test_too_few_layers_and_a_bad_word_are_refused_before_sending(report, training_daemon):
    run = scenario(report, "refusals")
    none, one, bad = run["no_layer"], run["one_layer"], run["bad_token"]
    assert (none["status"], none["accepted"]) == ("refused", False)
    assert none["message"] == "Training: select 3 to 50 layers of one thing in the Layers docker (0 selected)"
    assert (one["status"], one["accepted"]) == ("refused", False)
    assert one["message"] == "Training: select 3 to 50 layers of one thing in the Layers docker (1 selected)"
    assert (bad["status"], bad["accepted"]) == ("refused", False)
    assert bad["message"].startswith("Training: token: 'two words' is not a usable name")
    assert not list((training_daemon.models_dir / "embeddings").glob("*-layer.safetensors"))


def test_cancel_keeps_the_checkpoint_and_lists_it(report, training_daemon):
    run = scenario(report, "cancel")
    assert run["status"] == "cancelled", run
    assert run["listed"], "the kept checkpoint is not in the docker's embedding list"
    with safe_open(str(training_daemon.models_dir / "embeddings" / "cancelled-square.safetensors"), "pt") as f:
        assert 1 <= int(f.metadata()["step"]) < 5000
