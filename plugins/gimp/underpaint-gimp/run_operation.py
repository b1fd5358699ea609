"""One procedure call from arguments to layers: read, submit, follow, place.

Works on any `document` with GimpDocument's methods and any `progress` with GimpProgress's,
so it runs unchanged in GIMP and in the tests. The modules it dispatches to (board, finish_ops,
noise_ops, history_ops, job_flow) never import it back.
"""

from __future__ import annotations

import math
import traceback

import _vendor

_vendor.activate()

from underpaint_kit import UnderpaintError, controls, faces, history, requests  # noqa: E402

import board  # noqa: E402
import finish_ops  # noqa: E402
import history_ops  # noqa: E402
import noise_ops  # noqa: E402
from job_flow import check_complete, follow_job, place_results, results_of  # noqa: E402
from operation_errors import OperationCancelled, OperationError  # noqa: E402
from procedures import (CONTROL_SLOTS, FACE_OPERATIONS, ProcedureSpec, control_slot_args,  # noqa: E402
                        expand_margins, split_styles)

NothingToDo = finish_ops.NothingToDo


def build_request(document, spec: ProcedureSpec, params: dict, client: str = "gimp"):
    """The pb.GenerateRequest for one painting call: document size, pixels around the
    selection, the selection as a soft mask, the control layers and the arguments."""
    document.check_supported()
    if spec.operation in FACE_OPERATIONS:
        return finish_ops.face_request(document, spec.operation, params, client)
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
        slots = control_slots(params)  # a bad schedule is refused before any pixels are read
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
        add_layer_controls(document, request, params, slots)
        history.apply_styles(request, split_styles(params.get("styles", "")))
        history.archive_options(request, "gimp", document.image_name())
        # Each image's faces are fixed as it is made (re-render redraws, restore then cleans up).
        return faces.add_face_steps(request, restore=bool(params.get("restore-faces", False)),
                                    rerender=bool(params.get("rerender-faces", False)))
    except ValueError as error:
        raise OperationError(str(error)) from None


def control_slots(params: dict) -> list:
    """[(layer, type, strength, start, end)] of the control slots whose layer is set, first slot
    first. Raises ValueError naming the argument and its range when a number is out of range or
    a slot's start is not below its end."""
    slots = []
    for suffix, default_type in CONTROL_SLOTS:
        layer_arg, type_arg, *number_args = control_slot_args(suffix)
        layer = params.get(layer_arg)
        if layer is None:
            continue
        numbers = []
        for name, default, high in zip(number_args, (1.0, 0.0, 1.0), (2.0, 1.0, 1.0)):
            value = params.get(name, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or not 0.0 <= value <= high:
                raise ValueError(f"{name}: expected 0 to {high:g}, got {value!r}")
            numbers.append(float(value))
        strength, start, end = numbers
        if start >= end:
            raise ValueError(f"{number_args[1]}: must be below {number_args[2]} (both 0 to 1), got "
                             f"{start:g} and {end:g}")
        slots.append((layer, params.get(type_arg) or default_type, strength, start, end))
    return slots


def add_layer_controls(document, request, params: dict, slots: list) -> None:
    """The control layers (`slots` from control_slots: ControlNet inputs, each at its place in
    the image, with its part of the schedule) and the reference layer (an IP-Adapter picture)."""
    for layer, control_type, strength, start, end in slots:
        rect, rgba = document.layer_pixels(layer)
        controls.add_control(request, control_type, rgba, rect, strength=strength, start=start, end=end)
    layer = params.get("reference-layer")
    if layer is not None:
        (_x, _y, width, height), rgba = document.layer_pixels(layer)
        controls.add_reference(request, rgba, (width, height),
                               strength=float(params.get("reference-strength", 0.6)))


def run_operation(document, spec: ProcedureSpec, params: dict, daemon, progress,
                  client: str = "gimp", notices: list | None = None) -> list:
    """Any job-running procedure; returns the new layers. Raises UnderpaintError subclasses with
    artist-facing messages (daemon gone, request rejected, job failed or cancelled). `notices`
    receives what the daemon's content policy did to the images (blurred, withheld)."""
    title = "Underpaint " + spec.menu_label.replace("_", "").rstrip(".").lower()
    offset, frames, names, scale_image, on_top = (0, 0), 1, None, False, False
    if spec.operation == "upscale":
        request, scale_image, on_top = finish_ops.upscale_request(document, params, client), True, True
    elif spec.operation == "edit":
        request = noise_ops.edit_request(document, params, client)
    elif spec.operation == "keyframes":
        request, frame_names = noise_ops.keyframes_request(document, params, client)
        frames, on_top = len(frame_names), True
    else:
        request = build_request(document, spec, params, client)
    outcome = follow_job(daemon, request, progress, title, frames)
    if notices is not None:
        notices.extend(outcome.notices)
    results = results_of(outcome)
    if spec.operation in FACE_OPERATIONS:
        finish_ops.check_faces_found(results)
        offset = finish_ops.work_area(document)[:2]
    if spec.operation == "keyframes":
        results = sorted(results, key=lambda result: result.index)  # frame order, whatever came first
        names = [f"Underpaint keyframe {r.index + 1}: {frame_names[r.index]} (seed {r.seed})" for r in results]
    layers = place_results(document, results, title, offset, scale_image=scale_image, on_top=on_top,
                           names=names)
    check_complete(outcome, len(layers))
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
        if spec.operation == "interrogate":
            return "success", history_ops.interrogate(document, params, daemon)
        if spec.operation == "history-place":
            layer, entry = history_ops.place_again(document, params, daemon)
            return "success", f"Placed layer \"{layer.get_name()}\" (history entry {entry.id})."
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
