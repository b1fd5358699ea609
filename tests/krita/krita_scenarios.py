"""Scenarios that run INSIDE real Krita (kritarunner) against a real daemon.

Run by test_krita_scenarios.py as
    kritarunner -s krita_scenarios -f main
with env: UNDERPAINT_KRITA_PLUGIN_PATH (folder holding the built underpaint_krita package),
UNDERPAINT_HTTP (the daemon's gateway), UNDERPAINT_SCENARIOS_OUT (JSON file to write),
UNDERPAINT_SCENARIOS (optional comma list). Each scenario reports plain facts (sizes, names,
counts of changed pixels); the pytest side decides what is right.

The scenarios live in generation_scenarios.py, board_scenarios.py and control_scenarios.py (helpers:
scenario_helpers.py);
this module is kritarunner's entry point and runs them in the order they are defined.
"""

import gc
import json
import os
import time
import traceback

from scenario_helpers import QApplication, close_documents  # first: puts the built plugin on sys.path

import board_scenarios  # noqa: E402
import control_scenarios  # noqa: E402
import generation_scenarios  # noqa: E402


def _scenarios(module):
    return {name[len("scenario_"):]: fn for name, fn in vars(module).items() if name.startswith("scenario_")}


# Generation first, board after: the same order as when they shared one module.
SCENARIOS = {**_scenarios(generation_scenarios), **_scenarios(board_scenarios)}
# Run by their own test module (test_krita_controls.py, naming them in UNDERPAINT_SCENARIOS).
NAMED_ONLY = _scenarios(control_scenarios)


def main(*_args):
    wanted = [s for s in os.environ.get("UNDERPAINT_SCENARIOS", "").split(",") if s] or list(SCENARIOS)
    results = {}
    for name in wanted:
        try:
            results[name] = {**SCENARIOS, **NAMED_ONLY}[name]()
        except Exception:
            results[name] = {"error": traceback.format_exc()}
    with open(os.environ["UNDERPAINT_SCENARIOS_OUT"], "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    # Let the last worker threads end and their queued signals arrive before Krita tears Qt
    # down: a signal delivered during kritarunner's teardown crashes it. The dockers the
    # scenarios made stop their board links first; their short-lived threads (connect, token
    # counter, job) get up to 15 s to finish.
    for docker in generation_scenarios._DOCKERS:
        docker.live.shutdown()
        docker.live_links.shutdown()
        docker.controller.shutdown()
    import threading

    short_lived = ("underpaint-connect", "underpaint-tokens", "underpaint-job", "underpaint-live")
    waits_until = time.monotonic() + 15.0
    while time.monotonic() < waits_until and any(
            t.is_alive() and t.name.startswith(short_lived) for t in threading.enumerate()):
        QApplication.processEvents()
        time.sleep(0.02)
    ends = time.monotonic() + 1.0
    while time.monotonic() < ends:
        QApplication.processEvents()
        time.sleep(0.02)
    gc.collect()
    close_documents()
