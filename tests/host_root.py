"""Host applications from the cached Debian 13 root (scripts/debian13-root) for machines whose own
Debian lacks them: GIMP 3 and Blender 4 exist on Debian 13 only.

`command_in_root("gimp-console-3.0")` gives the argv prefix that runs a program inside the root
(same network, /tmp and repository as the host), or None with the reason in `ROOT_PROBLEM`.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "debian13-root"


@functools.lru_cache(maxsize=None)
def root_problem() -> str | None:
    """Why the Debian 13 root cannot be used here (None when it can)."""
    if not SCRIPT.exists():
        return f"{SCRIPT} is missing"
    try:
        done = subprocess.run([str(SCRIPT), "check"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"scripts/debian13-root check failed: {error}"
    if done.returncode != 0:
        return (done.stdout + done.stderr).strip() or f"scripts/debian13-root check: rc {done.returncode}"
    return None


@functools.lru_cache(maxsize=None)
def command_in_root(program: str) -> tuple | None:
    """argv prefix running `program` inside the root, or None when the root or program is not there."""
    if root_problem() is not None:
        return None
    prefix = (str(SCRIPT), "run")
    found = subprocess.run(prefix + ("sh", "-c", f"command -v {program}"), capture_output=True,
                           text=True, timeout=60)
    if found.returncode != 0:
        return None
    return prefix + (program,)
