"""Selection masks: grow, feather, and the masks handed to the model and to the host.

All masks are 2-D uint8, 255 = selected / regenerate. Feathering is erode-then-blur (inside) or
dilate-then-blur (outside) with square filters, which gives exact guarantees instead of
"roughly": with radius r and blur reach r,

* feather_inside(m, r) is 0 wherever m is 0, never above m, and equals m's 255 wherever every
  pixel within 2r (Chebyshev distance) is 255;
* feather_outside(m, r, reach) (reach >= r) is at least m everywhere, 255 within reach - r of any
  255 pixel of m, and 0 wherever m is 0 within reach + r.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .filters import box_mean, max_filter, min_filter

MIN_DEFAULT_FEATHER = 4
DEFAULT_FEATHER_FRACTION = 0.02


def default_feather(width: int, height: int) -> int:
    """Feather width (pixels) when the request leaves it at 0: 2 % of the longer side, >= 4."""
    return max(MIN_DEFAULT_FEATHER, round(DEFAULT_FEATHER_FRACTION * max(width, height)))


def feather_radius(feather: int) -> int:
    """Filter radius for a feather width: erosion r plus blur reach r span 2r <= feather."""
    return max(0, feather) // 2


def grow(mask: np.ndarray, pixels: int) -> np.ndarray:
    return max_filter(mask, pixels) if pixels > 0 else mask


def _blur(mask: np.ndarray, radius: int) -> np.ndarray:
    # Two box passes (reach r1 + r2 = radius) give a smooth S-shaped edge instead of a linear ramp.
    first = radius // 2
    return box_mean(mask, first, radius - first)


def feather_inside(mask: np.ndarray, radius: int) -> np.ndarray:
    """Soft edge that lies entirely inside the mask (alpha <= mask, 0 where mask is 0)."""
    if radius <= 0:
        return mask.copy()
    # A selection thinner than the feather would vanish entirely: narrow the feather until
    # something of it survives (a thin stroke gets a thin edge, not nothing).
    while radius > 0:
        core = min_filter(mask, radius)
        if core.any():
            return _blur(core, radius)
        radius //= 2
    return mask.copy()


def feather_outside(mask: np.ndarray, radius: int, reach: int | None = None) -> np.ndarray:
    """Soft edge that lies entirely outside the mask: grown by `reach` (>= radius), then blurred."""
    if reach is None:
        reach = radius
    return _blur(grow(mask, reach), radius)


def diffusion_mask(alpha: np.ndarray, width: int, height: int, seam: int) -> np.ndarray:
    """The inpainting mask at generation size (width x height) for a layer alpha over the work
    area: 255 on every generated pixel the layer touches and `seam` pixels beyond (so the model
    redoes the seam with the picture around it in view), fading to 0 over 2 * seam more.

    Built at generation size, where it is used: a box downscale of "alpha > 0" marks every
    generated pixel whose footprint holds some of the layer (soft values count fully: the model
    regenerates them, the alpha blends them).
    """
    touched = Image.fromarray(alpha).point(_ANY)
    if touched.size != (width, height):
        touched = touched.resize((width, height), Image.BOX).point(_ANY)
    return feather_outside(np.asarray(touched), seam, reach=2 * seam)


_ANY = [0] + [255] * 255  # Pillow lookup table: any value above 0 -> 255
