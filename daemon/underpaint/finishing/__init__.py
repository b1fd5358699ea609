"""Finishing steps applied to an image after generation, or to the input of a FINISH job:
upscaling, face restoration, face re-rendering. Each kind lives in its own module and registers
its function in STEPS: (JobContext, rgb uint8 array, options message, image index) -> rgb array.
"""

from __future__ import annotations

from ..errors import Unimplemented

STEPS: dict = {}  # FinishingStep oneof name ("upscale", ...) -> function


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
