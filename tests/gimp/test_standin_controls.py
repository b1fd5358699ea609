"""Several control layers in one GIMP call: both control slots, each with its own start/end,
checked on what reached the daemon (a RecordingProxy between the plug-in and the daemon), and a
start not below its end refused before anything is sent. Stand-in GIMP, as test_standin_tools.py."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from gimp_scenarios import gradient_rgba
from recording_proxy import RecordingProxy
from test_standin import FAST, _changes
from test_standin_tools import kit, run, sketch, unique_name


def _digest(pixels) -> str:
    return hashlib.sha256(bytes(pixels)).hexdigest()[:16]


class _Via:
    """A daemon as run() takes it, reached through a RecordingProxy."""

    def __init__(self, daemon, proxy):
        self.env = dict(daemon.env, UNDERPAINT_HTTP=proxy.address)


def _sent_controls(proxy) -> list:
    """The controls of every Submit that reached the daemon, as comparable tuples (the numbers
    rounded: they travel as float32; the pixels as a digest, see _digest)."""
    pb = kit().pb
    return [[(c.type, round(c.strength, 4), round(c.start, 4), round(c.end, 4), c.x, c.y, c.image.width,
              c.image.height, _digest(c.image.data)) for c in request.controls]
            for request in proxy.messages("Submit", pb.GenerateRequest)]


def test_two_control_layers_reach_the_daemon_each_with_its_type_strength_range_and_place(
        system_python, built_plugin, tools_daemon, tmp_path):
    """Both control slots, with their own start/end, arrive as two Controls carrying the layers'
    own pixels at the layers' offsets; the daemon runs both (its infotext lists them). The same
    layer may fill both slots; an unset second slot sends one control, as before."""
    line = sketch()[16:40, 4:60].copy()  # a 56x24 layer that lies at (4, 16)
    depth = np.roll(gradient_rgba(48, 40), 7, axis=1)  # a 48x40 layer that lies at (10, 20)
    layers = [("Background", gradient_rgba(64, 64)), ("Sketch", line, 4, 16), ("Depth", depth, 10, 20)]
    both = {"control-layer": {"layer": "Sketch"}, "control-type": "scribble", "control-strength": 0.8,
            "control-start": 0.1, "control-end": 0.7,
            "control-layer-2": {"layer": "Depth"}, "control-type-2": "depth", "control-strength-2": 1.5,
            "control-start-2": 0.0, "control-end-2": 0.5}
    name = unique_name()
    with RecordingProxy(tools_daemon.http) as proxy:
        state = run(tmp_path / "both", _Via(tools_daemon, proxy), "underpaint-generate", dict(FAST, **both),
                    layers, python=system_python, plugin=built_plugin, name=name)
        assert state.status == "success", state.message + state.stderr
        assert _sent_controls(proxy) == [[
            ("scribble", 0.8, 0.1, 0.7, 4, 16, 56, 24, _digest(line)),
            ("depth", 1.5, 0.0, 0.5, 10, 20, 48, 40, _digest(depth))]]
    entry, = kit().history.history_page(kit().connect_daemon(tools_daemon.http), document=name).entries
    infotext = entry.parameters.infotext
    assert 'ControlNet 0: "Module: scribble_xdog' in infotext, infotext
    assert "Weight: 0.8, Resize Mode: Crop and Resize, Guidance Start: 0.1, Guidance End: 0.7" in infotext
    assert "ControlNet 1: " in infotext and "Weight: 1.5, Resize Mode: Crop and Resize, Guidance Start: 0, " \
        "Guidance End: 0.5" in infotext, infotext

    same = {"control-layer": {"layer": "Sketch"}, "control-type": "scribble",
            "control-layer-2": {"layer": "Sketch"}, "control-type-2": "lineart", "control-end-2": 0.4}
    one = {"control-layer": {"layer": "Sketch"}, "control-type": "canny"}
    with RecordingProxy(tools_daemon.http) as proxy:
        for label, params, extra in (("same", same, {}),
                                     ("one", one, {"run_mode": "interactive", "dialog": {"control-end": 0.9}})):
            state = run(tmp_path / label, _Via(tools_daemon, proxy), "underpaint-generate", dict(FAST, **params),
                        layers, python=system_python, plugin=built_plugin, **extra)
            assert state.status == "success", state.message + state.stderr
        assert _sent_controls(proxy) == [
            [("scribble", 1.0, 0.0, 1.0, 4, 16, 56, 24, _digest(line)),
             ("lineart", 1.0, 0.0, 0.4, 4, 16, 56, 24, _digest(line))],
            [("canny", 1.0, 0.0, 0.9, 4, 16, 56, 24, _digest(line))]]
    # The dialog puts each slot's start and end on one row (a flow box) after its strength.
    dialog, = state.data["dialogs"]
    assert dialog["boxes"] == {f"control-range{s}": [f"control-start{s}", f"control-end{s}"] for s in ("", "-2")}
    fields = dialog["fields"]
    at = fields.index("control-layer")
    assert fields[at:at + 10] == ["control-layer", "control-type", "control-strength", "control-range",
                                  "control-layer-2", "control-type-2", "control-strength-2", "control-range-2",
                                  "reference-layer", "reference-strength"]


@pytest.mark.parametrize("suffix", ["", "-2"])
def test_a_control_start_not_below_its_end_is_refused_before_anything_is_sent(
        system_python, built_plugin, tools_daemon, tmp_path, suffix):
    params = {f"control-layer{suffix}": {"layer": "Sketch"}, f"control-start{suffix}": 0.6,
              f"control-end{suffix}": 0.6}
    with RecordingProxy(tools_daemon.http) as proxy:
        state = run(tmp_path, _Via(tools_daemon, proxy), "underpaint-generate", dict(FAST, **params),
                    [("Background", gradient_rgba(64, 64)), ("Sketch", sketch())],
                    python=system_python, plugin=built_plugin)
        assert proxy.messages("Submit", kit().pb.GenerateRequest) == []
    assert state.status == "error"
    assert state.message.startswith(f"control-start{suffix}: must be below control-end{suffix} (both 0 to 1)"), \
        state.message
    assert not _changes(state.calls)
