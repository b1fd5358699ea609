"""Runs inside real Blender (the `bpy` module from .venv-blender): installs the BUILT extension zip
and runs the scene-control checks (control_checks.py) against a live daemon, writing JSON for
test_blender_controls.py. Same shape as scenario.py, kept apart so each suite runs on its own.

Usage: python controls_scenario.py --zip underpaint-blender.zip --out report.json [--only NAME ...]
   or: blender -b --factory-startup --python controls_scenario.py -- --zip ... --out ...
"""
import argparse
import json
import os
import sys
import time
import traceback

import bpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # `blender --python` does not add it

from control_checks import ControlChecks
from extension_harness import install


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zip", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", nargs="*", default=None)
    # a Blender binary passes the script's own arguments after "--"
    args = parser.parse_args(sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else None)
    report = {"blender": bpy.app.version_string}
    jobs, images = install(args.zip)
    checks = ControlChecks(jobs, images)
    names = args.only or [n[len("check_"):] for n in ControlChecks.__dict__ if n.startswith("check_")]
    for name in names:
        started = time.monotonic()
        try:
            report[name] = getattr(checks, "check_" + name)()
        except Exception:
            report[name] = {"error": traceback.format_exc()}
        report[name]["seconds"] = round(time.monotonic() - started, 2)
        print(f"controls scenario: {name} took {report[name]['seconds']} s", flush=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
