"""Axis-aligned pixel boxes in document coordinates (half-open: x0 <= x < x1) and the work area."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    x0: int
    y0: int
    x1: int
    y1: int

    @classmethod
    def at(cls, x: int, y: int, width: int, height: int) -> "Box":
        return cls(x, y, x + width, y + height)

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    def intersect(self, other: "Box") -> "Box":
        return Box(max(self.x0, other.x0), max(self.y0, other.y0),
                   min(self.x1, other.x1), min(self.y1, other.y1))

    def pad(self, left: int, top: int, right: int, bottom: int) -> "Box":
        return Box(self.x0 - left, self.y0 - top, self.x1 + right, self.y1 + bottom)

    def relative_to(self, origin: "Box") -> "Box":
        """This box in the coordinates of an array whose top-left pixel is origin's."""
        return Box(self.x0 - origin.x0, self.y0 - origin.y0,
                   self.x1 - origin.x0, self.y1 - origin.y0)

    def slices(self) -> tuple[slice, slice]:
        """Index an array with it: array[box.slices()] (rows first)."""
        return slice(self.y0, self.y1), slice(self.x0, self.x1)


def nonzero_box(mask: np.ndarray, origin_x: int = 0, origin_y: int = 0) -> Box | None:
    """Bounding box of the nonzero pixels, in document coordinates when the array's top-left
    pixel lies at (origin_x, origin_y); None if there are none."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return Box(origin_x + int(cols[0]), origin_y + int(rows[0]),
               origin_x + int(cols[-1]) + 1, origin_y + int(rows[-1]) + 1)


def _fit_span(lo: int, hi: int, minimum: int, limit: int) -> tuple[int, int]:
    """Widen [lo, hi) to `minimum` around its centre, then move it inside [0, limit) without
    shrinking it (only a span longer than the limit is cut to the limit)."""
    size = hi - lo
    if size < minimum:
        extra = minimum - size
        lo -= extra // 2
        hi += extra - extra // 2
    if hi - lo >= limit:
        return 0, limit
    if lo < 0:
        lo, hi = 0, hi - lo
    if hi > limit:
        lo, hi = lo - (hi - limit), limit
    return lo, hi


def context_box(target: Box, context: float, min_size: tuple[int, int],
                document_width: int, document_height: int) -> Box:
    """The work area around `target`: padded by context x its size on each side, at least
    min_size (capped at the document), shifted inward at the document border."""
    pad_x = math.ceil(context * target.width)
    pad_y = math.ceil(context * target.height)
    padded = target.pad(pad_x, pad_y, pad_x, pad_y)
    x0, x1 = _fit_span(padded.x0, padded.x1, min(min_size[0], document_width), document_width)
    y0, y1 = _fit_span(padded.y0, padded.y1, min(min_size[1], document_height), document_height)
    return Box(x0, y0, x1, y1)
