"""Archives each Result as a job emits it (on the worker thread), and stamps its archive_id.

Every job type reports its images through JobContext.result, so archiving happens in one place.
A failure to archive never fails the job: the Result says so in its note instead.
"""

from __future__ import annotations

import io
import logging

import numpy as np
from PIL import Image as PILImage

from .. import images
from ..errors import ServiceError
from ..v1 import underpaint_pb2 as pb
from .store import ArchiveStore, NewEntry

log = logging.getLogger("underpaint.archive")

THUMBNAIL_SIDE = 256
KNOWN_HOSTS = ("krita", "gimp", "blender", "photoshop", "cli")


def thumbnail(rgba: np.ndarray) -> bytes:
    """A WebP (lossy, alpha kept) whose longest side is at most THUMBNAIL_SIDE."""
    pil = PILImage.fromarray(rgba, "RGBA")
    pil.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), PILImage.Resampling.BILINEAR)
    buf = io.BytesIO()
    pil.save(buf, "WEBP", quality=80, method=0)
    return buf.getvalue()


def host_of(request: pb.GenerateRequest) -> str:
    """ArchiveOptions.host, else the first word of `client` when it names a known host."""
    if request.archive.host:
        return request.archive.host
    first = (request.client.split() or [""])[0].lower()
    return first if first in KNOWN_HOSTS else ""


class Recorder:
    def __init__(self, store: ArchiveStore | None, enabled: bool = True, on_archived=None):
        self.store = store
        self.enabled = enabled and store is not None
        self._on_archived = on_archived or (lambda: None)  # e.g. wake the CLIP indexer

    def record(self, job_id: str, request: pb.GenerateRequest, result: pb.Result, max_pixels: int) -> None:
        """Archives `result` unless archiving is off (daemon-wide, or ArchiveOptions.skip). Live
        painting frames are not archived: one per stroke would push real work out of the budget."""
        if not self.enabled or request.archive.skip or request.live_session or not result.HasField("image"):
            return
        try:
            rgba = images.decode(result.image, "result.image", 4, max_pixels)
            h, w = rgba.shape[:2]
            options = request.archive
            entry = NewEntry(parameters=result.parameters, host=host_of(request), document=options.document,
                             parent_id=options.parent_id, job_id=job_id, x=result.x, y=result.y,
                             document_width=result.document_width, document_height=result.document_height)
            result.archive_id = self.store.add(w, h, np.ascontiguousarray(rgba).tobytes(), entry, thumbnail(rgba))
            self._on_archived()
        except ServiceError as exc:
            _note(result, f"not archived: {exc.message}")
        except Exception as exc:  # the image is made: never lose it over the archive
            log.exception("archiving a result of job %s failed", job_id)
            _note(result, f"not archived: {type(exc).__name__}: {exc}")


def _note(result: pb.Result, text: str) -> None:
    result.note = f"{result.note}; {text}" if result.note else text
