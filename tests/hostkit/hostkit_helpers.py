"""Helpers for the host-kit tests: run kit code the way a host does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_in_host_python(vendor: Path, code: str, env: dict | None = None,
                       python: str = sys.executable, timeout: float = 120.0) -> dict:
    """Runs `code` under `python -S -E` with sys.path = vendor + the standard library (no site
    packages, no PYTHONPATH, no working directory), and returns the JSON it prints last."""
    prelude = textwrap.dedent(f"""
        import sys, json
        sys.path[:] = [{str(vendor)!r}] + [p for p in sys.path if p and 'site-packages' not in p]
    """)
    child_env = {k: v for k, v in (env or os.environ).items() if not k.startswith("PYTHON")}
    child_env["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
    result = subprocess.run([python, "-S", "-E", "-c", prelude + textwrap.dedent(code)],
                            capture_output=True, text=True, env=child_env, timeout=timeout,
                            cwd=str(vendor.parent))
    if result.returncode != 0:
        raise AssertionError(f"host python failed ({result.returncode}):\n{result.stderr[-4000:]}")
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON printed; stdout:\n{result.stdout[-2000:]}\nstderr:\n{result.stderr[-2000:]}"
    return json.loads(lines[-1])
