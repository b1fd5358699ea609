"""Helpers for the Krita tests: throwaway Krita environments, skips that say why."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def krita_env(home: Path, **extra) -> dict:
    """Environment for a Krita run in a throwaway HOME (Krita writes its config and resource
    database there, never into the developer's own)."""
    runtime = home / "runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNDERPAINT_", "XDG_", "PYTHON"))}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(runtime), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CACHE_HOME=str(home / ".cache"))
    env.update(extra)
    return env


def require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} not installed (Debian: apt install krita xvfb) - Krita tests need real Krita")
    return path


def skip_without_pykrita(log: str) -> None:
    if "Cannot load the PyKrita module" in log or "No module named 'PyQt" in log:
        pytest.skip("Krita's Python scripting cannot start: its PyQt is missing "
                    "(Debian: apt install python3-pyqt5)")


def run_logged(command, env, timeout, cwd) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        output = (error.stdout or b"")[-4000:]
        pytest.fail(f"{command[0]} did not finish in {timeout} s (killed):\n{output!r}")
