"""Runs inside real Blender (the `bpy` module from .venv-blender): installs the BUILT extension
zip exactly as an artist would, drives its operators headless against a live daemon and writes
what it observed as JSON. test_blender_extension.py asserts on that JSON.

Usage: python scenario.py --zip underpaint-blender.zip --out report.json [--only NAME ...]
Each check's answer (or its traceback) lands under its name; one failing check does not stop the rest.
The checks live in generation_checks.py and board_checks.py; the installer and the helpers they
share in extension_harness.py.
"""
import argparse
import json
import time
import traceback

import bpy

from board_checks import BoardChecks
from extension_harness import install
from generation_checks import GenerationChecks

# In this order: some checks use what earlier ones made (material uses a generated texture),
# and the reopen check, which loads a new file, runs last.
CHECK_GROUPS = (GenerationChecks, BoardChecks)


class Scenario(GenerationChecks, BoardChecks):
    """Every check, on one Blender session and one set of panel settings."""


def check_names():
    return [n[len("check_"):] for group in CHECK_GROUPS for n in group.__dict__ if n.startswith("check_")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zip", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    report = {"blender": bpy.app.version_string}
    jobs, images = install(args.zip)
    scenario = Scenario(jobs, images)
    names = args.only or check_names()
    for name in names:
        started = time.monotonic()
        try:
            report[name] = getattr(scenario, "check_" + name)()
        except Exception:
            report[name] = {"error": traceback.format_exc()}
        report[name]["seconds"] = round(time.monotonic() - started, 2)
        print(f"scenario: {name} took {report[name]['seconds']} s", flush=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
