"""The size the model generates for a work area: about its native pixel count, same aspect."""

from __future__ import annotations

import math


def _to_multiple(value: float, multiple: int, rounding=round) -> int:
    return max(multiple, int(rounding(value / multiple)) * multiple)


def generation_size(width: int, height: int, native_size: tuple[int, int], multiple: int,
                    max_pixels: int) -> tuple[int, int]:
    """(gen_width, gen_height): the work area scaled to the model's native pixel count (up or
    down, aspect kept), each side a multiple of `multiple`, and width * height <= max_pixels."""
    if multiple < 1:
        raise ValueError(f"multiple must be >= 1, got {multiple}")
    if multiple * multiple > max_pixels:
        raise ValueError(f"max_pixels {max_pixels} is below one {multiple}x{multiple} image")
    target = min(native_size[0] * native_size[1], max_pixels)
    scale = math.sqrt(target / (width * height))
    gen_w = _to_multiple(width * scale, multiple)
    gen_h = _to_multiple(height * scale, multiple)
    if gen_w * gen_h > max_pixels:
        gen_w = _to_multiple(width * scale, multiple, math.floor)
        gen_h = _to_multiple(height * scale, multiple, math.floor)
    # Extreme aspect ratios: the short side is pinned at one multiple, so trim the long one.
    while gen_w * gen_h > max_pixels:
        if gen_w >= gen_h:
            gen_w -= multiple
        else:
            gen_h -= multiple
    return gen_w, gen_h
