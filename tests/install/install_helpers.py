"""Helpers for the `underpaint plugins install` tests: fake homes, the command run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def home_env(home: Path, path: str = "/usr/bin:/bin", **extra) -> dict:
    """A user's environment with `home` as HOME and no XDG_* variables (so the defaults under
    HOME are what is tested), nothing of the developer's own Underpaint set-up."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XDG_", "UNDERPAINT_", "BLENDER_", "GIMP"))}
    env.update(HOME=str(home), PATH=path)
    env.update(extra)
    return env


def run_cli(env: dict, *args, out: Path) -> subprocess.CompletedProcess:
    """`underpaint plugins install ARGS --out OUT` in a child process with `env`."""
    return subprocess.run([sys.executable, "-m", "underpaint.cli.main", "plugins", "install",
                           *args, "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=600)


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))

