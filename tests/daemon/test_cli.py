"""The `underpaint` command line against a live daemon, as a user runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
from PIL import Image

CLI = [sys.executable, "-m", "underpaint.cli.main"]


def run_cli(daemon, *args, timeout=180, env_extra=None):
    env = dict(daemon.env, UNDERPAINT_SERVER=daemon.grpc, **(env_extra or {}))
    return subprocess.run(CLI + list(args), env=env, capture_output=True, text=True, timeout=timeout)


def test_info_and_models(daemon):
    out = run_cli(daemon, "info")
    assert out.returncode == 0, out.stderr
    assert "protocol  v1." in out.stdout and "DEMO" in out.stdout
    out = run_cli(daemon, "models")
    assert out.returncode == 0, out.stderr
    assert "DEMO: random weights" in out.stdout and "sd15" in out.stdout


def test_generate_writes_pngs_with_a1111_parameters(daemon, tmp_path):
    out_png = tmp_path / "fox.png"
    res = run_cli(daemon, "generate", "--prompt", "a fox", "--negative", "blurry", "--width", "64",
                  "--height", "64", "--steps", "3", "--seed", "42", "--count", "2", "--out", str(out_png))
    assert res.returncode == 0, res.stderr
    files = [tmp_path / "fox-1.png", tmp_path / "fox-2.png"]
    for i, path in enumerate(files):
        img = Image.open(path)
        assert img.size == (64, 64)
        params = img.text["parameters"]
        assert params.startswith("a fox\nNegative prompt: blurry\n")
        assert f"Seed: {42 + i}" in params and "Steps: 3" in params and "Size: 64x64" in params
    assert "seed 42" in res.stdout and "seed 43" in res.stdout


def test_generate_img2img_and_inpaint_from_files(daemon, tmp_path):
    rng = np.random.default_rng(3)
    init = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(init).save(tmp_path / "init.png")
    mask = np.zeros((64, 64), np.uint8)
    mask[20:40, 20:40] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    res = run_cli(daemon, "generate", "--prompt", "x", "--init", str(tmp_path / "init.png"), "--mask",
                  str(tmp_path / "mask.png"), "--strength", "1", "--steps", "3", "--out", str(tmp_path / "o.png"))
    assert res.returncode == 0, res.stderr
    out = np.asarray(Image.open(tmp_path / "o.png").convert("RGB"))
    assert np.array_equal(out[mask == 0], init[mask == 0])
    assert "Denoising strength: 1" in Image.open(tmp_path / "o.png").text["parameters"]


def test_failures_exit_non_zero_with_one_line(daemon, tmp_path):
    res = run_cli(daemon, "generate", "--prompt", "x", "--width", "70", "--out", str(tmp_path / "x.png"))
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0 and "width" in res.stderr
    res = run_cli(daemon, "info", "--server", "127.0.0.1:1")
    assert res.returncode == 1
    assert "cannot reach the Underpaint daemon at 127.0.0.1:1" in res.stderr
    assert res.stderr.strip().count("\n") == 0


def test_ctrl_c_cancels_the_job_on_the_daemon(daemon, tmp_path):
    from underpaint.client import Client
    from underpaint.v1 import underpaint_pb2 as pb

    env = dict(daemon.env, UNDERPAINT_SERVER=daemon.grpc)
    proc = subprocess.Popen(CLI + ["generate", "--prompt", "slow", "--steps", "150", "--width", "128",
                                   "--height", "128", "--out", str(tmp_path / "never.png")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # wait for the job to run: its progress lines appear on stderr (not a tty: one line each)
    deadline = time.monotonic() + 120
    line = ""
    while time.monotonic() < deadline and "step" not in line:
        line = proc.stderr.readline()
    assert "step" in line
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "cancelled" in err
    assert not (tmp_path / "never.png").exists()
    with Client(daemon.grpc) as client:
        info = client.info()
        assert info.queue_length == 0


def test_models_pull_fails_at_once_offline(daemon, tmp_path):
    res = run_cli(daemon, "models", "pull", "some/repo", "--models", str(tmp_path),
                  env_extra={"HF_HUB_OFFLINE": "1"}, timeout=60)
    assert res.returncode == 1
    assert "cannot download some/repo" in res.stderr
    assert "Traceback" not in res.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-downloaded is left behind
