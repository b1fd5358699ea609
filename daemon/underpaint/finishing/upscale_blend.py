"""Re-rendering a large image tile by tile and blending the tiles without seams (numpy only).

Tiles are visited in raster order. Each one is cut from the image as it stands at that moment
(so its context already holds the re-rendered neighbours above and to the left), re-rendered,
and pasted back with a weight that is 1 over its whole window except toward the tiles already
done (left, top), where it fades linearly from 1 to 0 across 2 x feather pixels centred on the
core's edge: the handover between two tiles is a smooth cross-fade instead of a cut, and the
weights of successive tiles make a convex blend, so no pixel keeps any of the image as it was
before (the right and bottom overlap is covered by the next tile's fade). The optional seam pass then re-renders a band
across every inner tile edge and fades it in from the band's borders, painting over what is left
of the seam. Only uint8 copies of one tile are held besides the image itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .upscale_tiles import plan_tiles

# render(crop, number) -> crop of the same size: (h, w, 3) uint8 each; number = which region
Renderer = Callable[[np.ndarray, int], np.ndarray]


@dataclass(frozen=True)
class Region:
    window: tuple[int, int, int, int]   # what the renderer sees: x0, y0, x1, y1
    weight: np.ndarray                  # (h, w) float32 over the window: how much of the render to keep


def tile_regions(width: int, height: int, tile: int, padding: int, feather: int) -> list[Region]:
    """One region per tile core, its window grown by `padding` where the image goes on."""
    regions = []
    for t in plan_tiles(width, height, tile, padding):
        regions.append(Region(t.window, _box_weight(t.window, t.core, feather)))
    return regions


def seam_regions(width: int, height: int, tile: int, padding: int, band: int) -> list[Region]:
    """A band `band` pixels wide across every inner edge between two tiles, one per tile side,
    weighted 1 along the seam and fading to 0 at the band's borders."""
    regions = []
    for t in plan_tiles(width, height, tile, 0):
        x0, y0, x1, y1 = t.core
        if x1 < width:   # a vertical seam on this tile's right
            regions.append(_band(x1, (y0, y1), width, height, padding, band, vertical=True))
        if y1 < height:  # a horizontal seam below it
            regions.append(_band(y1, (x0, x1), width, height, padding, band, vertical=False))
    return regions


def rerender(image: np.ndarray, regions: list[Region], render: Renderer,
             on_region: Callable[[int, int], None] | None = None, first_number: int = 0) -> np.ndarray:
    """Re-renders `image` ((h, w, 3) uint8, changed in place and returned) region by region."""
    for number, region in enumerate(regions):
        if on_region is not None:
            on_region(number, len(regions))
        x0, y0, x1, y1 = region.window
        crop = image[y0:y1, x0:x1]
        rendered = render(np.ascontiguousarray(crop), first_number + number)
        w = region.weight[..., None]
        blended = crop.astype(np.float32) * (1.0 - w) + rendered.astype(np.float32) * w
        image[y0:y1, x0:x1] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    if on_region is not None:
        on_region(len(regions), len(regions))
    return image


def _box_weight(window, core, feather: int) -> np.ndarray:
    """Toward the tiles done before (left, top): 1 from `feather` pixels inside the core, 0.5 on
    its edge, 0 `feather` pixels outside. Elsewhere 1 up to the window's border."""
    wx0, wy0, wx1, wy1 = window
    cx0, cy0, cx1, cy1 = core
    xs = np.arange(wx0, wx1, dtype=np.float32) + 0.5
    ys = np.arange(wy0, wy1, dtype=np.float32) + 0.5
    wx = _ramp(xs, cx0, wx1, feather, cx0 > 0, False)
    wy = _ramp(ys, cy0, wy1, feather, cy0 > 0, False)
    return np.outer(wy, wx).astype(np.float32)


def _ramp(pos: np.ndarray, lo: int, hi: int, feather: int, fade_lo: bool, fade_hi: bool) -> np.ndarray:
    if feather <= 0:
        return ((pos >= lo) & (pos < hi)).astype(np.float32)
    weight = np.ones_like(pos)
    if fade_lo:
        weight = np.minimum(weight, np.clip(0.5 + (pos - lo) / (2 * feather), 0, 1))
    if fade_hi:
        weight = np.minimum(weight, np.clip(0.5 + (hi - pos) / (2 * feather), 0, 1))
    return weight


def _band(at: int, span: tuple[int, int], width: int, height: int, padding: int, band: int,
          vertical: bool) -> Region:
    half = band // 2
    across_limit = width if vertical else height
    along_limit = height if vertical else width
    a0, a1 = max(0, at - half - padding), min(across_limit, at + half + padding)
    s0, s1 = max(0, span[0] - padding), min(along_limit, span[1] + padding)
    across = np.arange(a0, a1, dtype=np.float32) + 0.5
    tent = np.clip(1.0 - np.abs(across - at) / max(half, 1), 0, 1)   # 1 on the seam, 0 at +-band/2
    along = np.arange(s0, s1, dtype=np.float32) + 0.5
    ends = _ramp(along, span[0], span[1], padding, span[0] > 0, span[1] < along_limit)
    if vertical:
        return Region((a0, s0, a1, s1), np.outer(ends, tent).astype(np.float32))
    return Region((s0, a0, s1, a1), np.outer(tent, ends).astype(np.float32))
