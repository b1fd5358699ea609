"""Shared bits for the canvas tests: documents, fake generators and brute-force oracles.

The oracles are written the slow, obvious way (window by window) so they do not share code or
tricks with the filters they check.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from underpaint.canvas import CanvasInput, composite_over, compose_result, plan_canvas

NATIVE = (64, 64)
MULTIPLE = 8
MAX_PIXELS = 128 * 128
GENERATED = (12, 200, 34)  # flat colour of the fake generator; no random pixel can match all three


def random_document(rng: np.random.Generator, width: int, height: int, opaque: bool = True):
    doc = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    if opaque:
        doc[..., 3] = 255
    # Keep the document apart from the generated colour so "changed" is always visible.
    doc[..., 1] = np.minimum(doc[..., 1], 150)
    return doc


def flat_generator(plan, colour=GENERATED) -> np.ndarray:
    return np.full((plan.gen_height, plan.gen_width, 3), colour, np.uint8)


def gradient_generator(plan) -> np.ndarray:
    """R grows left to right, G top to bottom, by pixel centre over the generated image."""
    xs = (np.arange(plan.gen_width) + 0.5) / plan.gen_width * 255
    ys = (np.arange(plan.gen_height) + 0.5) / plan.gen_height * 255
    out = np.zeros((plan.gen_height, plan.gen_width, 3), np.uint8)
    out[..., 0] = np.rint(xs)[None, :]
    out[..., 1] = np.rint(ys)[:, None]
    out[..., 2] = 77
    return out


def run(inp: CanvasInput, document: np.ndarray, generator=flat_generator, native=NATIVE,
        multiple=MULTIPLE, max_pixels=MAX_PIXELS):
    """Plan, 'generate', compose and composite like a host would: (plan, layer, result document)."""
    plan = plan_canvas(inp, native, multiple, max_pixels)
    layer = compose_result(plan, generator(plan))
    return plan, layer, composite_over(document, layer, plan.x, plan.y)


def selection_in_document(inp: CanvasInput) -> np.ndarray:
    """The selection as a document-sized mask (clipped at the border), by plain loops over rows."""
    out = np.zeros((inp.document_height, inp.document_width), np.uint8)
    sel = inp.selection
    for row in range(sel.shape[0]):
        y = inp.selection_y + row
        if not 0 <= y < inp.document_height:
            continue
        for col in range(sel.shape[1]):
            x = inp.selection_x + col
            if 0 <= x < inp.document_width:
                out[y, x] = sel[row, col]
    return out


def window_reduce(mask: np.ndarray, radius: int, reduce, outside: int) -> np.ndarray:
    """reduce() over each pixel's (2r+1)^2 square; squares reaching past the array see `outside`."""
    if radius == 0:
        return mask.copy()
    padded = np.pad(mask, radius, mode="constant", constant_values=outside)
    windows = sliding_window_view(padded, (2 * radius + 1, 2 * radius + 1))
    return reduce(windows, axis=(2, 3))


def deep_inside(selection_doc: np.ndarray, distance: int) -> np.ndarray:
    """Pixels whose every neighbour within `distance` (Chebyshev) in the document is 255.
    Outside the document counts as selected: there is nothing there to fade toward."""
    return window_reduce(selection_doc, distance, np.min, 255) == 255


def dilate(selection_doc: np.ndarray, radius: int) -> np.ndarray:
    return window_reduce(selection_doc, radius, np.max, 0)


def layer_alpha_in_document(plan, layer: np.ndarray) -> np.ndarray:
    out = np.zeros((plan.document_height, plan.document_width), np.uint8)
    out[plan.y:plan.y + plan.height, plan.x:plan.x + plan.width] = layer[..., 3]
    return out
