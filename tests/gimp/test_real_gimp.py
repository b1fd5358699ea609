"""The built plug-in inside real GIMP 3, driven non-interactively through the PDB, against a
live daemon. GIMP 3 installs from apt on Debian 13 (`apt install gimp`); Debian 12 has only
GIMP 2.10, so there GIMP 3 runs inside the cached Debian 13 root that `./dev setup` builds
(scripts/debian13-root, tests/host_root.py). Only without either do these tests skip
(test_standin.py still covers the same logic on real GEGL).

Each test installs the plug-in into a throwaway GIMP profile ($GIMP3_DIRECTORY/plug-ins), runs
`gimp-console -i --batch-interpreter=python-fu-eval -b ... --quit` with gimp3_batch.py, and
checks the state it dumped. Seen on Debian 13's GIMP 3.0.4: gimp-console needs no display, and
it is found as gimp-console-3.0 (also gimp-console, gimp-console-3).

Undo is not checked here: GIMP 3's PDB can neither undo nor inspect the undo stack, and GIMP
silently closes an undo group a plug-in leaves open. test_standin.py checks that every change
lies inside one undo group.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from gimp_scenarios import ALL_PROCEDURES, Scenario, State, gradient_rgba, plugin_env
from tests.host_root import command_in_root, root_problem

BATCH = Path(__file__).resolve().parent / "gimp3_batch.py"
FAST = {"prompt": "a red barn", "steps": 2, "seed": 1234}
SKIP_REASON = ("GIMP 3 is not installed (Debian 12 ships only GIMP 2.10; Debian 13: apt install "
               "gimp) and the Debian 13 root that holds it cannot be used")


def _version_of(command) -> str | None:
    try:
        result = subprocess.run(list(command) + ["--version"], capture_output=True, text=True,
                                timeout=120, env=dict(os.environ, LC_ALL="C"))
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = result.stdout + result.stderr  # "GNU Image Manipulation Program version 3.0.4"
    match = re.search(r"version (\d+)\.(\d+)", out, re.IGNORECASE)
    return match.group(0) if match and int(match.group(1)) >= 3 else (out.strip() or "no version")


def find_gimp3():
    """(argv prefix, version) of a GIMP 3 console binary: the machine's own, else the one in the
    Debian 13 root; or (None, why not)."""
    found = []
    for name in ("gimp-console-3.2", "gimp-console-3.0", "gimp-console-3", "gimp-console"):
        path = shutil.which(name)
        if not path:
            continue
        version = _version_of([path])
        if version and version.startswith("version"):
            return [path], version
        found.append(f"{name}: {version}")
    in_root = command_in_root("gimp-console-3.0")
    if in_root is not None:
        version = _version_of(in_root)
        if version and version.startswith("version"):
            return list(in_root), version + " (Debian 13 root)"
        found.append(f"gimp-console-3.0 in the Debian 13 root: {version}")
    else:
        found.append(f"Debian 13 root: {root_problem() or 'no gimp-console-3.0 in it'}")
    return None, SKIP_REASON + f" ({'; '.join(found)})"


GIMP3, GIMP3_DETAIL = find_gimp3()
# A mark, not a fixture: a skipped module must not start the (session) daemon first.
pytestmark = pytest.mark.skipif(GIMP3 is None, reason=GIMP3_DETAIL)


@pytest.fixture
def gimp3():
    return GIMP3


def _without_virtualenvs(path: str) -> str:
    """Debian's GIMP has no Python .interp file, so it starts a plug-in (and python-fu-eval)
    through its `#!/usr/bin/env python3` line: a virtualenv's bin/ on PATH would hand it a
    Python without PyGObject."""
    return os.pathsep.join(folder for folder in path.split(os.pathsep)
                           if folder and not (Path(folder).parent / "pyvenv.cfg").exists())


@pytest.fixture
def gimp_env(gimp3, built_plugin, daemon, tmp_path) -> dict:
    return make_gimp_env(built_plugin, daemon, tmp_path)


def make_gimp_env(built_plugin, daemon, tmp_path) -> dict:
    """A throwaway GIMP profile with the built plug-in in its plug-ins folder, talking to `daemon`."""
    profile = tmp_path / "gimp-profile"
    shutil.copytree(built_plugin, profile / "plug-ins" / "underpaint-gimp")
    main = profile / "plug-ins" / "underpaint-gimp" / "underpaint-gimp.py"
    main.chmod(0o755)
    env = plugin_env(daemon.env)
    # gimp-console needs no display; HOME keeps GIMP's caches out of the real home.
    # pyenv's shims (on CI machines) would also win the `env python3` lookup with a Python that
    # has no PyGObject: put the system's python3 first, as a Debian desktop has it.
    system_python = tmp_path / "system-python"
    system_python.mkdir()
    if Path("/usr/bin/python3").exists():
        (system_python / "python3").symlink_to("/usr/bin/python3")
    env.update(GIMP3_DIRECTORY=str(profile), HOME=str(tmp_path / "home"),
               UNDERPAINT_HTTP=daemon.http, NO_AT_BRIDGE="1",
               PATH=os.pathsep.join([str(system_python), _without_virtualenvs(env.get("PATH", os.defpath))]))
    (tmp_path / "home").mkdir()
    return env


def run_in_gimp(gimp: list, env: dict, scenario: Scenario) -> State:
    path = scenario.write()
    env = dict(env, UNDERPAINT_GIMP_SCENARIO=str(path))
    code = f"exec(open({str(BATCH)!r}).read())"
    # GIMP starts in about 5 s; the first start on a fresh profile also builds font caches.
    result = subprocess.run(gimp + ["-i", "--batch-interpreter=python-fu-eval", "-b", code,
                             "--quit"], env=env, capture_output=True, text=True, timeout=600,
                            cwd=str(scenario.tmp_path))
    output = result.stdout + result.stderr
    state_file = path.parent / "out" / "state.json"
    assert state_file.exists(), f"GIMP did not run the scenario (rc {result.returncode}):\n{output}"
    # A crash after the results went back (e.g. at exit) leaves the status alone: look for it.
    assert "underpaint-gimp.py: fatal error" not in output, output
    assert 'crashed: "underpaint-gimp.py"' not in output, output
    return State(path.parent / "out", output)


def test_fill_in_gimp_places_a_layer_over_the_selection(gimp3, gimp_env, tmp_path):
    picture = gradient_rgba(96, 96)
    selection = [32, 24, 40, 32]
    state = run_in_gimp(gimp3, gimp_env, Scenario(
        tmp_path, 96, 96, "underpaint-fill", dict(FAST, feather=-1, grow=0),
        selection=selection).add_layer("Background", picture))

    # Registered in GIMP's PDB, with the menu entry and the arguments scripts use.
    assert state.data["registered"] == ALL_PROCEDURES
    assert state.data["menu_paths"] == ["<Image>/Filters/Underpaint"]
    assert state.data["menu_label"] == "_Fill Selection..."
    assert {"prompt", "model", "seed", "feather", "sample-merged"} <= set(
        state.data["arguments"])
    assert "model-choice" not in state.data["arguments"]  # dialog-only (auxiliary)

    assert state.status == "success", state.message + state.stderr
    assert (state.width, state.height) == (96, 96)
    assert len(state.layers) == 2
    result, background = state.layers
    assert result["name"] == "Underpaint fill selection 1 (seed 1234)"
    assert (background["x"], background["y"]) == (0, 0)
    np.testing.assert_array_equal(state.pixels(background), picture)
    x, y, w, h = selection
    selected = np.zeros((96, 96), bool)
    selected[y:y + h, x:x + w] = True
    np.testing.assert_array_equal(state.selection > 0, selected)  # selection kept
    alpha = state.alpha_in_document(result)
    assert alpha[~selected].max() == 0, "the fill leaks outside the selection"
    assert alpha[selected].min() > 0, "part of the selection was not filled"


def test_expand_in_gimp_grows_the_canvas(gimp3, gimp_env, tmp_path):
    picture = gradient_rgba(64, 64)
    state = run_in_gimp(gimp3, gimp_env, Scenario(
        tmp_path, 64, 64, "underpaint-expand", dict(FAST, preset="extend-top", amount=32))
        .add_layer("Background", picture))

    assert state.status == "success", state.message + state.stderr
    assert (state.width, state.height) == (64, 96)
    result, background = state.layers
    assert (background["x"], background["y"]) == (0, 32)
    assert (background["width"], background["height"]) == (64, 64)  # moved, not resized
    np.testing.assert_array_equal(state.pixels(background), picture)
    assert state.alpha_in_document(result)[:32].min() > 0


def test_repeat_with_last_values_in_gimp(gimp3, gimp_env, tmp_path):
    """Filters > Repeat runs the procedure WITH_LAST_VALS: no dialog, GIMP's stored values.
    GIMP 3.0 stores values from interactive runs only (seen on 3.0.4: after this scripted
    call it hands over the defaults), so this checks that the run works, not which values."""
    scenario = Scenario(tmp_path, 64, 64, "underpaint-expand",
                        dict(FAST, preset="extend-left", amount=16)
                        ).add_layer("Background", gradient_rgba(64, 64))
    scenario.data["repeat"] = True
    state = run_in_gimp(gimp3, gimp_env, scenario)
    assert state.status == "success", state.message + state.stderr
    assert state.data["status2"] == "success", state.data["message2"] + state.stderr
    assert len(state.layers) == 3
    assert state.width * state.height > 80 * 64, "the repeated expand did not grow the canvas"
    assert state.data["undo_enabled"] is True


def test_variations_in_gimp_make_one_layer_per_seed(gimp3, gimp_env, tmp_path):
    state = run_in_gimp(gimp3, gimp_env, Scenario(
        tmp_path, 64, 64, "underpaint-variations", dict(FAST, count=2))
        .add_layer("Background", gradient_rgba(64, 64)))
    assert state.status == "success", state.message + state.stderr
    names = [layer["name"] for layer in state.layers[:2]]
    assert len(state.layers) == 3 and all(n.startswith("Underpaint variations") for n in names)
    assert names[0] != names[1]  # each carries its own seed


def test_gray_image_in_gimp_gets_a_gray_layer(gimp3, gimp_env, tmp_path):
    gray = gradient_rgba(64, 64)
    gray[..., 1] = gray[..., 2] = gray[..., 0]
    state = run_in_gimp(gimp3, gimp_env, Scenario(
        tmp_path, 64, 64, "underpaint-refine", dict(FAST, strength=0.6),
        selection=[8, 8, 32, 32], base_type="gray").add_layer("Background", gray))
    assert state.status == "success", state.message + state.stderr
    result = state.pixels(state.layers[0])
    opaque = result[..., 3] > 0
    assert opaque.any()
    assert (result[opaque][:, 0] == result[opaque][:, 1]).all()


def test_float_image_in_gimp(gimp3, gimp_env, tmp_path):
    """A 32-bit linear-light image: read and written as sRGB 8-bit through babl."""
    picture = gradient_rgba(64, 64)
    state = run_in_gimp(gimp3, gimp_env, Scenario(
        tmp_path, 64, 64, "underpaint-fill", dict(FAST, feather=-1),
        selection=[16, 16, 24, 24], precision="float").add_layer("Background", picture))
    assert state.status == "success", state.message + state.stderr
    assert state.data["precision"] == "float-linear"
    result, background = state.layers
    np.testing.assert_array_equal(state.pixels(background), picture)
    selected = np.zeros((64, 64), bool)
    selected[16:40, 16:40] = True
    alpha = state.alpha_in_document(result)
    assert alpha[~selected].max() == 0 and alpha[selected].min() > 0


@pytest.mark.parametrize("procedure, params, expected", [
    ("underpaint-fill", {}, "Fill Selection needs a selection"),
    ("underpaint-expand", {"preset": "custom"}, "margin-left"),  # all margins 0
])
def test_refusals_in_gimp(gimp3, gimp_env, tmp_path, procedure, params, expected):
    state = run_in_gimp(gimp3, gimp_env, Scenario(tmp_path, 64, 64, procedure,
                                                  dict(FAST, **params))
                        .add_layer("Background", gradient_rgba(64, 64)))
    assert state.status == "error"
    assert expected in state.message
    assert len(state.layers) == 1 and (state.width, state.height) == (64, 64)


def test_fill_without_selection_refuses_before_its_dialog(gimp3, gimp_env, tmp_path):
    """From the menu (interactive) with nothing selected: the refusal comes before the dialog,
    so the artist does not fill in a whole dialog first. gimp-console has no display, so a
    plug-in that went on to its dialog would fail differently."""
    scenario = Scenario(tmp_path, 64, 64, "underpaint-fill", {}).add_layer("Background", gradient_rgba(64, 64))
    scenario.data["run_mode"] = "interactive"
    state = run_in_gimp(gimp3, gimp_env, scenario)
    assert state.status == "error"
    assert "Fill Selection needs a selection: select the area to repaint first." in state.message
    assert len(state.layers) == 1


def test_daemon_not_running_is_reported_in_gimp(gimp3, gimp_env, tmp_path):
    env = dict(gimp_env, UNDERPAINT_HTTP="127.0.0.1:9")
    state = run_in_gimp(gimp3, env, Scenario(tmp_path, 64, 64, "underpaint-generate",
                                             dict(FAST))
                        .add_layer("Background", gradient_rgba(64, 64)))
    assert state.status == "error"
    assert "not running at 127.0.0.1:9" in state.message and len(state.layers) == 1
    assert "`" not in state.message  # plain text: GIMP shows Markdown literally
