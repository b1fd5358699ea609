"""FINISH jobs on a canvas: which document pixels the steps work on, and how the result goes back.

The area is the selection's bounding box (the whole document without a selection). The steps see
the document's pixels there at document resolution. The result layer covers the area; its alpha
is the document's alpha times the selection, so only selected pixels change. When a step changes
the size (upscale by s), the layer and its position are scaled by s and document_width/height
give the document's new size: the host resizes the document (or opens the layer as a new one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import images
from ..errors import InvalidArgument


@dataclass
class AreaPlan:
    x: int                      # the area in document pixels
    y: int
    width: int
    height: int
    document_width: int
    document_height: int
    pixels: np.ndarray          # (height, width, 4) straight RGBA of the document in the area
    selection: np.ndarray       # (height, width) 0..255: how much of the result replaces the document


def plan_area(c, max_pixels: int) -> AreaPlan:
    """c: a pb.CanvasRequest."""
    from ..canvas.boxes import Box, nonzero_box
    from ..canvas.pixels import cut

    if c.document_width <= 0 or c.document_height <= 0:
        raise InvalidArgument("canvas.document_width", f"document size must be positive, got "
                              f"{c.document_width}x{c.document_height}")
    if c.document_width * c.document_height > max_pixels:
        raise InvalidArgument("canvas.document_width", f"{c.document_width}x{c.document_height} is over the "
                              f"canvas limit of {max_pixels} pixels")
    if not c.HasField("region"):
        raise InvalidArgument("canvas.region", "finishing needs the document's pixels")
    region = images.decode(c.region, "canvas.region", 4, max_pixels)
    document = Box(0, 0, c.document_width, c.document_height)
    if c.HasField("selection"):
        selection = images.decode(c.selection, "canvas.selection", 1, max_pixels)
        box = nonzero_box(selection, c.selection_x, c.selection_y)
        box = box.intersect(document) if box is not None else None
        if box is None or box.empty:
            raise InvalidArgument("canvas.selection", "selects nothing inside the document")
        mask = cut(selection, c.selection_x, c.selection_y, box)
    else:
        box = document
        mask = np.full((box.height, box.width), 255, np.uint8)
    pixels = cut(region, c.region_x, c.region_y, box)
    return AreaPlan(box.x0, box.y0, box.width, box.height, c.document_width, c.document_height, pixels, mask)


def place_result(plan: AreaPlan, image: np.ndarray, result) -> np.ndarray:
    """The result layer for `image` (the steps' output over the area, maybe scaled) and its
    placement, written into `result` (pb.Result). Returns (h, w, 4) straight RGBA."""
    from PIL import Image

    height, width = image.shape[:2]
    sx, sy = width / plan.width, height / plan.height
    mask = plan.selection
    if mask.shape != (height, width):
        mask = np.asarray(Image.fromarray(mask).resize((width, height), Image.BILINEAR))
    alpha = image[..., 3] if image.shape[2] == 4 else np.full((height, width), 255, np.uint8)
    alpha = ((alpha.astype(np.uint16) * mask + 127) // 255).astype(np.uint8)
    result.x, result.y = round(plan.x * sx), round(plan.y * sy)
    result.document_width, result.document_height = round(plan.document_width * sx), round(plan.document_height * sy)
    return np.dstack([image[..., :3], alpha])


class FacePlan:
    """What faces_result.annotate_result needs to put face boxes into document pixels."""

    def __init__(self, plan: AreaPlan, width: int, height: int):
        sx, sy = width / plan.width, height / plan.height
        self.work_x, self.work_y = round(plan.x * sx), round(plan.y * sy)
        self.work_width, self.work_height = width, height
