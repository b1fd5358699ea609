"""Running an upscaling network over an image of any size, one tile at a time.

Each tile is cut with `overlap` extra input pixels on every side that has a neighbour, run through
the network, and only its core (the tile without the overlap) is kept. A convolutional network
sees the same input around every core pixel as it would on the whole image as long as its
receptive field fits into the overlap, so the tiled result equals the untiled one up to float
rounding; at the image's own edges nothing is padded, exactly as in one untiled pass.

Memory: one tile's activations plus the uint8 output. Nothing here grows with the image except
the output itself. numpy only; the network is a callable (finishing/upscale_model.py wraps torch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

# run(tile) -> upscaled tile: float32 (h, w, 3) in [0, 1] -> float32 (h*scale, w*scale, 3)
TileRunner = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Tile:
    core: tuple[int, int, int, int]     # x0, y0, x1, y1: the pixels this tile decides
    window: tuple[int, int, int, int]   # the core plus the overlap, clamped to the image


def plan_tiles(width: int, height: int, tile: int, overlap: int) -> list[Tile]:
    """Cores of about `tile` pixels (evenly split, so no sliver tile at the end) in raster order."""
    if tile < 1 or overlap < 0:
        raise ValueError(f"tile must be >= 1 and overlap >= 0, got {tile} and {overlap}")
    xs = _cuts(width, math.ceil(width / tile))
    ys = _cuts(height, math.ceil(height / tile))
    tiles = []
    for y0, y1 in zip(ys, ys[1:]):
        for x0, x1 in zip(xs, xs[1:]):
            window = (max(0, x0 - overlap), max(0, y0 - overlap), min(width, x1 + overlap), min(height, y1 + overlap))
            tiles.append(Tile((x0, y0, x1, y1), window))
    return tiles


def _cuts(length: int, parts: int) -> list[int]:
    return [round(i * length / parts) for i in range(parts + 1)]


def upscale_tiled(run: TileRunner, image: np.ndarray, scale: int, tile: int, overlap: int,
                  multiple_of: int = 1, minimum: int = 0,
                  on_tile: Callable[[int, int], None] | None = None) -> np.ndarray:
    """image: (h, w, 3) uint8 -> (h*scale, w*scale, 3) uint8.

    multiple_of / minimum: the network's input size needs (spandrel's SizeRequirements); a
    window is padded by reflection to meet them and the padding is cut off the output.
    on_tile(done, total) is called before each tile (a cancel check goes there) and at the end."""
    height, width = image.shape[:2]
    out = np.empty((height * scale, width * scale, 3), np.uint8)
    tiles = plan_tiles(width, height, tile, overlap)
    for number, t in enumerate(tiles):
        if on_tile is not None:
            on_tile(number, len(tiles))
        wx0, wy0, wx1, wy1 = t.window
        x0, y0, x1, y1 = t.core
        window = image[wy0:wy1, wx0:wx1].astype(np.float32) / 255.0
        upscaled = run(_pad_to(window, multiple_of, minimum))
        core = upscaled[(y0 - wy0) * scale:(y1 - wy0) * scale, (x0 - wx0) * scale:(x1 - wx0) * scale]
        out[y0 * scale:y1 * scale, x0 * scale:x1 * scale] = to_uint8(core)
    if on_tile is not None:
        on_tile(len(tiles), len(tiles))
    return out


def to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values * 255.0), 0, 255).astype(np.uint8)


def _pad_to(window: np.ndarray, multiple_of: int, minimum: int) -> np.ndarray:
    """Pads bottom and right (reflection where the window is big enough, else edge copies)."""
    h, w = window.shape[:2]
    need_h = max(minimum, math.ceil(h / multiple_of) * multiple_of)
    need_w = max(minimum, math.ceil(w / multiple_of) * multiple_of)
    need_h, need_w = math.ceil(need_h / multiple_of) * multiple_of, math.ceil(need_w / multiple_of) * multiple_of
    if (need_h, need_w) == (h, w):
        return window
    pad = ((0, need_h - h), (0, need_w - w), (0, 0))
    mode = "reflect" if need_h - h < h and need_w - w < w else "edge"
    return np.pad(window, pad, mode=mode)
