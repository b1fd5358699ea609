"""Inside a replica: one job run by the daemon's own runners, its events handed out as JobEvents.

No Ray here. The replica (replica.py) owns the threads; this module only adapts the runner's
JobContext so that events go to a callback instead of the front's event loop. What belongs to the
front (the content policy's image check, the archive) is left to it: results leave unchecked.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from ..errors import JobCancelled, ServiceError
from ..jobs.context import JobContext
from ..v1 import underpaint_pb2 as pb

log = logging.getLogger("underpaint.cluster.replica")


class ReplicaJob:
    """What a JobContext needs of a Job: id, request and the cancel flag the step callback checks."""

    def __init__(self, job_id: str, request) -> None:
        self.id = job_id
        self.request = request  # a jobs.request.ResolvedRequest, resolved (seed drawn) by the front
        self.cancel_requested = threading.Event()
        self.cancel_reason = "cancelled"
        self.superseded_by = ""


class ReplicaContext(JobContext):
    def __init__(self, job: ReplicaJob, cache, sampler_names: dict, send: Callable[[pb.JobEvent], None]):
        super().__init__(job, cache, loop=None, sampler_names=sampler_names, recorder=None)
        self._send = send

    def emit(self, **kind) -> None:
        self._send(pb.JobEvent(job_id=self.job.id, time=time.time(), **kind))

    def result(self, result: pb.Result) -> None:
        self.emit(result=result)  # the front checks it against the content policy and archives it


def run_job(job: ReplicaJob, cache, sampler_names: dict, send: Callable[[pb.JobEvent], None]) -> int:
    """Runs the job's runner; the last event sent is always Finished. Returns its status."""
    from ..jobs.runners import runner_for

    ctx = ReplicaContext(job, cache, sampler_names, send)
    started = time.time()
    try:
        ctx.check_cancelled()
        runner_for(job.request.request.type)(ctx)
        status, message = pb.JOB_STATUS_SUCCEEDED, ""
    except JobCancelled:
        status, message = pb.JOB_STATUS_CANCELLED, job.cancel_reason
    except ServiceError as exc:
        status, message = pb.JOB_STATUS_FAILED, exc.message
    except Exception as exc:  # the replica must keep serving whatever a pipeline throws
        log.exception("job %s failed", job.id)
        status, message = pb.JOB_STATUS_FAILED, f"{type(exc).__name__}: {exc}"
    ctx.emit(finished=pb.Finished(status=status, message=message, elapsed=time.time() - started))
    return status
