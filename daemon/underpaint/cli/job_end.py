"""How a CLI command that follows a job ends: one line on stderr and the exit code (130 for a
cancel, as after Ctrl-C; 1 for a failure)."""

from __future__ import annotations

import sys

from ..v1 import underpaint_pb2 as pb


def failure(finished: pb.Finished, failed: str = "failed", cancelled: str = "cancelled") -> str | None:
    """The line to print for a job that did not succeed, or None."""
    if finished.status == pb.JOB_STATUS_CANCELLED:
        return cancelled
    if finished.status == pb.JOB_STATUS_FAILED:
        return f"{failed}: {finished.message}"
    return None


def exit_code(failed: str | None) -> int:
    if not failed:
        return 0
    print(f"underpaint: {failed}", file=sys.stderr)
    return 130 if failed.startswith("cancelled") else 1
