"""Runs inside real Blender (the `bpy` module from .venv-blender): installs the BUILT extension
zip and drives the image tools' operators (tools_checks.py) against a live daemon, writing what
it observed as JSON for test_blender_tools.py.

Usage: python tools_scenario.py --zip underpaint-blender.zip --out report.json [--only NAME ...]
"""
import argparse
import json
import time
import traceback

import bpy

from extension_harness import install
from keyframe_checks import KeyframeChecks
from tools_checks import ToolChecks


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zip", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    report = {"blender": bpy.app.version_string}
    jobs, images = install(args.zip)
    checks = ToolChecks(jobs, images)
    # keyframes first: the panel check then sees written frames; the file-loading check stays last
    names = args.only or [n[len("check_"):] for group in (KeyframeChecks, ToolChecks)
                          for n in group.__dict__ if n.startswith("check_")]
    for name in names:
        started = time.monotonic()
        try:
            report[name] = getattr(checks, "check_" + name)()
        except Exception:
            report[name] = {"error": traceback.format_exc()}
        report[name]["seconds"] = round(time.monotonic() - started, 2)
        print(f"tools scenario: {name} took {report[name]['seconds']} s", flush=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
