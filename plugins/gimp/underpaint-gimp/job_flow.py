"""Following a daemon job and placing its results: the part every painting procedure shares.

Works on any `document` with GimpDocument's methods and any `progress` with GimpProgress's, so
it runs unchanged in GIMP and in the tests. GIMP's API is not thread-safe: the kit's job runner
follows the job on its own thread and only queues events; every document and progress call
happens here, on the plug-in's main thread.
"""

from __future__ import annotations

import queue
import sys

import _vendor

_vendor.activate()

from underpaint_kit import JobRunner  # noqa: E402

from cancel_guard import CancelGuard  # noqa: E402
from operation_errors import OperationCancelled, OperationError  # noqa: E402


def follow_job(daemon, request, progress, title: str, frames: int = 1):
    """Runs the job to its end, showing progress; returns the kit's JobOutcome.

    frames > 1 (keyframes): the bar runs over all frames and the text says which frame is done.
    While the job runs a CancelGuard watches the plug-in: if GIMP kills it (the progress bar's
    cancel button), the guard cancels this job on the daemon."""
    events = queue.Queue()
    runner = JobRunner(
        daemon, request,
        on_queued=lambda position: events.put(("queued", position)),
        on_started=lambda: events.put(("started",)),
        on_progress=lambda step, total, _preview: events.put(("progress", step, total)),
        on_result=lambda result: events.put(("result", result)),
        on_finished=lambda outcome: events.put(("finished", outcome)))
    progress.start(f"{title}: sending to the daemon")
    runner.start()
    guard, done = None, 0
    try:
        while True:
            if guard is None and runner.job_id:
                guard = CancelGuard.launch(daemon.address, runner.job_id)
                print(f"underpaint: job {runner.job_id} submitted", file=sys.stderr, flush=True)
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                continue
            kind = event[0]
            if kind == "queued":
                progress.text(f"{title}: waiting, {event[1]} job(s) ahead")
            elif kind == "started":
                progress.text(f"{title}: painting" + (f" frame 1 of {frames}" if frames > 1 else ""))
            elif kind == "progress" and event[2] > 0:
                progress.update((min(done, frames - 1) + min(event[1] / event[2], 1.0)) / frames)
            elif kind == "result" and frames > 1:
                done += 1
                progress.update(done / frames)
                following = f", painting frame {done + 1}" if done < frames else ""
                progress.text(f"{title}: frame {done} of {frames} done{following}")
            elif kind == "finished":
                return event[1]
    finally:
        if guard is not None:
            guard.release()
        progress.end()


def results_of(outcome) -> list:
    """The outcome's results; raises when there are none (cancelled, failed)."""
    if not outcome.results:
        if outcome.status == "cancelled":
            raise OperationCancelled("The Underpaint job was cancelled.")
        raise OperationError(outcome.message or f"The Underpaint job ended: {outcome.status}.")
    return outcome.results


def check_complete(outcome, placed: int) -> None:
    """Some images made it before the job stopped: they are kept; say why the rest did not."""
    if outcome.status != "succeeded":
        raise OperationError(f"Only {placed} image(s) were made: {outcome.message or outcome.status}")


def place_results(document, results, title: str, offset=(0, 0), scale_image: bool = False,
                  on_top: bool = False, names=None) -> list:
    """Adds each result as a layer at its offset (plus `offset`, for a job that was sent pixels
    read there rather than a canvas); one undo step for all of it. When the daemon's document
    size differs from the image's, the canvas grows first (expand) or, with scale_image, the
    image is scaled to it (upscale). Returns the new layers."""
    layers = []
    with document.undo_group():
        first = results[0]
        new_size = (first.document_width, first.document_height)
        if all(new_size) and new_size != tuple(document.size()):
            if scale_image:
                document.scale_image(*new_size)
            else:
                document.resize_canvas(*new_size, first.offset_x, first.offset_y)
        for n, result in enumerate(results):
            image = result.image
            if len(image.data) != image.width * image.height * 4:
                raise OperationError(f"result {result.index}: expected RGBA8 pixels from the "
                                     "daemon, got another format")
            name = names[n] if names else f"{title} {result.index + 1} (seed {result.seed})"
            layers.append(document.add_layer(name, result.x + offset[0], result.y + offset[1], image.width,
                                             image.height, image.data, on_top=on_top))
    document.flush_displays()
    return layers
