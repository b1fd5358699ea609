"""Small helpers for the daemon tests: run a job to its end over real gRPC."""

from __future__ import annotations

import numpy as np

from underpaint.v1 import underpaint_pb2 as pb


def run_job(client, request: pb.GenerateRequest):
    """Submits and watches one job; returns (job, events, results, finished)."""
    job = client.submit(request)
    events = list(client.watch(job.id))
    results = [e.result for e in events if e.HasField("result")]
    finished = events[-1].finished
    return job, events, results, finished


def pixels(image: pb.Image) -> np.ndarray:
    channels = {pb.PIXEL_FORMAT_RGB8: 3, pb.PIXEL_FORMAT_GRAY8: 1}.get(image.format, 4)
    return np.frombuffer(image.data, np.uint8).reshape(image.height, image.width, channels)


def rgba_image(arr: np.ndarray) -> pb.Image:
    h, w = arr.shape[:2]
    if arr.shape[2] == 3:
        arr = np.concatenate([arr, np.full((h, w, 1), 255, np.uint8)], axis=2)
    return pb.Image(width=w, height=h, format=pb.PIXEL_FORMAT_RGBA8, data=np.ascontiguousarray(arr).tobytes())


def gray_image(arr: np.ndarray) -> pb.Image:
    h, w = arr.shape
    return pb.Image(width=w, height=h, format=pb.PIXEL_FORMAT_GRAY8, data=np.ascontiguousarray(arr).tobytes())


def request(**fields) -> pb.GenerateRequest:
    base = dict(prompt="a red fox in snow", width=64, height=64, steps=4, seed=1234, client="tests")
    base.update(fields)
    return pb.GenerateRequest(**base)
