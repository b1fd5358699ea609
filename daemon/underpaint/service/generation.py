"""The Underpaint service: info, models, samplers and jobs."""

from __future__ import annotations

import asyncio
import logging
import platform
import time
import uuid
from collections import OrderedDict

import psutil

from .. import PROTOCOL_MAJOR, PROTOCOL_MINOR, __version__
from ..errors import InvalidArgument, NotFound, ResourceExhausted
from ..jobs.job import Job
from ..jobs.live import LiveSessions, check_session
from ..jobs.queue import JobQueue
from ..jobs.request import Limits, resolve
from ..jobs.worker import Worker
from ..models.addons import add_addons_to
from ..models.sidecar import read_defaults
from ..pipelines import taesd
from ..policy import Policy
from ..policy.enforce import check_addons, check_request
from ..finishing.face_models import face_models
from ..finishing.upscale_models import upscaler_models
from .faces import add_face_models_to, add_upscalers_to, detect_faces
from ..v1 import underpaint_pb2 as pb

log = logging.getLogger("underpaint.service")

MAX_WAIT_MS = 30_000
KEEP_FINISHED_JOBS = 200          # finished jobs stay readable (reconnect, late PollEvents) ...
KEEP_FINISHED_SECONDS = 30 * 60   # ... for this long or until this many newer ones finished,
KEEP_FINISHED_BYTES = 1024**3     # ... and while their results and previews fit in this much memory
DEFAULT_MAX_QUEUE = 100           # jobs queued or running; `serve --max-queue`


class GenerationService:
    def __init__(self, cfg, registry, cache, *, limits: Limits, samplers: dict, default_sampler: str,
                 max_message_bytes: int, capabilities: list[str], addons=None, archive=None,
                 policy=None, cluster=None):
        self._cfg = cfg
        self._cluster = cluster  # cluster.ClusterDispatcher, or None: jobs run in this process
        self._registry = registry
        self._cache = cache
        self._limits = limits
        self._samplers = samplers
        self._default_sampler = default_sampler
        self._max_message_bytes = max_message_bytes
        self._capabilities = capabilities
        self._addons = addons  # models.addons.AddOnIndex: LoRAs, embeddings, VAEs
        self._archive = archive  # archive.ArchiveHooks: recorder, style expansion, option checks
        self._policy = policy or Policy()  # the content policy (policy/settings.py)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue = JobQueue()
        self._arrivals = 0
        self._workers: list[Worker] = []
        self._live = LiveSessions()
        self._max_queue = getattr(cfg, "max_queue", DEFAULT_MAX_QUEUE)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        # With a cluster, one worker thread per replica hands jobs out (dispatcher.runner_for).
        count, runner_for = (self._cluster.parallel_jobs, self._cluster.runner_for) if self._cluster else (1, None)
        self._workers = [Worker(self._queue, self._cache, loop, self._samplers, self._announce_positions,
                                recorder=self._archive.recorder if self._archive else None, runner_for=runner_for)
                         for _ in range(count)]
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        for worker in self._workers:
            worker.stop()

    async def shut_down(self, reason: str = "daemon shutting down", timeout: float = 30.0) -> None:
        """Ends every job with CANCELLED and `reason`, so each watcher is told before the
        transports close: queued ones at once, the running one within a step (it is waited for
        off the event loop, which must stay free to deliver its final event)."""
        for job in self._queue.waiting():
            job.cancel_reason = reason
            job.cancel_requested.set()
            if self._queue.remove(job):
                job.append(finished=pb.Finished(status=pb.JOB_STATUS_CANCELLED, message=reason))
        await asyncio.gather(*(asyncio.to_thread(w.stop, timeout, reason) for w in self._workers))
        await asyncio.sleep(0)  # the worker's last events were handed to the loop: let them land

    # --- information -------------------------------------------------------------------------

    async def get_info(self, request: pb.GetInfoRequest) -> pb.Info:
        from ..devices import device_name, memory_info

        device = self._cache.device
        total, free = await asyncio.to_thread(memory_info, device)
        vm = psutil.virtual_memory()
        return pb.Info(
            daemon_version=__version__, protocol_major=PROTOCOL_MAJOR, protocol_minor=PROTOCOL_MINOR,
            device=device, device_name=device_name(device) or platform.processor(),
            device_memory_total=total, device_memory_free=free,
            system_memory_total=vm.total, system_memory_available=vm.available,
            models_dir=str(self._cfg.models_dir), data_dir=str(self._cfg.data_dir),
            config_dir=str(self._cfg.config_dir),
            demo_only=all(e.is_demo for e in self._registry.entries),
            queue_length=sum(1 for j in self._jobs.values() if not j.done),
            max_message_bytes=self._max_message_bytes,
            max_canvas_pixels=self._limits.max_canvas_pixels,
            max_generation_pixels=self._limits.max_generation_pixels,
            capabilities=self._capabilities,
            policy=pb.PolicySummary(image_check=self._policy.image_check, locked=self._policy.locked,
                                    blocked_terms=len(self._policy.blocklist), source=self._policy.source),
            workers=await self._worker_infos(device))

    async def _worker_infos(self, device: str) -> list[pb.WorkerInfo]:
        """Where jobs run: the cluster's replicas, or this process."""
        if self._cluster is not None:
            return await asyncio.to_thread(self._cluster.workers)
        from ..devices import device_name

        running = sum(1 for w in self._workers if w.current is not None)
        return [pb.WorkerInfo(id="local", device=device, device_name=device_name(device) or platform.processor(),
                              loaded_models=self._cache.loaded_ids(), queue_length=running,
                              state="busy" if running else "ready")]

    async def list_models(self, request: pb.ListModelsRequest) -> pb.ListModelsResponse:
        if request.rescan:
            await asyncio.to_thread(self._registry.scan)
            if self._addons is not None:
                await asyncio.to_thread(self._addons.scan)
            await asyncio.to_thread(face_models().scan)
            await asyncio.to_thread(upscaler_models().scan)
        loaded = set(self._cache.loaded_ids())  # a snapshot: never waits for a model load
        defaults = await asyncio.to_thread(lambda: {e.id: read_defaults(e, self._samplers) for e in self._registry.entries})
        models = [pb.Model(id=e.id, display_name=e.display_name, architecture=e.architecture,
                           native_width=e.native_width, native_height=e.native_height, kind=e.kind,
                           is_demo=e.is_demo, path=str(e.path), loaded=e.id in loaded,
                           size_multiple=e.size_multiple, description=e.description,
                           defaults=defaults[e.id].to_pb(pb))
                  for e in self._registry.entries]
        unusable = [pb.UnusableFile(id=u.id, path=str(u.path), reason=u.reason) for u in self._registry.unusable]
        response = pb.ListModelsResponse(models=models, default_model=self._registry.default_id or "",
                                         unusable=unusable)
        add_face_models_to(response)
        add_upscalers_to(response)
        for decoder_id, family, folder in taesd.installed():  # previews that look like the result
            response.add_ons.add(id=decoder_id, type="vae_approx", architecture=family, path=str(folder),
                                 display_name=decoder_id.upper(), description="TAESD: progress previews")
        if self._addons is not None:
            add_addons_to(response, self._addons)  # add-ons, and add-on files that cannot be used
        return response

    async def list_samplers(self, request: pb.ListSamplersRequest) -> pb.ListSamplersResponse:
        return pb.ListSamplersResponse(
            samplers=[pb.Sampler(id=k, display_name=v) for k, v in self._samplers.items()],
            default_sampler=self._default_sampler)

    # --- jobs --------------------------------------------------------------------------------

    async def submit(self, request: pb.GenerateRequest) -> pb.Job:
        check_session(request.live_session)
        self._check_queue_room()  # before decoding: a full queue costs the daemon nothing more
        if self._archive is not None:  # styles expanded, archive options checked: before queuing
            request = await asyncio.to_thread(self._archive.prepare, request)
        # The content policy checks the request as it will run (styles expanded), before queuing;
        # off the loop: a 10k-character prompt takes tens of milliseconds to fold and match.
        image_check = await asyncio.to_thread(check_request, self._policy, request)
        # Decoding and canvas planning touch every pixel: keep them off the event loop.
        resolved = await asyncio.to_thread(resolve, request, self._registry, self._samplers,
                                           self._default_sampler, self._limits, self._addons,
                                           self._cfg.allow_pickle, self._archive.store if self._archive else None)
        check_addons(self._policy, resolved.addons)
        resolved.image_check = image_check
        self._check_queue_room()  # others may have been queued while this one was decoded
        self._arrivals += 1
        job = Job(id=uuid.uuid4().hex[:16], request=resolved, priority=request.priority,
                  arrival=self._arrivals)
        self._prune()
        self._jobs[job.id] = job
        self._queue.put(job)
        position = self._queue.position(job)
        job.append(queued=pb.Queued(position=position))
        if request.live_session and self._live.replace(request.live_session, job, self._queue):
            position = self._queue.position(job)  # the superseded job may have been ahead
        self._announce_positions(None)  # jobs behind a higher-priority newcomer moved back
        log.info("job %s queued at %d: %s %dx%d x%d (%s)", job.id, position, resolved.model.id,
                 resolved.width, resolved.height, resolved.count, request.client or "unknown client")
        return pb.Job(id=job.id, queue_position=position, seed=resolved.seed)

    async def watch(self, request: pb.WatchRequest):
        job = self._job(request.job_id)
        seq = max(request.after_seq, 0)
        while True:
            for event in job.events_after(seq):
                seq = event.seq
                yield event
            if job.done and seq >= len(job.events):
                return
            await job.wait_for_event_after(seq, None)

    async def poll_events(self, request: pb.PollEventsRequest) -> pb.PollEventsResponse:
        job = self._job(request.job_id)
        if request.wait_ms < 0:
            raise InvalidArgument("wait_ms", "must be 0 or more")
        wait = min(request.wait_ms, MAX_WAIT_MS) / 1000
        seq = max(request.after_seq, 0)
        if wait and len(job.events) <= seq:
            await job.wait_for_event_after(seq, wait)
        events = job.events_after(seq)
        done = job.done and (not job.events or seq + len(events) >= len(job.events))
        return pb.PollEventsResponse(events=events, done=done)

    async def cancel(self, request: pb.CancelRequest) -> pb.CancelResponse:
        job = self._job(request.job_id)
        if not job.done:
            job.cancel_requested.set()
            if self._queue.remove(job):  # never started: report it now; the worker never sees it
                job.append(finished=pb.Finished(status=pb.JOB_STATUS_CANCELLED, message="cancelled"))
                self._announce_positions(None)
            log.info("job %s cancel requested", job.id)
        return pb.CancelResponse(status=job.status)

    async def echo(self, request: pb.Image) -> pb.Image:
        return request

    async def tokenize_prompt(self, request: pb.TokenizePromptRequest) -> pb.TokenizePromptResponse:
        from .tokenize import tokenize_prompt

        return await asyncio.to_thread(tokenize_prompt, request, self._registry, self._addons)

    async def detect_faces(self, request: pb.DetectFacesRequest) -> pb.DetectFacesResponse:
        return await asyncio.to_thread(detect_faces, request, self._limits.max_canvas_pixels)

    # --- helpers -----------------------------------------------------------------------------

    def _job(self, job_id: str) -> Job:
        if not job_id:
            raise InvalidArgument("job_id", "is empty")
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"job '{job_id}' is unknown (finished jobs are kept for "
                           f"{KEEP_FINISHED_SECONDS // 60} minutes)")
        return job

    def _check_queue_room(self) -> None:
        pending = sum(1 for j in self._jobs.values() if not j.done)
        if pending >= self._max_queue:
            raise ResourceExhausted(f"the queue is full: {pending} jobs are queued or running and the limit is "
                                    f"{self._max_queue} (`underpaint serve --max-queue`); submit again when "
                                    "some have finished")

    def _announce_positions(self, started: Job | None) -> None:
        """Tells every waiting job its new place in the queue (runs on the event loop)."""
        for position, job in enumerate(self._queue.waiting()):
            last = next((e.queued.position for e in reversed(job.events) if e.HasField("queued")), None)
            if last != position:
                job.append(queued=pb.Queued(position=position))

    def _prune(self) -> None:
        """Forgets the oldest finished jobs past the count, age or memory limits."""
        now = time.time()
        finished = [j for j in self._jobs.values() if j.done]
        excess = len(finished) - KEEP_FINISHED_JOBS
        held = sum(j.held_bytes() for j in finished)
        for job in finished:  # oldest first: the dict keeps submission order
            if excess > 0 or held > KEEP_FINISHED_BYTES or now - job.finished_at > KEEP_FINISHED_SECONDS:
                del self._jobs[job.id]
                excess -= 1
                held -= job.held_bytes()
