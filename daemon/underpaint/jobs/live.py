"""Live painting sessions: only the newest request of a session is worth finishing.

A host sends its canvas on every change with the same `live_session` (one per document). Each
newcomer supersedes the session's previous job: a queued one is dropped before it starts, a
running one stops at its next step (the worker's ordinary cancel path). Either way the old job
tells its watchers why: an Activity "superseded", then Finished CANCELLED "superseded by job X".
Runs on the event loop only, like every other change to a job's log.
"""

from __future__ import annotations

from ..errors import InvalidArgument
from ..v1 import underpaint_pb2 as pb
from .job import Job

MAX_SESSION_CHARS = 200
SUPERSEDED = "superseded"


def check_session(session: str) -> None:
    if len(session) > MAX_SESSION_CHARS:
        raise InvalidArgument("live_session", f"is {len(session)} characters; the limit is {MAX_SESSION_CHARS}")


def superseded_message(job: Job) -> str:
    return f"superseded by job {job.superseded_by}"


class LiveSessions:
    """session -> its newest job."""

    def __init__(self) -> None:
        self._newest: dict[str, Job] = {}

    def replace(self, session: str, newcomer: Job, queue) -> Job | None:
        """Makes `newcomer` the session's job; supersedes the previous one if it has not ended.
        Returns the superseded job, if any."""
        previous = self._newest.get(session)
        self._newest[session] = newcomer
        self._forget_ended()
        if previous is None or previous.done:
            return None
        previous.superseded_by = newcomer.id
        previous.cancel_requested.set()  # a running job stops at its next step
        previous.append(activity=pb.Activity(kind=SUPERSEDED, message=f"a newer canvas arrived (job {newcomer.id})",
                                             fraction=-1.0, subject=newcomer.id))
        if queue.remove(previous):  # never started: it ends here, the worker never sees it
            previous.append(finished=pb.Finished(status=pb.JOB_STATUS_CANCELLED, message=superseded_message(previous)))
        return previous

    def _forget_ended(self) -> None:
        for session in [s for s, job in self._newest.items() if job.done]:
            del self._newest[session]
