"""The GPU worker: one thread that takes jobs off the queue and runs them one at a time.

It never touches job state directly; it hands events to the event loop, which owns every Job.
Cancel is a flag checked between denoising steps, so it takes effect within one step.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from .. import images
from ..errors import JobCancelled, ServiceError
from ..infotext import format_infotext
from ..v1 import underpaint_pb2 as pb
from .job import Job
from .queue import JobQueue

log = logging.getLogger("underpaint.worker")


class Worker:
    def __init__(self, queue: JobQueue, cache, loop, sampler_names: dict, on_job_started=None):
        self._queue = queue
        self._cache = cache
        self._loop = loop
        self._sampler_names = sampler_names
        self._on_job_started = on_job_started or (lambda job: None)
        self._thread = threading.Thread(target=self._run, name="underpaint-worker", daemon=True)
        self.current: Job | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.close()
        if self.current is not None:
            self.current.cancel_requested.set()
        self._thread.join(timeout)

    def _emit(self, job: Job, **kind) -> None:
        self._loop.call_soon_threadsafe(functools.partial(job.append, **kind))

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            self.current = job
            try:
                self._execute(job)
            finally:
                self.current = None

    def _execute(self, job: Job) -> None:
        r = job.request
        job.started_at = time.time()
        self._loop.call_soon_threadsafe(self._on_job_started, job)
        self._emit(job, started=pb.Started(model=r.model.id, device=self._cache.device))
        try:
            if job.cancel_requested.is_set():
                raise JobCancelled()
            loaded = self._cache.get(r.model)
            for index in range(r.count):
                self._run_one(job, loaded, index)
            status, message = pb.JOB_STATUS_SUCCEEDED, ""
        except JobCancelled:
            status, message = pb.JOB_STATUS_CANCELLED, "cancelled"
        except ServiceError as exc:
            status, message = pb.JOB_STATUS_FAILED, exc.message
        except Exception as exc:  # the daemon must keep serving whatever a pipeline throws
            log.exception("job %s failed", job.id)
            status, message = pb.JOB_STATUS_FAILED, f"{type(exc).__name__}: {exc}"
        elapsed = time.time() - job.started_at
        log.info("job %s %s in %.2fs", job.id, pb.JobStatus.Name(status), elapsed)
        self._emit(job, finished=pb.Finished(status=status, message=message, elapsed=elapsed))

    def _run_one(self, job: Job, loaded, index: int) -> None:
        from ..pipelines.generate import GenerationSpec, run_generation  # torch: import lazily

        r = job.request
        seed = r.seed + index
        spec = GenerationSpec(
            prompt=r.prompt, negative_prompt=r.negative_prompt, width=r.width, height=r.height,
            steps=r.steps, guidance=r.guidance, sampler=r.sampler, tiling=r.tiling,
            init_image=r.init_image, strength=r.strength, mask=r.mask,
            preview_max_size=r.preview_max_size)

        def on_step(done: int, total: int, preview) -> None:
            if job.cancel_requested.is_set():
                raise JobCancelled()
            progress = pb.Progress(step=index * total + done, total_steps=total * r.count, image_index=index)
            if preview is not None:
                progress.preview.CopyFrom(images.encode(preview, pb.PIXEL_FORMAT_RGBA8))
            self._emit(job, progress=progress)

        rgb = run_generation(loaded, spec, seed, on_step)
        self._emit(job, result=self._result(job, loaded, index, seed, rgb))

    def _result(self, job: Job, loaded, index: int, seed: int, rgb) -> pb.Result:
        r = job.request
        sampler = self._sampler_names.get(r.sampler, r.sampler)
        model_hash = getattr(loaded, "model_hash", "") or ""
        infotext = format_infotext(r.prompt, r.negative_prompt, steps=r.steps, sampler=sampler,
                                   guidance=r.guidance, seed=seed, width=r.width, height=r.height,
                                   model=r.model.display_name, model_hash=model_hash,
                                   strength=r.strength, tiling=r.tiling)
        params = pb.GenerationParameters(
            prompt=r.prompt, negative_prompt=r.negative_prompt, model=r.model.id, model_hash=model_hash,
            width=r.width, height=r.height, steps=r.steps, guidance=r.guidance, seed=seed,
            sampler=r.sampler, strength=r.strength or 0.0, tiling=r.tiling, infotext=infotext)
        result = pb.Result(index=index, seed=seed, parameters=params)
        if r.canvas is None:
            result.image.CopyFrom(images.encode(rgb, r.output_format))
            return result
        from ..canvas import compose_result

        plan = r.canvas
        rgba = compose_result(plan, rgb)
        result.image.CopyFrom(images.encode(rgba, r.output_format))
        result.x, result.y = plan.x, plan.y
        result.document_width, result.document_height = plan.document_width, plan.document_height
        result.offset_x, result.offset_y = plan.offset_x, plan.offset_y
        return result
