"""One picture across two real hosts through the daemon's board, with each plugin's own code:

Krita (kritarunner, the panel's Send) -> board -> Blender (the extension's Follow and Place)
Blender (the extension's Send)        -> board -> Krita (the panel's Place)

Pixels are known (a seeded gradient + noise, with partially and fully transparent pixels: both
hosts carry straight alpha) and must come out identical. Blender's float image holds linear light,
so its floats are sRGB-encoded back to 8 bits here before comparing.

Tolerance: 0 (exact bytes), everywhere. An 8-bit value decoded to linear float32 and encoded
again lands within ~1e-6 of its code, while neighbouring codes are at least 1/255 apart after
encoding: rounding recovers the byte exactly, so any difference is a real bug (a truncating
encoder, a missing or doubled transfer, flipped rows, swapped channels, premultiplied alpha).

Three host runs, in order (each host waits for the previous one's publication): Krita sends,
Blender follows/places and sends, Krita places.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

# Reused from the host suites: the built Krita plugin and Blender extension, Krita's throwaway
# environment and skips, Blender's venv path.
from tests.blender.test_blender_extension import BLENDER_PYTHON, built_extension  # noqa: F401
from tests.krita.conftest import built_krita_plugin  # noqa: F401
from tests.krita.krita_support import HERE as KRITA_TESTS, krita_env, require, run_logged, skip_without_pykrita

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent
KRITA_SIZE = (64, 48)    # width, height: not square, so a transposed or flipped image shows
BLENDER_SIZE = (40, 56)


def known_rgba(width: int, height: int, seed: int) -> np.ndarray:
    """(h, w, 4) uint8, straight alpha: gradients + seeded noise over the whole 0..255 range,
    a band of partial alpha, and some fully transparent pixels that keep a colour. Transparent
    pixels stay off the border: Krita measures a layer by its non-transparent pixels."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / (width - 1), y * 255 / (height - 1), (x + y) * 255 / (width + height - 2)], -1)
    rgb = np.clip(base + rng.integers(-40, 41, size=base.shape), 0, 255)
    alpha = np.full((height, width), 255)
    alpha[:, width // 2:] = rng.integers(1, 255, size=(height, width - width // 2))  # partial
    inner = rng.random((height - 8, width - 8)) < 0.05
    alpha[4:-4, 4:-4][inner] = 0  # fully transparent, colour kept (the board promises it)
    rgba = np.concatenate([rgb, alpha[..., None]], -1).astype(np.uint8)
    rgba[0, :16, 0] = np.arange(16)  # the darkest codes: where sRGB's linear segment lives
    return rgba


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear.astype(np.float64), 0.0, 1.0)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


def to_u8(values: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(values, 0.0, 1.0) * 255.0).astype(np.uint8)


def linear_float_to_u8(floats: np.ndarray) -> np.ndarray:
    """A Blender float image (linear light, straight alpha) -> sRGB RGBA8."""
    return np.concatenate([to_u8(srgb_encode(floats[..., :3])), to_u8(floats[..., 3:])], -1)


def differences(got: np.ndarray, want: np.ndarray) -> str:
    """Empty when identical, else a short account for the failure message."""
    if got.shape != want.shape:
        return f"shape {got.shape} != {want.shape}"
    diff = np.abs(got.astype(int) - want.astype(int))
    if not diff.any():
        return ""
    ys, xs, cs = np.nonzero(diff)
    return (f"{len(set(zip(ys, xs)))} pixels differ, max {diff.max()}; first at x={xs[0]} y={ys[0]} "
            f"channel {'RGBA'[cs[0]]}: got {got[ys[0], xs[0]].tolist()} want {want[ys[0], xs[0]].tolist()}")


def board_entry(grpc_client, channel):
    from underpaint.v1 import board_pb2

    return grpc_client.call(grpc_client.board.Fetch, board_pb2.FetchRequest(channel=channel))


def entry_pixels(entry) -> np.ndarray:
    return np.frombuffer(entry.image.data, dtype=np.uint8).reshape(entry.height, entry.width, 4)


def run_krita(function, daemon, plugin, work, channel, size, pixels) -> dict:
    """One kritarunner session running krita_side.<function>; returns its report."""
    report = work / f"{function}.json"
    env = krita_env(work / "home", QT_QPA_PLATFORM="offscreen",
                    PYTHONPATH=os.pathsep.join([str(HERE), str(KRITA_TESTS)]),
                    UNDERPAINT_KRITA_PLUGIN_PATH=str(plugin), UNDERPAINT_HTTP=daemon.http,
                    CROSSHOST_CHANNEL=channel, CROSSHOST_WIDTH=str(size[0]), CROSSHOST_HEIGHT=str(size[1]),
                    CROSSHOST_PIXELS=str(pixels), CROSSHOST_REPORT=str(report))
    done = run_logged([require("kritarunner"), "-s", "krita_side", "-f", function], env, 300, work)
    log = done.stdout[-4000:] + done.stderr[-4000:]
    skip_without_pykrita(log)
    assert done.returncode == 0 and report.exists(), f"kritarunner {function} failed (rc {done.returncode}):\n{log}"
    result = json.loads(report.read_text())
    assert "error" not in result, f"krita_side.{function} raised inside Krita:\n{result['error']}"
    return result


def run_blender(daemon, extension_zip, work, in_channel, out_channel, send_pixels) -> dict:
    env = dict(daemon.env)
    env["BLENDER_USER_RESOURCES"] = str(work / "blender-user")  # a clean Blender profile
    env.pop("UNDERPAINT_HTTP", None)  # the extension finds the daemon through daemon.json
    command = [str(BLENDER_PYTHON), str(HERE / "blender_side.py"), "--zip", str(extension_zip),
               "--in-channel", in_channel, "--out-channel", out_channel, "--send-pixels", str(send_pixels),
               "--send-size", *map(str, BLENDER_SIZE), "--out", str(work)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and (work / "report.json").exists(), (
        f"Blender failed (rc {done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    report = json.loads((work / "report.json").read_text())
    for step in ("follow", "place", "send"):
        assert "error" not in report[step], f"blender_side {step} raised:\n{report[step]['error']}"
    return report


def test_a_layer_goes_krita_to_blender_and_an_image_comes_back(
        daemon, grpc_client, built_krita_plugin, built_extension, tmp_path):  # noqa: F811
    require("kritarunner")  # both hosts or nothing: skip before spending a Krita run
    if not BLENDER_PYTHON.exists():
        pytest.skip(f"{BLENDER_PYTHON} missing: run scripts/setup-blender-venv (pip install bpy==5.0.1)")
    timings = {}
    to_blender, to_krita = f"crosshost/krita-to-blender-{os.getpid()}", f"crosshost/blender-to-krita-{os.getpid()}"

    # --- Krita -> board ------------------------------------------------------------------------
    krita_picture = known_rgba(*KRITA_SIZE, seed=2026)
    (tmp_path / "krita-in.rgba").write_bytes(krita_picture.tobytes())
    started = time.monotonic()
    sent = run_krita("send", daemon, built_krita_plugin, tmp_path / "krita-send", to_blender,
                     KRITA_SIZE, tmp_path / "krita-in.rgba")
    timings["krita send"] = time.monotonic() - started
    assert sent["depth"] == "U8" and "srgb" in sent["profile"].lower(), sent
    assert sent["layer_holds_the_pixels"] and sent["layer_bounds"] == [0, 0, *KRITA_SIZE], sent
    assert sent["send"]["status"] == "succeeded", sent["send"]
    entry = board_entry(grpc_client, to_blender)
    assert (entry.meta.source_app, entry.width, entry.height) == ("krita", *KRITA_SIZE)
    problem = differences(entry_pixels(entry), krita_picture)
    assert not problem, f"the board holds other pixels than Krita's layer: {problem}"

    # --- board -> Blender (Follow into a float image, Place into a new byte image) -> board -----
    blender_picture = known_rgba(*BLENDER_SIZE, seed=7)
    (tmp_path / "blender-in.rgba").write_bytes(blender_picture.tobytes())
    (tmp_path / "blender").mkdir()
    started = time.monotonic()
    blender = run_blender(daemon, built_extension, tmp_path / "blender", to_blender, to_krita,
                          tmp_path / "blender-in.rgba")
    timings["blender follow+place+send"] = time.monotonic() - started

    followed = blender["follow"]
    assert followed["version"] == entry.version, f"the followed image never got {to_blender}: {followed}"
    assert followed["is_float"] and followed["size"] == list(KRITA_SIZE), followed
    floats = np.load(tmp_path / "blender" / "follow.npy")
    problem = differences(linear_float_to_u8(floats), krita_picture)
    assert not problem, f"Blender's followed float image differs (after sRGB-encoding to u8): {problem}"

    placed = blender["place"]
    assert len(placed["new_images"]) == 1, placed
    assert not placed["is_float"] and placed["colorspace"] == "sRGB" and placed["size"] == list(KRITA_SIZE)
    problem = differences(to_u8(np.load(tmp_path / "blender" / "place.npy")), krita_picture)
    assert not problem, f"Blender's placed byte image differs: {problem}"

    assert blender["send"]["is_float"], blender["send"]
    assert f"'{to_krita}' (v1)" in blender["send"]["message"], blender["send"]
    entry = board_entry(grpc_client, to_krita)
    assert (entry.meta.source_app, entry.width, entry.height) == ("blender", *BLENDER_SIZE)
    problem = differences(entry_pixels(entry), blender_picture)
    assert not problem, f"the board holds other pixels than Blender's image: {problem}"

    # --- board -> Krita ----------------------------------------------------------------------------
    started = time.monotonic()
    back = run_krita("place", daemon, built_krita_plugin, tmp_path / "krita-place", to_krita,
                     BLENDER_SIZE, tmp_path / "krita-out.rgba")
    timings["krita place"] = time.monotonic() - started
    assert back["place"]["status"] == "succeeded", back["place"]
    ((name, bounds, depth, _profile),) = back["layers"]
    assert name == f"{to_krita} · v1 (from blender)" and depth == "U8"
    assert bounds == [0, 0, *BLENDER_SIZE], "Blender's image covers the same-size document from its corner"
    got = np.frombuffer((tmp_path / "krita-out.rgba").read_bytes(), dtype=np.uint8).reshape(*BLENDER_SIZE[::-1], 4)
    problem = differences(got, blender_picture)
    assert not problem, f"Krita's placed layer differs from Blender's image: {problem}"
    print("timings: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()))
