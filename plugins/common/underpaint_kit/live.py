"""Live painting from a host: call `canvas_changed` on every canvas change; the newest canvas
is sent once the user pauses, and its result comes back to be placed like any canvas result.

Debounced and event-driven: one thread sleeps on a condition until a change arrives, then until
`debounce_s` passes without another one (each change restarts the wait); nothing polls. Every
request carries the session id, so the daemon keeps only the newest per session: the job it
replaces stops at its next step. A result older than one already delivered is dropped.

    session = LiveSession(daemon, "doc-42", on_result=place_layer)
    canvas.changed.connect(lambda: session.canvas_changed(read_canvas_request))
    ...
    session.close()

`build` is called on the session's thread after the pause, so pixels are read once per pause,
not once per stroke; a host whose API must be called on its UI thread marshals inside `build`.
It returns a GenerateRequest (usually a canvas request with a few-step sampler) or None to skip.
"""

from __future__ import annotations

import logging
import threading
import time

from .jobs import JobRunner

log = logging.getLogger("underpaint_kit")

DEFAULT_DEBOUNCE_S = 0.15


class LiveSession:
    def __init__(self, daemon, session: str, on_result, on_finished=None, on_progress=None,
                 debounce_s: float = DEFAULT_DEBOUNCE_S, priority: int = 10):
        if not session:
            raise ValueError("LiveSession: session must name the document, e.g. its path or id")
        self.daemon = daemon
        self.session = session
        self.on_result = on_result        # (pb.Result) on a kit thread; place it via the host's UI thread
        self.on_finished = on_finished    # (JobOutcome) for every job sent, superseded ones included
        self.on_progress = on_progress    # (step, total, preview pb.Image | None) of the jobs in flight
        self.debounce_s = debounce_s
        self.priority = priority          # live jobs go ahead of batch work by default
        self.sent = 0                     # requests sent so far
        self._cond = threading.Condition()
        self._build = None
        self._due = 0.0
        self._closed = False
        self._newest_delivered = 0
        self._runner: JobRunner | None = None
        self._thread = threading.Thread(target=self._loop, name="underpaint-live", daemon=True)
        self._thread.start()

    def canvas_changed(self, build) -> None:
        """Call from the host's change signal; cheap, never blocks on the daemon."""
        with self._cond:
            self._build = build
            self._due = time.monotonic() + self.debounce_s
            self._cond.notify()

    def flush(self) -> None:
        """Sends the pending change now (e.g. on pen-up) instead of after the pause."""
        with self._cond:
            self._due = time.monotonic()
            self._cond.notify()

    def close(self) -> None:
        """Stops the session: a pending change is dropped, the job in flight is cancelled."""
        with self._cond:
            self._closed = True
            self._build = None
            runner = self._runner
            self._cond.notify()
        if runner is not None:
            runner.cancel()

    # --- the session's thread -----------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (self._build is None or time.monotonic() < self._due):
                    self._cond.wait(None if self._build is None else max(self._due - time.monotonic(), 0))
                if self._closed:
                    return
                build, self._build = self._build, None
            try:
                request = build()
            except Exception:  # a host bug must not end the session
                log.exception("live session %s: building the request failed", self.session)
                continue
            if request is not None:
                self._send(request)

    def _send(self, request) -> None:
        request.live_session = self.session
        if not request.priority:
            request.priority = self.priority
        self.sent += 1
        number = self.sent
        runner = JobRunner(self.daemon, request, on_result=lambda r: self._deliver(number, r),
                           on_progress=self.on_progress, on_finished=self.on_finished)
        with self._cond:
            if self._closed:
                return
            self._runner = runner
        runner.start()

    def _deliver(self, number: int, result) -> None:
        with self._cond:
            if number < self._newest_delivered or self._closed:
                return  # an older canvas finished after a newer one: not worth showing
            self._newest_delivered = number
        JobRunner._fire(self.on_result, result)
