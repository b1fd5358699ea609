"""`underpaint generate --control/--reference` and `underpaint models` against a live daemon."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from PIL import Image

from tests.daemon.test_cli import run_cli
from underpaint.cli.controls_args import parse_control, parse_reference


@pytest.mark.parametrize("text, expected", [
    ("canny=sketch.png", ("canny", "sketch.png", None, 0.0, None)),
    ("Depth=d.png:0.6", ("depth", "d.png", 0.6, 0.0, None)),
    ("scribble=C:\\art\\s.png:1.2:0.1:0.8", ("scribble", "C:\\art\\s.png", 1.2, 0.1, 0.8)),
    ("lineart=dir:with:colons/a.png", ("lineart", "dir:with:colons/a.png", None, 0.0, None)),
])
def test_control_arguments(text, expected):
    arg = parse_control(text)
    assert (arg.type, arg.path, arg.strength, arg.start, arg.end) == expected


@pytest.mark.parametrize("text", ["sketch.png", "canny=", "=a.png", "canny=a.png:0.5:0.2"])
def test_bad_control_arguments_say_the_form(text):
    with pytest.raises(argparse.ArgumentTypeError, match="--control"):
        parse_control(text)


def test_reference_arguments():
    assert (parse_reference("me.png:0.4").path, parse_reference("me.png:0.4").strength) == ("me.png", 0.4)
    assert parse_reference("me.png").strength is None


def test_generate_with_controls_from_files(daemon, tmp_path):
    sketch = np.full((64, 64, 3), 255, np.uint8)
    sketch[20:44, 20] = sketch[20:44, 43] = sketch[20, 20:44] = sketch[43, 20:44] = 0
    Image.fromarray(sketch).save(tmp_path / "sketch.png")
    Image.fromarray(np.random.default_rng(2).integers(0, 256, (48, 48, 3), dtype=np.uint8)).save(tmp_path / "ref.png")
    common = ["generate", "--prompt", "a house", "--model", "underpaint-demo", "--width", "64", "--height", "64",
              "--steps", "3", "--seed", "7"]

    def run(name, *extra):
        res = run_cli(daemon, *common, *extra, "--out", str(tmp_path / name))
        assert res.returncode == 0, res.stderr
        return np.asarray(Image.open(tmp_path / name))

    plain = run("plain.png")
    assert np.array_equal(run("zero.png", "--control", f"scribble={tmp_path / 'sketch.png'}:0"), plain)
    steered = run("steered.png", "--control", f"scribble={tmp_path / 'sketch.png'}:1:0:0.5",
                  "--reference", f"{tmp_path / 'ref.png'}:0.7")
    assert not np.array_equal(steered, plain)

    res = run_cli(daemon, *common, "--control", f"canny={tmp_path / 'missing.png'}", "--out", str(tmp_path / "x.png"))
    assert res.returncode != 0 and "missing.png" in res.stderr
    res = run_cli(daemon, *common, "--control", f"canny={tmp_path / 'sketch.png'}:3", "--out", str(tmp_path / "x.png"))
    assert res.returncode == 1 and "controls[0].strength" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_models_lists_controlnets_and_ip_adapters(daemon):
    out = run_cli(daemon, "models")
    assert out.returncode == 0, out.stderr
    assert "ControlNets:" in out.stdout and "underpaint-demo-controlnet" in out.stdout
    assert "IP-Adapters (reference images):" in out.stdout and "underpaint-demo-ipadapter" in out.stdout
