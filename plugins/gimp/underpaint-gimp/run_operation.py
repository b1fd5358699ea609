"""One procedure call from arguments to layers: read, submit, follow, place.

Works on any `document` with GimpDocument's methods and any `progress` with GimpProgress's,
so it runs unchanged in GIMP and in the tests. GIMP's API is not thread-safe: the kit's job
runner follows the job on its own thread and only queues events; every document and progress
call happens here, on the plug-in's main thread.
"""

from __future__ import annotations

import queue
import sys
import traceback

import _vendor

_vendor.activate()

from underpaint_kit import JobRunner, UnderpaintError, faces, requests  # noqa: E402

import board  # noqa: E402
from cancel_guard import CancelGuard  # noqa: E402
from operation_errors import OperationCancelled, OperationError  # noqa: E402
from procedures import FACE_OPERATIONS, ProcedureSpec, expand_margins  # noqa: E402


class NothingToDo(Exception):
    """The job ran and found nothing to change (no face): a message, not an error."""


def build_request(document, spec: ProcedureSpec, params: dict, client: str = "gimp"):
    """The pb.GenerateRequest for one call: document size, pixels around the selection, the
    selection as a soft mask, and the arguments."""
    document.check_supported()
    if spec.operation in FACE_OPERATIONS:
        return build_face_request(document, spec, params, client)
    doc_size = document.size()
    selection_rect = document.selection_rect()
    expand = (0, 0, 0, 0)
    if spec.operation == "expand":
        try:
            expand = expand_margins(params)
        except ValueError as error:
            raise OperationError(str(error)) from None
        selection_rect = None  # outpainting grows the canvas; the selection plays no part
    elif spec.needs_selection and selection_rect is None:
        raise OperationError(f"{spec.menu_label.replace('_', '').rstrip('.')} needs a "
                             "selection: select the area to repaint first.")
    try:
        region_rect = requests.context_rect(doc_size, selection_rect)
        region = document.read_pixels(region_rect, bool(params.get("sample-merged", True)))
        selection = document.read_selection(selection_rect) if selection_rect else None
        request = requests.canvas_request(
            operation=spec.operation, document_size=doc_size, region_rgba=region,
            region_rect=region_rect, selection=selection, selection_rect=selection_rect,
            prompt=params.get("prompt", ""), negative_prompt=params.get("negative-prompt", ""),
            model=params.get("model", ""), strength=float(params.get("strength", 0.0)),
            steps=int(params.get("steps", 0)), guidance=float(params.get("guidance", 0.0)),
            seed=int(params.get("seed", -1)), count=int(params.get("count", 1)),
            expand=expand, grow=int(params.get("grow", 0)),
            feather=int(params.get("feather", 0)), client=client, vae=params.get("vae", ""),
            previews=False)  # GIMP's progress bar has nowhere to show them
        # Each image's faces are fixed as it is made (re-render redraws, restore then cleans up).
        return faces.add_face_steps(request, restore=bool(params.get("restore-faces", False)),
                                    rerender=bool(params.get("rerender-faces", False)))
    except ValueError as error:
        raise OperationError(str(error)) from None


def face_region(document) -> tuple:
    """Where a face job reads and puts back its pixels: the selection's bounds, else the image."""
    return document.selection_rect() or (0, 0) + tuple(document.size())


def build_face_request(document, spec: ProcedureSpec, params: dict, client: str = "gimp"):
    """A finishing job on the pixels of face_region(): restore or re-render the faces there."""
    x, y, w, h = face_region(document)
    try:
        image = requests.rgba_image(w, h, document.read_pixels((x, y, w, h),
                                                               bool(params.get("sample-merged", True))))
        if spec.operation == "restore-faces":
            return faces.restore_faces_request(image=image, model=params.get("restorer", ""), client=client)
        return faces.rerender_faces_request(
            params.get("prompt", ""), image=image, negative_prompt=params.get("negative-prompt", ""),
            model=params.get("model", ""), strength=float(params.get("strength", 0.0)),
            seed=int(params.get("seed", -1)), client=client)
    except ValueError as error:
        raise OperationError(str(error)) from None


def follow_job(daemon, request, progress, title: str):
    """Runs the job to its end, showing progress; returns the kit's JobOutcome.

    While the job runs a CancelGuard watches the plug-in: if GIMP kills it (the progress bar's
    cancel button), the guard cancels this job on the daemon."""
    events = queue.Queue()
    runner = JobRunner(
        daemon, request,
        on_queued=lambda position: events.put(("queued", position)),
        on_started=lambda: events.put(("started",)),
        on_progress=lambda step, total, _preview: events.put(("progress", step, total)),
        on_finished=lambda outcome: events.put(("finished", outcome)))
    progress.start(f"{title}: sending to the daemon")
    runner.start()
    guard = None
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
                progress.text(f"{title}: painting")
            elif kind == "progress" and event[2] > 0:
                progress.update(event[1] / event[2])
            elif kind == "finished":
                return event[1]
    finally:
        if guard is not None:
            guard.release()
        progress.end()


def place_results(document, results, title: str, offset=(0, 0)) -> list:
    """Adds each result as a layer at its offset (plus `offset`, for a job that was sent pixels
    read there rather than a canvas), growing the canvas first for expand; one undo step for all
    of it. Returns the new layers."""
    layers = []
    with document.undo_group():
        first = results[0]
        new_size = (first.document_width, first.document_height)
        if all(new_size) and new_size != tuple(document.size()):
            document.resize_canvas(*new_size, first.offset_x, first.offset_y)
        for result in results:
            image = result.image
            if len(image.data) != image.width * image.height * 4:
                raise OperationError(f"result {result.index}: expected RGBA8 pixels from the "
                                     "daemon, got another format")
            name = f"{title} {result.index + 1} (seed {result.seed})"
            layers.append(document.add_layer(name, result.x + offset[0], result.y + offset[1], image.width,
                                             image.height, image.data))
    document.flush_displays()
    return layers


def run_operation(document, spec: ProcedureSpec, params: dict, daemon, progress,
                  client: str = "gimp", notices: list | None = None) -> list:
    """The whole procedure; returns the new layers. Raises UnderpaintError subclasses with
    artist-facing messages (daemon gone, request rejected, job failed or cancelled). `notices`
    receives what the daemon's content policy did to the images (blurred, withheld)."""
    title = "Underpaint " + spec.menu_label.replace("_", "").rstrip(".").lower()
    request = build_request(document, spec, params, client)
    outcome = follow_job(daemon, request, progress, title)
    if notices is not None:
        notices.extend(outcome.notices)
    if not outcome.results:
        if outcome.status == "cancelled":
            raise OperationCancelled("The Underpaint job was cancelled.")
        raise OperationError(outcome.message or f"The Underpaint job ended: {outcome.status}.")
    offset = (0, 0)
    if spec.operation in FACE_OPERATIONS:
        if all(result.note == faces.NO_FACES for result in outcome.results):
            raise NothingToDo("No faces found: nothing was changed.")
        offset = face_region(document)[:2]
    layers = place_results(document, outcome.results, title, offset)
    if outcome.status != "succeeded":
        # Some variations made it before the job stopped: keep them, and say why the rest did not.
        raise OperationError(f"Only {len(layers)} image(s) were made: "
                             f"{outcome.message or outcome.status}")
    return layers


def run_procedure(spec: ProcedureSpec, document, params: dict, daemon, progress,
                  client: str = "gimp") -> tuple:
    """Runs any registered procedure and turns its errors into
    ("success" | "cancel" | "error", message for the artist), which underpaint-gimp.py maps to
    GIMP's PDB status. The message of a success is worth showing, or empty."""
    try:
        if spec.operation == "board-send":
            return "success", board.send(document, params, daemon)
        if spec.operation == "board-place":
            layer = board.place(document, params, daemon)
            return "success", f"Placed layer \"{layer.get_name()}\"."
        notices: list = []
        run_operation(document, spec, params, daemon, progress, client, notices)
    except NothingToDo as error:
        return "success", str(error)
    except OperationCancelled as error:
        return "cancel", str(error)
    except UnderpaintError as error:
        return "error", str(error)
    except Exception as error:  # a plug-in bug: say so instead of crashing GIMP's call
        traceback.print_exc()
        return "error", f"Internal error in the Underpaint plug-in: {error!r}"
    return "success", " ".join(notices)
