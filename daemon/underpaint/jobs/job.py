"""One job and its event log.

Every event is kept with its sequence number, so a client that loses its stream can come back
with the last seq it saw and miss nothing. Events are appended on the event loop only (the worker
thread hands them over with call_soon_threadsafe), so waiters need no locks.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

from ..v1 import underpaint_pb2 as pb

FINAL_STATUSES = (pb.JOB_STATUS_SUCCEEDED, pb.JOB_STATUS_FAILED, pb.JOB_STATUS_CANCELLED)


@dataclass
class Job:
    id: str
    request: object  # a jobs.request.ResolvedRequest
    priority: int
    arrival: int  # tie-breaker: equal priorities run first come, first served
    status: int = pb.JOB_STATUS_QUEUED
    events: list[pb.JobEvent] = field(default_factory=list)
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    superseded_by: str = ""  # live sessions: the newer job that replaced this one
    cancel_reason: str = "cancelled"  # the final event's message when cancel_requested stops it
    started_at: float = 0.0
    finished_at: float = 0.0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    def sort_key(self) -> tuple[int, int]:
        return (-self.priority, self.arrival)

    def append(self, **kind) -> pb.JobEvent:
        """Adds one event (queued=..., progress=..., ...); must run on the event loop."""
        if self.done:  # nothing follows the final event
            return self.events[-1]
        event = pb.JobEvent(job_id=self.id, seq=len(self.events) + 1, time=time.time(), **kind)
        self.events.append(event)
        if event.HasField("finished"):
            self.status = event.finished.status
            self.finished_at = time.time()
            self._drop_old_previews()
        elif event.HasField("started"):
            self.status = pb.JOB_STATUS_RUNNING
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        return event

    def held_bytes(self) -> int:
        """Image bytes this job's event log holds: results and step previews."""
        return sum(len(e.result.image.data) if e.HasField("result") else len(e.progress.preview.data)
                   for e in self.events)

    def _drop_old_previews(self) -> None:
        """Once a job has ended only its newest preview is worth keeping (a late poller shows it).

        Events are replaced by copies without their preview, never changed in place: a watcher
        may still be sending the original."""
        with_preview = [i for i, e in enumerate(self.events) if e.progress.HasField("preview")]
        for i in with_preview[:-1]:
            copy = pb.JobEvent()
            copy.CopyFrom(self.events[i])
            copy.progress.ClearField("preview")
            self.events[i] = copy

    def events_after(self, seq: int) -> list[pb.JobEvent]:
        return self.events[max(seq, 0):]

    async def wait_for_event_after(self, seq: int, timeout: float | None) -> bool:
        """Waits until an event with seq > `seq` exists (True) or the timeout passes (False)."""
        while len(self.events) <= seq:
            if self.done:
                return False
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), timeout)
            except asyncio.TimeoutError:
                return len(self.events) > seq
        return True
