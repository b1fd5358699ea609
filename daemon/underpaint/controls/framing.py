"""Fit a control image (straight RGBA) to the generation frame.

Plain requests: scaled to cover width x height and centred (A1111's "crop and resize"), so a
control of another size or aspect still lines up with the middle of the picture. Canvas
operations: the image lies at (x, y) in the document, like the layer it came from; the
generation's work area is cut out of it (transparent where the image does not reach) and scaled
to the generation size, exactly as the canvas planner does with the document's pixels.
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def _resize(rgba: np.ndarray, width: int, height: int) -> np.ndarray:
    if rgba.shape[1] == width and rgba.shape[0] == height:
        return rgba
    return np.asarray(Image.fromarray(rgba, "RGBA").resize((width, height), Image.Resampling.LANCZOS))


def frame_for_size(rgba: np.ndarray, width: int, height: int) -> np.ndarray:
    h, w = rgba.shape[:2]
    scale = max(width / w, height / h)
    # Cut the centred part that covers the frame first, then scale only that: a very long thin
    # image never becomes a huge one on the way.
    crop_w, crop_h = min(w, max(1, round(width / scale))), min(h, max(1, round(height / scale)))
    left, top = (w - crop_w) // 2, (h - crop_h) // 2
    return _resize(rgba[top:top + crop_h, left:left + crop_w], width, height)


def frame_for_canvas(rgba: np.ndarray, x: int, y: int, plan) -> np.ndarray:
    """`plan` is a canvas.CanvasPlan; (x, y) are document coordinates before any expand."""
    box_w, box_h = plan.work_width, plan.work_height
    work = np.zeros((box_h, box_w, 4), np.uint8)
    # The image's place inside the work box (output-document coordinates).
    left = x + plan.offset_x - plan.work_x
    top = y + plan.offset_y - plan.work_y
    h, w = rgba.shape[:2]
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + w, box_w), min(top + h, box_h)
    if x1 > x0 and y1 > y0:
        work[y0:y1, x0:x1] = rgba[y0 - top:y1 - top, x0 - left:x1 - left]
    return _resize(work, plan.gen_width, plan.gen_height)
