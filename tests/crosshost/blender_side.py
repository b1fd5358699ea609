"""Runs inside real Blender (bpy from .venv-blender) for test_board_across_hosts.py.

Installs the BUILT extension with tests/blender's installer, then drives its own operators:
- Follow (live link) of --in-channel into a float image, and Place of the same channel (a new
  byte image); the raw float pixels of both land in --out as .npy, rows top-down;
- Send of a float image holding --send-pixels (RGBA8, sRGB) to --out-channel.
The pytest side converts and judges; this script only reports what Blender holds.

Usage: python blender_side.py --zip Z --in-channel C --out-channel C --send-pixels F
       --send-size W H --out DIR
"""
import argparse
import json
import os
import sys
import time
import traceback

import bpy
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "blender"))
from extension_harness import PACKAGE, install  # noqa: E402  (tests/blender: install as an artist does)

VERSION_PROP = "underpaint_channel_version"  # set by the extension when a version arrived


def raw_floats(image):
    """Image.pixels as stored, (h, w, 4) rows top-down: no conversion, that is the test's job."""
    width, height = image.size
    flat = np.empty(width * height * 4, dtype=np.float32)
    image.pixels.foreach_get(flat)
    return flat.reshape(height, width, 4)[::-1]


def describe(image):
    return {"name": image.name, "size": list(image.size), "is_float": image.is_float,
            "colorspace": image.colorspace_settings.name}


def srgb_decode(encoded):
    """sRGB transfer, float64, written out here rather than borrowed from the extension's kit."""
    return np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)


def follow(jobs, channel, out_dir, timeout=60):
    image = bpy.data.images.new("crosshost-follow", 4, 4, alpha=True, float_buffer=True)
    bpy.ops.underpaint.board_follow(image_name=image.name, channel=channel)
    deadline = time.monotonic() + timeout
    while int(image.get(VERSION_PROP, 0)) < 1 and time.monotonic() < deadline:
        if not jobs.drain():
            time.sleep(0.02)
    report = describe(image)
    report["version"] = int(image.get(VERSION_PROP, 0))
    np.save(os.path.join(out_dir, "follow.npy"), raw_floats(image))
    bpy.ops.underpaint.board_unfollow(image_name=image.name)  # ends the follower thread
    return report


def place(jobs, channel, out_dir):
    before = set(bpy.data.images.keys())
    bpy.ops.underpaint.board_place(channel=channel)
    jobs.wait_tasks(60)
    new = sorted(set(bpy.data.images.keys()) - before)
    report = {"new_images": new, "message": sys.modules[PACKAGE + ".board"].last_message}
    if len(new) == 1:
        image = bpy.data.images[new[0]]
        report.update(describe(image))
        np.save(os.path.join(out_dir, "place.npy"), raw_floats(image))
    return report


def send(jobs, channel, pixels_path, width, height):
    with open(pixels_path, "rb") as handle:
        rgba = np.frombuffer(handle.read(), dtype=np.uint8).reshape(height, width, 4)
    encoded = rgba.astype(np.float64) / 255.0
    linear = srgb_decode(encoded)
    linear[..., 3] = encoded[..., 3]  # alpha is coverage, never colour-converted
    image = bpy.data.images.new("crosshost-send", width, height, alpha=True, float_buffer=True)
    image.pixels.foreach_set(np.ascontiguousarray(linear[::-1], dtype=np.float32).reshape(-1))
    image.update()
    bpy.ops.underpaint.board_send(image_name=image.name, channel=channel)
    jobs.wait_tasks(60)
    report = describe(image)
    report["message"] = sys.modules[PACKAGE + ".board"].last_message
    return report


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zip", required=True)
    parser.add_argument("--in-channel", required=True)
    parser.add_argument("--out-channel", required=True)
    parser.add_argument("--send-pixels", required=True)
    parser.add_argument("--send-size", type=int, nargs=2, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    report = {"blender": bpy.app.version_string}
    jobs, _images = install(args.zip)
    steps = {"follow": lambda: follow(jobs, args.in_channel, args.out),
             "place": lambda: place(jobs, args.in_channel, args.out),
             "send": lambda: send(jobs, args.out_channel, args.send_pixels, *args.send_size)}
    for name, step in steps.items():
        started = time.monotonic()
        try:
            report[name] = step()
        except Exception:
            report[name] = {"error": traceback.format_exc()}
        report[name]["seconds"] = round(time.monotonic() - started, 2)
    with open(os.path.join(args.out, "report.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
