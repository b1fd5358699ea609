"""`underpaint faces ...` as a user runs it, against a live daemon."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from PIL import Image

CLI = [sys.executable, "-m", "underpaint.cli.main"]


def run_cli(daemon, *args, timeout=600):
    env = dict(daemon.env, UNDERPAINT_SERVER=daemon.grpc)
    return subprocess.run(CLI + list(args), env=env, capture_output=True, text=True, timeout=timeout)


def test_detect_prints_one_line_per_face(faces_daemon, astronaut, tmp_path):
    path = tmp_path / "astronaut.png"
    Image.fromarray(astronaut).save(path)
    out = run_cli(faces_daemon, "faces", "detect", str(path))
    assert out.returncode == 0, out.stderr
    (line,) = out.stdout.splitlines()
    x, y, w, h, score = line.split()
    assert (int(x), int(y), int(w), int(h)) == (177, 66, 95, 95) and 0.95 < float(score) <= 1


def test_detect_on_a_picture_without_faces_says_so(faces_daemon, tmp_path):
    path = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)).save(path)
    out = run_cli(faces_daemon, "faces", "detect", str(path))
    assert out.returncode == 0 and out.stdout == ""
    assert "no faces found (detector haar-frontalface)" in out.stderr


def test_detect_refusals_are_one_line(faces_daemon, tmp_path):
    path = tmp_path / "dot.png"
    Image.new("RGB", (1, 1)).save(path)
    out = run_cli(faces_daemon, "faces", "detect", str(path))
    assert out.returncode == 1
    assert out.stderr.strip() == ("underpaint: invalid_argument: image: is 1x1; faces can be found in "
                                  "images of at least 24x24 pixels")
    out = run_cli(faces_daemon, "faces", "detect", str(path), "--detector", "yolo")
    assert out.returncode == 1 and "detector: face detector 'yolo' is not installed" in out.stderr
