"""Pixel plumbing: cut boxes out of host arrays, fill transparent holes, resize."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .boxes import Box
from .filters import box_mean

NEUTRAL_GREY = 128


def cut(source: np.ndarray | None, source_x: int, source_y: int, box: Box) -> np.ndarray:
    """The part of `source` (placed at source_x/y) covering `box`; zeros where it does not reach.

    Works for RGBA (h, w, 4) and masks (h, w): zeros are "transparent" and "not selected".
    """
    shape = (box.height, box.width) if source is None or source.ndim == 2 else \
        (box.height, box.width, source.shape[2])
    out = np.zeros(shape, np.uint8)
    if source is None:
        return out
    placed = Box.at(source_x, source_y, source.shape[1], source.shape[0])
    overlap = placed.intersect(box)
    if not overlap.empty:
        out[overlap.relative_to(box).slices()] = source[overlap.relative_to(placed).slices()]
    return out


def fill_transparent(rgba: np.ndarray) -> np.ndarray:
    """RGB with transparent pixels filled from their neighbours (push-pull), so a model sees a
    plausible smooth continuation instead of black. Opaque pixels keep their colour exactly;
    faint ones (alpha < 25 %) blend toward the fill. All transparent -> neutral grey."""
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    if alpha.min() >= 1.0:
        return rgba[..., :3].copy()
    if alpha.max() <= 0.0:
        return np.full(rgba.shape[:2] + (3,), NEUTRAL_GREY, np.uint8)
    colour = rgba[..., :3].astype(np.float32)
    fill = _pull(colour * alpha[..., None], alpha)
    out = colour * alpha[..., None] + fill * (1.0 - alpha[..., None])
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _pull(premultiplied: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Colour estimate everywhere: the weighted mean where there is weight, else the (smooth)
    estimate of the next coarser level, recursively."""
    height, width = weight.shape
    if weight.max() <= 0.0:
        return np.full((height, width, 3), NEUTRAL_GREY, np.float32)
    if height == 1 and width == 1:
        return premultiplied / weight[..., None]
    half_h, half_w = (height + 1) // 2, (width + 1) // 2
    coarse = _pull(_halve(premultiplied, half_w, half_h), _halve(weight, half_w, half_h))
    upsampled = np.stack([_resize_plane(coarse[..., c], width, height) for c in range(3)], axis=-1)
    # Pixels with some weight lean on their own colour, in proportion to how sure they are.
    sure = np.clip(weight * 4.0, 0.0, 1.0)[..., None]
    own = premultiplied / np.maximum(weight, 1e-6)[..., None]
    return own * sure + upsampled * (1.0 - sure)


def _halve(values: np.ndarray, half_w: int, half_h: int) -> np.ndarray:
    """2x2 mean (edge-padded to even size)."""
    pad = [(0, half_h * 2 - values.shape[0]), (0, half_w * 2 - values.shape[1])]
    pad += [(0, 0)] * (values.ndim - 2)
    even = np.pad(values, pad, mode="edge")
    return (even[0::2, 0::2] + even[1::2, 0::2] + even[0::2, 1::2] + even[1::2, 1::2]) * 0.25


def _resize_plane(plane: np.ndarray, width: int, height: int) -> np.ndarray:
    image = Image.fromarray(plane.astype(np.float32))
    return np.asarray(image.resize((width, height), Image.BILINEAR))


def extend_edges(old_rgb: np.ndarray, old: Box, width: int, height: int,
                 blur_radius: int) -> np.ndarray:
    """A (height, width) RGB canvas with old_rgb at `old` as it is and every other pixel
    continuing the nearest old edge pixel, blurred so the model gets colour and light to
    continue rather than stretched streaks."""
    rows = np.clip(np.arange(height) - old.y0, 0, old.height - 1)
    cols = np.clip(np.arange(width) - old.x0, 0, old.width - 1)
    extended = old_rgb[np.ix_(rows, cols)]
    blurred = np.stack([box_mean(extended[..., c], blur_radius, blur_radius)
                        for c in range(3)], axis=-1)
    blurred[old.slices()] = old_rgb
    return blurred


def scaled_box(box: Box, scale_x: float, scale_y: float, width: int, height: int) -> Box:
    """`box` scaled and rounded to the pixels of a (width, height) image, at least 1x1."""
    def span(lo: int, hi: int, scale: float, limit: int) -> tuple[int, int]:
        start = min(round(lo * scale), limit - 1)
        return start, min(max(round(hi * scale), start + 1), limit)
    x0, x1 = span(box.x0, box.x1, scale_x, width)
    y0, y1 = span(box.y0, box.y1, scale_y, height)
    return Box(x0, y0, x1, y1)


def resize_rgba(rgba: np.ndarray, width: int, height: int) -> np.ndarray:
    """Lanczos resize; Pillow weights colours by alpha (premultiplies) for RGBA, so transparent
    pixels do not bleed their (meaningless) colour into their neighbours."""
    if rgba.shape[1] == width and rgba.shape[0] == height:
        return rgba.copy()
    # reducing_gap: a fast integer box reduction first, Lanczos for the last factor of 3 or less.
    return np.asarray(Image.fromarray(rgba).resize((width, height), Image.LANCZOS,
                                                   reducing_gap=3.0))


def resize_rgb(rgb: np.ndarray, width: int, height: int,
               source_box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """Lanczos resize of rgb, or of the part of it in source_box (fractional pixel edges)."""
    if source_box is None and rgb.shape[1] == width and rgb.shape[0] == height:
        return rgb.copy()
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.LANCZOS, box=source_box))
