"""The GPU worker: one thread that takes jobs off the queue and runs them one at a time.

It never touches job state directly; it hands events to the event loop, which owns every Job.
Cancel is a flag checked between denoising steps, so it takes effect within one step. What a job
does depends on its type: jobs/runners/ has one runner per JobType.
"""

from __future__ import annotations

import logging
import threading
import time

from ..errors import JobCancelled, ServiceError
from ..v1 import underpaint_pb2 as pb
from .context import JobContext
from .job import Job
from .live import superseded_message
from .queue import JobQueue

log = logging.getLogger("underpaint.worker")


class Worker:
    def __init__(self, queue: JobQueue, cache, loop, sampler_names: dict, on_job_started=None, recorder=None,
                 runner_for=None):
        self._queue = queue
        self._runner_for = runner_for  # None: runners.runner_for; a cluster front passes its dispatcher's
        self._cache = cache
        self._loop = loop
        self._sampler_names = sampler_names
        self._on_job_started = on_job_started or (lambda job: None)
        self._recorder = recorder
        self._thread = threading.Thread(target=self._run, name="underpaint-worker", daemon=True)
        self.current: Job | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0, reason: str = "cancelled") -> None:
        """Blocks until the running job has ended (within one step) or `timeout` passes."""
        self._queue.close()
        current = self.current
        if current is not None:
            current.cancel_reason = reason
            current.cancel_requested.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            self.current = job
            try:
                self._execute(job)
            finally:
                self.current = None

    def _execute(self, job: Job) -> None:
        from .runners import runner_for

        runner_for = self._runner_for or runner_for
        ctx = JobContext(job, self._cache, self._loop, self._sampler_names, self._recorder)
        job.started_at = time.time()
        self._loop.call_soon_threadsafe(self._on_job_started, job)
        ctx.emit(started=pb.Started(model=job.request.model.id, device=self._cache.device))
        try:
            ctx.check_cancelled()
            runner_for(job.request.request.type)(ctx)
            status, message = pb.JOB_STATUS_SUCCEEDED, ""
        except JobCancelled:
            status, message = pb.JOB_STATUS_CANCELLED, superseded_message(job) if job.superseded_by else job.cancel_reason
        except ServiceError as exc:
            status, message = pb.JOB_STATUS_FAILED, exc.message
        except Exception as exc:  # the daemon must keep serving whatever a pipeline throws
            log.exception("job %s failed", job.id)
            status, message = pb.JOB_STATUS_FAILED, f"{type(exc).__name__}: {exc}"
        elapsed = time.time() - job.started_at
        log.info("job %s %s in %.2fs", job.id, pb.JobStatus.Name(status), elapsed)
        ctx.emit(finished=pb.Finished(status=status, message=message, elapsed=elapsed))
