"""What a job runner sees while it works: its request, the models, and ways to report.

Runners (jobs/runners/) run on the worker thread. They never touch the Job itself: every event
goes through here to the event loop, which owns the job's log.
"""

from __future__ import annotations

import functools

from .. import images
from ..errors import JobCancelled
from ..policy.results import check_result, preview_for
from ..v1 import underpaint_pb2 as pb
from .job import Job

_ARCHIVE_MAX_PIXELS = 1 << 30  # results are the daemon's own images: any size it made is fine


class JobContext:
    def __init__(self, job: Job, cache, loop, sampler_names: dict, recorder=None):
        self.job = job
        self.recorder = recorder  # archive.recorder.Recorder, or None: nothing is archived
        self.request = job.request  # a jobs.request.ResolvedRequest
        self.cache = cache
        self.sampler_names = sampler_names
        self._loop = loop
        self._annotations: dict[int, dict] = {}

    def annotations(self, index: int) -> dict:
        """Facts finishing steps leave about image `index` for its Result (finishing.annotate_result)."""
        return self._annotations.setdefault(index, {})

    def emit(self, **kind) -> None:
        self._loop.call_soon_threadsafe(functools.partial(self.job.append, **kind))

    def check_cancelled(self) -> None:
        """Raises JobCancelled when the job's cancel was asked for; call it between units of work."""
        if self.job.cancel_requested.is_set():
            raise JobCancelled()

    def load_model(self, entry=None):
        """The loaded model for `entry` (default: the request's), loading it when needed. A load
        is part of the job: its clients see loading_model activities, and a cancel stops it
        between two components."""
        entry = entry or self.request.model

        def loading(fraction: float, message: str) -> None:
            self.activity("loading_model", message, fraction, subject=entry.id)
            if fraction < 1.0:
                self.check_cancelled()

        return self.cache.get(entry, progress=loading)

    def progress(self, step: int, total: int, image_index: int = 0, preview=None, **extra) -> None:
        progress = pb.Progress(step=step, total_steps=total, image_index=image_index, **extra)
        if preview is not None:
            preview = preview_for(preview, self.image_check)  # unchecked images show only as blocks
            progress.preview.CopyFrom(images.encode(preview, pb.PIXEL_FORMAT_RGBA8))
        self.emit(progress=progress)

    def activity(self, kind: str, message: str, fraction: float = -1.0, subject: str = "") -> None:
        self.emit(activity=pb.Activity(kind=kind, message=message, fraction=fraction, subject=subject))

    @property
    def image_check(self) -> str:
        return getattr(self.request, "image_check", "off")

    def result(self, result: pb.Result) -> None:
        """Sends one finished image: the content policy's image check first (it may blur or withhold
        it, and only what a client may see is archived), then archives it, so the Result carries
        its archive_id."""
        check_result(self, result, self.image_check)
        if not result.parameters.styles and self.job.request.request.styles:
            result.parameters.styles.extend(self.job.request.request.styles)
        if self.recorder is not None:
            self.recorder.record(self.job.id, self.job.request.request, result, _ARCHIVE_MAX_PIXELS)
        self.emit(result=result)
