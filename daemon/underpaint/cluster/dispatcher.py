"""The front's side of the cluster: hands GENERATE jobs to replicas and brings their events home.

It plugs into the daemon at one seam: the job worker asks `runner_for(job_type)` which function
runs a job. Model jobs (GENERATE, EDIT, KEYFRAMES, FINISH, TRAIN_EMBEDDING) get `run_remote`, which
streams the job from a replica and re-emits its events through the front's JobContext (so the
content policy and the archive still apply here). A training replica writes the embedding into the
models folder, which every node has at the same path (docs/cluster.md); the front rescans its
add-on index when the job ends, so the new word works in the next prompt.

A replica that dies mid-job is retried once on another replica with the same resolved request
(the same seed, so the same pixels); the job's events say so with a "retrying" activity.
"""

from __future__ import annotations

import dataclasses
import logging
import threading

from ..errors import JobCancelled, ServiceError
from ..v1 import underpaint_pb2 as pb
from . import ClusterOptions

log = logging.getLogger("underpaint.cluster")

# Model jobs run on replicas, training too (the heavy work the cluster is for).
REMOTE_TYPES = (pb.JOB_TYPE_UNSPECIFIED, pb.JOB_TYPE_GENERATE, pb.JOB_TYPE_EDIT, pb.JOB_TYPE_KEYFRAMES,
                pb.JOB_TYPE_FINISH, pb.JOB_TYPE_TRAIN_EMBEDDING)
ATTEMPTS = 2  # the first try and one retry on another replica


class WorkerDied(Exception):
    def __init__(self, worker_id: str, detail: str):
        super().__init__(detail)
        self.worker_id = worker_id


class ClusterDispatcher:
    def __init__(self, options: ClusterOptions):
        self.options = options
        self._handle = None
        self._board = None
        self.max_replicas = 1
        self._local_lock = threading.Lock()  # front-side jobs share the front's one device

    @property
    def parallel_jobs(self) -> int:
        """How many jobs the front hands out at once: one per replica it may have."""
        return self.max_replicas

    def start(self, models_dir, allow_pickle: bool, samplers: dict) -> None:
        from . import connect

        self._handle, self._board, self.max_replicas = connect.start(self.options, models_dir, allow_pickle, samplers)

    def stop(self) -> None:
        from . import connect

        if self._handle is not None:
            self._handle = None
            connect.stop(self.options.address == "local")

    # --- the seam: which function runs a job ---------------------------------------------------

    def runner_for(self, job_type: int):
        if job_type in REMOTE_TYPES:
            return self.run_remote
        from ..jobs.runners import runner_for

        local = runner_for(job_type)

        def run_on_front(ctx) -> None:
            with self._local_lock:
                local(ctx)
        return run_on_front

    def run_remote(self, ctx) -> None:
        train = ctx.job.request.train
        if train is None:
            return self._run_remote(ctx)
        try:
            self._run_remote(ctx)
        finally:  # the replica saved the embedding (or a checkpoint on cancel): the front lists it
            train.addons.scan()

    def _run_remote(self, ctx) -> None:
        delivered: set[int] = set()  # result indices the client already has (a retry skips them)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._stream(ctx, delivered)
                return
            except WorkerDied as died:
                self._mark_dead(died.worker_id)
                log.warning("job %s: worker %s died mid-job (%s)", ctx.job.id, died.worker_id or "?", died)
                if attempt == ATTEMPTS:
                    raise ServiceError(f"the worker running this job stopped twice ({died.worker_id or 'unknown'} "
                                       f"last); the job was not finished") from None
                ctx.check_cancelled()
                ctx.activity("retrying", f"worker {died.worker_id or '?'} stopped mid-job; running the job again "
                             f"on another worker with the same seed", subject=died.worker_id)

    def _stream(self, ctx, delivered: set[int]) -> None:
        import ray
        from ray.serve.exceptions import RequestCancelledError

        job = ctx.job
        stream = self._handle.options(stream=True, multiplexed_model_id=job.request.model.id).run.remote(
            job.id, _portable(job.request))
        finished = threading.Event()

        def pass_cancel_on() -> None:  # the front's Cancel becomes a cancelled Serve request
            while not finished.is_set():
                if job.cancel_requested.wait(0.1):
                    stream.cancel()
                    return

        threading.Thread(target=pass_cancel_on, name=f"cancel-{job.id}", daemon=True).start()
        worker, ended = "", False
        try:
            for data in stream:
                event = pb.JobEvent.FromString(data)
                kind = event.WhichOneof("kind")
                if kind == "activity" and event.activity.kind == "worker":
                    worker = event.activity.subject
                if kind == "finished":
                    ended = True
                    return _raise_for(event.finished)
                if kind == "result":
                    if event.result.index not in delivered:
                        delivered.add(event.result.index)
                        ctx.result(event.result)
                elif kind is not None:
                    ctx.emit(**{kind: getattr(event, kind)})
            raise WorkerDied(worker, "the stream ended without a final event")
        except (RequestCancelledError, ray.exceptions.TaskCancelledError):
            if job.cancel_requested.is_set():
                raise JobCancelled() from None
            raise WorkerDied(worker, "the request was cancelled by the cluster") from None
        except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError) as exc:
            raise WorkerDied(worker or _actor_of(exc), str(exc).splitlines()[0]) from None
        finally:
            finished.set()
            if not ended:  # whatever stopped us here (a policy refusal, shutdown): the replica stops too
                try:
                    stream.cancel()
                except Exception:  # already over (its replica died): nothing left to stop
                    pass

    # --- what GetInfo shows ----------------------------------------------------------------------

    def _mark_dead(self, worker_id: str) -> None:
        if worker_id and self._board is not None:
            self._board.mark_dead.remote(worker_id)

    def workers(self, timeout: float = 2.0) -> list[pb.WorkerInfo]:
        import ray

        if self._board is None:
            return []
        try:
            entries = ray.get(self._board.snapshot.remote(), timeout=timeout)
        except Exception as exc:  # GetInfo must answer even while the cluster is unwell
            log.warning("cluster: cannot read the workers board: %s", exc)
            return [pb.WorkerInfo(id="cluster", state="unreachable")]
        return [pb.WorkerInfo(id=e["id"], device=e.get("device", ""), device_name=e.get("device_name", ""),
                              loaded_models=e.get("loaded_models", []), queue_length=e.get("queue_length", 0),
                              state=e.get("state", "starting"))
                for e in entries]


def _portable(resolved):
    """The resolved request as a replica gets it: a training spec without the front's add-on
    index (a live object with a lock; the front rescans it itself when the job ends)."""
    if resolved.train is None:
        return resolved
    return dataclasses.replace(resolved, train=dataclasses.replace(resolved.train, addons=None))


def _raise_for(finished: pb.Finished) -> None:
    if finished.status == pb.JOB_STATUS_SUCCEEDED:
        return
    if finished.status == pb.JOB_STATUS_CANCELLED:
        raise JobCancelled()
    raise ServiceError(finished.message)


def _actor_of(exc) -> str:
    """'ip:pid' of the dead replica as the error describes it (when it never said who it was)."""
    text = str(exc)
    fields = dict(line.strip().split(": ", 1) for line in text.splitlines() if ": " in line.strip())
    return f"{fields['ip']}:{fields['pid']}" if "ip" in fields and "pid" in fields else ""
