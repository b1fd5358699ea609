"""Canvas math: selection, context crop, masks, scaling, placement. Pure numpy + Pillow.

The service layer converts a CanvasRequest into a CanvasInput, asks plan_canvas for the
generation size, init image and mask, runs the model, and hands each generated image to
compose_result, which returns the layer to place at (plan.x, plan.y). See docs/canvas.md.
"""

from .compose import composite_over, compose_result, expand_document
from .model import EXPAND, FILL, GENERATE, OPERATIONS, REFINE, CanvasInput, CanvasPlan
from .planner import plan_canvas
from .presets import EXTEND_TOP_FRACTION, extend_top_margins

__all__ = [
    "CanvasInput", "CanvasPlan", "plan_canvas", "compose_result", "composite_over",
    "expand_document", "extend_top_margins", "EXTEND_TOP_FRACTION",
    "GENERATE", "REFINE", "FILL", "EXPAND", "OPERATIONS",
]
