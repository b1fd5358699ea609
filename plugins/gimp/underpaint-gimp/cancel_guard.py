"""Cancels the daemon job when GIMP kills the plug-in.

Pressing the cancel button of a plug-in's progress bar makes GIMP end the plug-in process
outright (SIGKILL / TerminateProcess, app/plug-in/gimpplugin-progress.c), and a GIMP 3 Python
plug-in cannot install its own progress handler (GimpProgressVtable holds C callbacks). So the
plug-in starts this small watcher in its own session, connected by a pipe: when the job ends
normally the plug-in writes "done"; when the pipe closes without it, the plug-in died, and the
watcher cancels that one job on the daemon.

Run as a script: python cancel_guard.py HOST:PORT JOB_ID (the token is found as the kit finds
it: $UNDERPAINT_TOKEN or the token file).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

log = logging.getLogger("underpaint-gimp")

_DONE = b"done"


class CancelGuard:
    def __init__(self, process: subprocess.Popen):
        self.process = process

    @classmethod
    def launch(cls, address: str, job_id: str):
        """Starts the watcher; returns None (and logs why) if it cannot be started."""
        command = [sys.executable, os.path.abspath(__file__), address, job_id]
        options = dict(stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, close_fds=True)
        if os.name == "nt":
            options["creationflags"] = (subprocess.CREATE_NEW_PROCESS_GROUP
                                        | subprocess.DETACHED_PROCESS)
        else:
            options["start_new_session"] = True  # outlives a kill of the plug-in's group
        try:
            return cls(subprocess.Popen(command, **options))
        except OSError as error:
            log.warning("underpaint: cannot start the cancel guard (%s); cancelling from the "
                        "progress bar will not stop the daemon job", error)
            return None

    def release(self) -> None:
        """The job is over: tell the watcher to exit without cancelling anything."""
        try:
            self.process.stdin.write(_DONE)
            self.process.stdin.close()
        except OSError:
            pass


def _watch(address: str, job_id: str) -> int:
    received = sys.stdin.buffer.read()  # returns when the plug-in closes the pipe or dies
    if received.startswith(_DONE):
        return 0
    import _vendor
    _vendor.activate()
    from underpaint_kit import UnderpaintError, connect_daemon
    try:
        connect_daemon(address, timeout=10.0).cancel(job_id)
    except UnderpaintError as error:
        print(f"underpaint: could not cancel job {job_id}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if len(sys.argv) != 3:
        print("usage: cancel_guard.py HOST:PORT JOB_ID", file=sys.stderr)
        sys.exit(2)
    sys.exit(_watch(sys.argv[1], sys.argv[2]))
