"""Turning a generated image into the host's layer, and the blends the hosts do with it."""

from __future__ import annotations

import numpy as np

from .boxes import Box
from .model import CanvasPlan
from .pixels import resize_rgb


def compose_result(plan: CanvasPlan, generated: np.ndarray) -> np.ndarray:
    """The result layer: (plan.height, plan.width, 4) straight RGBA to place at (plan.x, plan.y).

    generated: (gen_height, gen_width, 3) uint8 (an alpha channel, if any, is ignored). It covers
    the work area; it is scaled back to document size and cut to the placement box.
    """
    expected = (plan.gen_height, plan.gen_width)
    well_formed = isinstance(generated, np.ndarray) and generated.dtype == np.uint8 and \
        generated.ndim == 3 and generated.shape[:2] == expected and generated.shape[2] in (3, 4)
    if not well_formed:
        shape = getattr(generated, "shape", None)
        raise ValueError(f"generated image must be uint8 shaped ({expected[0]}, {expected[1]}, 3), "
                         f"got {shape}")
    # Scale only the part that becomes the layer: the placement box in generated pixels.
    scale_x, scale_y = plan.gen_width / plan.work_width, plan.gen_height / plan.work_height
    left, top = plan.x - plan.work_x, plan.y - plan.work_y
    source_box = (left * scale_x, top * scale_y,
                  (left + plan.width) * scale_x, (top + plan.height) * scale_y)
    rgb = resize_rgb(np.ascontiguousarray(generated[..., :3]), plan.width, plan.height, source_box)
    return np.dstack([rgb, plan.alpha])


def composite_over(document: np.ndarray, layer: np.ndarray, x: int, y: int) -> np.ndarray:
    """A new (H, W, 4) array: `layer` blended over `document` at (x, y) with straight-alpha
    "normal" blending, the way every host composites a layer. Parts of the layer outside the
    document are dropped; where the layer's alpha is 0 the document stays byte-identical, where
    it is 255 the layer's pixel replaces the document's."""
    out = document.copy()
    layer_box = Box.at(x, y, layer.shape[1], layer.shape[0])
    overlap = layer_box.intersect(Box(0, 0, document.shape[1], document.shape[0]))
    if overlap.empty:
        return out
    target = out[overlap.slices()]  # a view: writes land in `out`
    above = layer[overlap.relative_to(layer_box).slices()]
    np.copyto(target, above, where=(above[..., 3] == 255)[..., None])
    partial = (above[..., 3] > 0) & (above[..., 3] < 255)
    if partial.any():  # only the soft edge needs arithmetic
        top = above[partial].astype(np.float64) / 255.0
        bottom = target[partial].astype(np.float64) / 255.0
        top_alpha, bottom_alpha = top[:, 3:], bottom[:, 3:]
        alpha = top_alpha + bottom_alpha * (1.0 - top_alpha)
        colour = (top[:, :3] * top_alpha + bottom[:, :3] * bottom_alpha * (1.0 - top_alpha)) / alpha
        target[partial] = np.rint(np.concatenate([colour, alpha], axis=1) * 255.0).astype(np.uint8)
    return out


def expand_document(document: np.ndarray, plan: CanvasPlan) -> np.ndarray:
    """The old document's pixels in the grown document of an expand plan, transparent around."""
    out = np.zeros((plan.document_height, plan.document_width, document.shape[2]), document.dtype)
    height, width = document.shape[:2]
    out[plan.offset_y:plan.offset_y + height, plan.offset_x:plan.offset_x + width] = document
    return out
