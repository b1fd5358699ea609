"""The workers board: a small Ray actor where replicas say who they are and what they hold.

Serve routes a handle call to *some* replica, so the front cannot ask each one in turn; instead
every replica reports here (on start, around each job, and on a heartbeat) and GetInfo reads one
snapshot. A replica whose heartbeat stops is shown as "dead", then forgotten.
"""

from __future__ import annotations

import time

BOARD_NAME = "underpaint-workers"
HEARTBEAT_S = 3.0
DEAD_AFTER_S = 4 * HEARTBEAT_S
FORGET_AFTER_S = 120.0


class WorkersBoard:
    """Plain class; cluster/connect.py makes it a Ray actor (so importing this needs no Ray)."""

    def __init__(self) -> None:
        self._workers: dict[str, dict] = {}

    def report(self, worker_id: str, info: dict) -> None:
        entry = self._workers.get(worker_id, {})
        if entry.get("state") == "dead":
            return  # the front saw it die mid-job: a late heartbeat must not revive it
        entry.update(info, id=worker_id, seen=time.time())
        self._workers[worker_id] = entry

    def mark_dead(self, worker_id: str) -> None:
        if worker_id in self._workers:
            self._workers[worker_id].update(state="dead", queue_length=0)

    def forget(self, worker_id: str) -> None:
        self._workers.pop(worker_id, None)

    def snapshot(self) -> list[dict]:
        now = time.time()
        for worker_id, entry in list(self._workers.items()):
            if now - entry["seen"] > FORGET_AFTER_S:
                del self._workers[worker_id]
            elif now - entry["seen"] > DEAD_AFTER_S:
                entry.update(state="dead", queue_length=0)
        return sorted((dict(e) for e in self._workers.values()), key=lambda e: e["id"])
