"""Finishing steps applied to an image after generation, or to the input of a FINISH job:
upscaling, face restoration, face re-rendering. Each kind lives in its own module and registers
its function in STEPS: (JobContext, uint8 array, options message, image index) -> array,
and may register a submit-time check in CHECKS: (options message, field name) -> None, raising
InvalidArgument / NotFound so a bad step is refused before the job is queued, and in SIZES:
(options, width, height, field) -> (width, height) when it changes the image's size.

Steps in ALPHA_STEPS take and return (h, w, 4) straight RGBA when the image has alpha; the others
see RGB and the alpha is carried past them (they keep the size).
"""

from __future__ import annotations

from ..errors import InvalidArgument, Unimplemented

STEPS: dict = {}  # FinishingStep oneof name ("upscale", ...) -> function
CHECKS: dict = {}  # FinishingStep oneof name -> check(options, field)
SIZES: dict = {}  # FinishingStep oneof name -> output_size(options, width, height, field)
ALPHA_STEPS = {"upscale"}


def check_finishing(steps, width: int = 0, height: int = 0, max_pixels: int = 0) -> tuple[int, int]:
    """Refuses bad finishing steps at submit time, naming the field (finishing[i].kind.field).
    With the input's size, also refuses a chain whose result would pass max_pixels, and returns
    the size of the final image."""
    for i, step in enumerate(steps):
        kind = step.WhichOneof("step")
        if kind is None:
            raise InvalidArgument(f"finishing[{i}]", "is empty; set one of upscale, restore_faces, rerender_faces")
        if kind not in STEPS:
            raise Unimplemented(f"finishing[{i}].{kind}: this daemon does not support this finishing step "
                                "yet; update the daemon or leave it out")
        field = f"finishing[{i}].{kind}"
        check = CHECKS.get(kind)
        if check is not None:
            check(getattr(step, kind), field)
        if width and kind in SIZES:
            new_w, new_h = SIZES[kind](getattr(step, kind), width, height, field)
            if max_pixels and new_w * new_h > max_pixels:
                raise InvalidArgument(f"{field}.scale", f"{width}x{height} would become {new_w}x{new_h} = "
                                      f"{new_w * new_h} pixels, over the limit of {max_pixels} pixels per image; "
                                      "lower the scale or upscale a smaller area")
            width, height = new_w, new_h
    return width, height


def apply_finishing(ctx, image, steps, index: int = 0):
    """Runs `steps` (FinishingStep messages) in order on `image` ((h, w, 3) or straight RGBA),
    checking for cancel between them."""
    import numpy as np

    for step in steps:
        kind = step.WhichOneof("step")
        run = STEPS.get(kind)
        if run is None:
            raise Unimplemented(f"finishing: this daemon cannot {kind or 'run an empty step'} yet")
        ctx.check_cancelled()
        if image.shape[2] == 4 and kind not in ALPHA_STEPS:
            rgb = run(ctx, np.ascontiguousarray(image[..., :3]), getattr(step, kind), index)
            image = np.dstack([rgb, image[..., 3]])
        else:
            image = run(ctx, image, getattr(step, kind), index)
    return image


def report_tiles(ctx, done: int, total: int, message: str, subject: str = "") -> None:
    """Progress of a tiled step: a cancel check before each tile, an Activity line, and for FINISH
    jobs (no denoising steps of their own to count) a Progress event per tile."""
    from ..v1 import underpaint_pb2 as pb

    if done < total:
        ctx.check_cancelled()
    ctx.activity("upscaling", f"{message}: tile {min(done + 1, total)} of {total}", fraction=done / max(total, 1),
                 subject=subject)
    if ctx.request.request.type == pb.JOB_TYPE_FINISH:
        ctx.progress(done, total)


def annotate_result(ctx, index: int, result, width: int, height: int, plan=None) -> None:
    """Adds what the steps found about image `index` (faces, notes) to its Result; runners call
    it with the final image's size and, for canvas operations, the canvas plan."""
    from .faces_result import annotate_result as add_faces

    add_faces(ctx, index, result, width, height, plan)


# The step modules register themselves on import (numpy/cv2 only at import; torch when they run).
from . import faces_rerender, faces_restore, upscale  # noqa: E402,F401
