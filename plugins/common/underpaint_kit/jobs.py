"""Follows one job from submit to its final status and turns events into callbacks."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from .errors import DaemonNotRunning, UnderpaintError
from . import policy
from .protocol import pb

log = logging.getLogger("underpaint_kit")

_STATUS_NAMES = {pb.JOB_STATUS_SUCCEEDED: "succeeded", pb.JOB_STATUS_FAILED: "failed",
                 pb.JOB_STATUS_CANCELLED: "cancelled"}
# A long-poll that fails because the connection dropped is retried this many times in a row,
# this far apart (a daemon restarting its gateway, a laptop waking up).
_POLL_RETRIES = 3
_POLL_RETRY_DELAY_S = 0.5


@dataclass
class JobOutcome:
    status: str                       # "succeeded" | "failed" | "cancelled"
    message: str = ""                 # why it failed (artist-facing); on success the notices, if any
    results: list = field(default_factory=list)  # pb.Result, in arrival order
    job_id: str = ""
    seed: int = -1                    # the first seed the job used (-1 if never submitted)
    elapsed: float = 0.0              # seconds from start to finish, as the daemon measured
    withheld: list = field(default_factory=list)  # pb.Result the content policy withheld (no image)
    notices: list = field(default_factory=list)   # artist-facing lines: blurred or withheld images

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


class JobRunner:
    """Submits a request and long-polls its events; callbacks fire on the runner's thread.

    on_queued(position), on_started(), on_progress(step, total, preview pb.Image | None),
    on_result(pb.Result), on_finished(JobOutcome). A callback that raises is logged and the
    job goes on (a plugin bug must not leave a job unwatched)."""

    def __init__(self, daemon, request: pb.GenerateRequest, on_queued=None, on_started=None,
                 on_progress=None, on_result=None, on_finished=None, poll_wait_ms: int = 10000):
        self.daemon = daemon
        self.request = request
        self.on_queued = on_queued
        self.on_started = on_started
        self.on_progress = on_progress
        self.on_result = on_result
        self.on_finished = on_finished
        self.poll_wait_ms = poll_wait_ms
        self.job_id = ""
        self.outcome: JobOutcome | None = None
        self._lock = threading.Lock()
        self._cancel_requested = False
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "JobRunner":
        if self._thread is not None:
            raise RuntimeError("JobRunner.start: this runner was already started")
        self._thread = threading.Thread(target=self.run, name="underpaint-job", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Asks the daemon to cancel this job only. Never blocks the calling (UI) thread."""
        with self._lock:
            self._cancel_requested = True
            job_id = self.job_id
        if job_id and not self._done.is_set():
            threading.Thread(target=self._send_cancel, args=(job_id,), daemon=True).start()

    def wait(self, timeout: float | None = None) -> JobOutcome:
        """Blocks until the job ended; raises TimeoutError when `timeout` seconds pass first."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"job {self.job_id or '(not submitted yet)'} still running "
                               f"after {timeout} s")
        return self.outcome

    def run(self) -> JobOutcome:
        """Submits and follows the job on the calling thread; returns the outcome."""
        try:
            outcome = self._follow()
        except UnderpaintError as error:
            outcome = JobOutcome("failed", policy.refusal_message(error) or str(error), job_id=self.job_id)
        except Exception as error:  # a kit bug must still end the job for the plugin
            log.exception("underpaint job runner failed")
            outcome = JobOutcome("failed", f"Internal error in the Underpaint plugin: {error}",
                                 job_id=self.job_id)
        self.outcome = outcome
        self._done.set()
        self._fire(self.on_finished, outcome)
        return outcome

    # --- internals ----------------------------------------------------------------------------

    def _follow(self) -> JobOutcome:
        job = self.daemon.submit(self.request)
        with self._lock:
            self.job_id = job.id
            cancel_now = self._cancel_requested
        if cancel_now:
            self._send_cancel(job.id)
        outcome = JobOutcome("failed", job_id=job.id, seed=job.seed)
        after_seq, failures = 0, 0
        while True:
            try:
                response = self.daemon.poll(job.id, after_seq, self.poll_wait_ms)
                failures = 0
            except DaemonNotRunning:
                failures += 1
                if failures > _POLL_RETRIES:
                    raise
                time.sleep(_POLL_RETRY_DELAY_S)
                continue
            for event in response.events:
                after_seq = max(after_seq, event.seq)
                if self._dispatch(event, outcome):
                    return outcome
            if response.done:
                outcome.message = outcome.message or "The daemon ended the job without a status."
                return outcome

    def _dispatch(self, event, outcome: JobOutcome) -> bool:
        """Fires the callback for one event; True when it was the final one."""
        kind = event.WhichOneof("kind")
        if kind == "queued":
            self._fire(self.on_queued, event.queued.position)
        elif kind == "started":
            self._fire(self.on_started)
        elif kind == "progress":
            progress = event.progress
            preview = progress.preview if progress.HasField("preview") else None
            self._fire(self.on_progress, progress.step, progress.total_steps, preview)
        elif kind == "result":
            notice = policy.result_notice(event.result)
            if notice:
                outcome.notices.append(notice)
            if not policy.has_image(event.result):  # withheld by the content policy: nothing to place
                outcome.withheld.append(event.result)
                return False
            outcome.results.append(event.result)
            self._fire(self.on_result, event.result)
        elif kind == "finished":
            finished = event.finished
            outcome.status = _STATUS_NAMES.get(finished.status, "failed")
            outcome.message = finished.message or " ".join(outcome.notices)
            outcome.elapsed = finished.elapsed
            return True
        return False

    def _send_cancel(self, job_id: str) -> None:
        try:
            self.daemon.cancel(job_id)
        except UnderpaintError as error:  # the poll loop reports the job's real end
            log.warning("cancelling job %s failed: %s", job_id, error)

    @staticmethod
    def _fire(callback, *args) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:
            log.exception("underpaint callback %r failed", callback)
