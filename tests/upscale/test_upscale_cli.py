"""`underpaint upscale ...` and `underpaint faces restore|rerender` (FINISH jobs) as a user runs
them, against a live daemon; `underpaint demo-model` writes the demo ESRGAN."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from PIL import Image

CLI = [sys.executable, "-m", "underpaint.cli.main"]


def run_cli(daemon, *args, timeout=600):
    env = dict(daemon.env, UNDERPAINT_SERVER=daemon.grpc)
    return subprocess.run(CLI + list(args), env=env, capture_output=True, text=True, timeout=timeout)


def test_upscale_with_a_model_writes_the_enlarged_png(upscale_daemon, photo, tmp_path):
    src, out = tmp_path / "cup.png", tmp_path / "cup-x4.png"
    Image.fromarray(photo).save(src)
    done = run_cli(upscale_daemon, "upscale", str(src), "--scale", "4", "--model", "esrgan-demo-x4", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{out}  320x240"
    assert Image.open(out).size == (320, 240)


def test_upscale_to_a_size_with_lanczos_keeps_transparency(upscale_daemon, photo, tmp_path):
    rgba = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    rgba[:, 40:, 3] = 0
    src, out = tmp_path / "half.png", tmp_path / "half-big.png"
    Image.fromarray(rgba).save(src)
    done = run_cli(upscale_daemon, "upscale", str(src), "--size", "160x120", "--out", str(out))
    assert done.returncode == 0, done.stderr
    alpha = np.asarray(Image.open(out))[..., 3]
    assert alpha[:, :74].min() == 255 and alpha[:, 86:].max() == 0   # Lanczos rings within 3 source px


def test_bad_scales_and_models_are_one_line_errors(upscale_daemon, photo, tmp_path):
    src = tmp_path / "cup.png"
    Image.fromarray(photo).save(src)
    zero = run_cli(upscale_daemon, "upscale", str(src), "--scale", "0", "--out", str(tmp_path / "o.png"))
    assert zero.returncode == 2
    assert zero.stderr.strip().startswith("underpaint: --scale: 0 is out of range; allowed above 1 up to 16")
    big = run_cli(upscale_daemon, "upscale", str(src), "--scale", "17", "--out", str(tmp_path / "o.png"))
    assert big.returncode == 1
    assert big.stderr.strip().startswith("underpaint: invalid_argument: finishing[0].upscale.scale: 17 is out of range")
    unknown = run_cli(upscale_daemon, "upscale", str(src), "--model", "4x-UltraSharp", "--out", str(tmp_path / "o.png"))
    assert unknown.returncode == 1 and "upscaler '4x-UltraSharp' is not installed" in unknown.stderr
    assert not (tmp_path / "o.png").exists()


def test_faces_restore_runs_as_a_finish_job(upscale_daemon, photo, tmp_path):
    """No restorer in this daemon's folder: the FINISH job is accepted by type and refused by
    what it needs, naming the field (before this daemon had FINISH, `type` itself was refused)."""
    src = tmp_path / "cup.png"
    Image.fromarray(photo).save(src)
    done = run_cli(upscale_daemon, "faces", "restore", str(src), "--out", str(tmp_path / "r.png"))
    assert done.returncode == 1
    assert "finishing[0].restore_faces.model: no face restorer is installed" in done.stderr


def test_faces_rerender_on_a_picture_without_faces_returns_it_with_a_note(upscale_daemon, tmp_path):
    src, out = tmp_path / "flat.png", tmp_path / "flat-out.png"
    Image.new("RGB", (64, 64), (90, 120, 150)).save(src)
    done = run_cli(upscale_daemon, "faces", "rerender", str(src), "--prompt", "a face", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{out}  64x64  0 faces  (no faces found)"
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), np.asarray(Image.open(src)))


def test_demo_model_writes_a_tiny_esrgan_spandrel_recognises(tmp_path):
    done = subprocess.run(CLI + ["demo-model", str(tmp_path), "--no-face-restorer"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "upscalers" / "esrgan-demo-x4.safetensors"
    assert path.stat().st_size < 1_000_000
    from safetensors.torch import load_file
    from spandrel import ModelLoader

    state = load_file(str(path))
    assert {"conv_first.weight", "body.0.rdb1.conv1.weight", "conv_body.weight", "conv_up2.weight"} <= set(state)
    model = ModelLoader().load_from_state_dict(state)
    assert (model.architecture.id, model.scale) == ("ESRGAN", 4)
    assert state["conv_first.weight"].shape[0] == 8 and not any(k.startswith("body.1.") for k in state)
