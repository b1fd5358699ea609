"""Finishing steps applied to an image after generation, or to the input of a FINISH job:
upscaling, face restoration, face re-rendering. Each kind lives in its own module and registers
its function in STEPS: (JobContext, rgb uint8 array, options message, image index) -> rgb array,
and may register a submit-time check in CHECKS: (options message, field name) -> None, raising
InvalidArgument / NotFound so a bad step is refused before the job is queued.
"""

from __future__ import annotations

from ..errors import InvalidArgument, Unimplemented

STEPS: dict = {}  # FinishingStep oneof name ("upscale", ...) -> function
CHECKS: dict = {}  # FinishingStep oneof name -> check(options, field)


def check_finishing(steps) -> None:
    """Refuses bad finishing steps at submit time, naming the field (finishing[i].kind.field)."""
    for i, step in enumerate(steps):
        kind = step.WhichOneof("step")
        if kind is None:
            raise InvalidArgument(f"finishing[{i}]", "is empty; set one of upscale, restore_faces, rerender_faces")
        if kind not in STEPS:
            raise Unimplemented(f"finishing[{i}].{kind}: this daemon does not support this finishing step "
                                "yet; update the daemon or leave it out")
        check = CHECKS.get(kind)
        if check is not None:
            check(getattr(step, kind), f"finishing[{i}].{kind}")


def apply_finishing(ctx, rgb, steps, index: int = 0):
    """Runs `steps` (FinishingStep messages) in order on `rgb`, checking for cancel between them."""
    for step in steps:
        kind = step.WhichOneof("step")
        run = STEPS.get(kind)
        if run is None:
            raise Unimplemented(f"finishing: this daemon cannot {kind or 'run an empty step'} yet")
        ctx.check_cancelled()
        rgb = run(ctx, rgb, getattr(step, kind), index)
    return rgb


def annotate_result(ctx, index: int, result, width: int, height: int, plan=None) -> None:
    """Adds what the steps found about image `index` (faces, notes) to its Result; runners call
    it with the final image's size and, for canvas operations, the canvas plan."""
    from .faces_result import annotate_result as add_faces

    add_faces(ctx, index, result, width, height, plan)


# The step modules register themselves on import (numpy/cv2 only at import; torch when they run).
from . import faces_rerender, faces_restore  # noqa: E402,F401
