"""NoiseOptions of a request, checked and resolved (no torch here: this runs at submit time)."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from ..errors import InvalidArgument

MAX_SEED = 2**63 - 1
# Random seeds stay below 2**31 with room for the batch (seed, seed + 1, ...): every result's
# seed then fits GIMP's and Blender's 32-bit number fields and can be typed back in there.
RANDOM_SEED_LIMIT = 2**31


def random_seed(count: int = 1) -> int:
    """A seed for a job that asked for a random one (-1), for `count` images."""
    return secrets.randbelow(RANDOM_SEED_LIMIT - max(1, count) + 1)
MAX_RESIZE_FROM = 8192


@dataclass(frozen=True)
class NoiseSettings:
    variation_seed: int = 0
    variation_strength: float = 0.0        # 0 = the seed's noise, 1 = the variation seed's
    resize_from: tuple[int, int] | None = None  # (width, height) whose composition to keep
    freeze: bool = False

    def hooks_needed(self, width: int, height: int) -> bool:
        resized = self.resize_from is not None and self.resize_from != (width, height)
        return self.variation_strength > 0 or resized or self.freeze


def check_noise(settings: NoiseSettings | None) -> None:
    if settings is None:
        return
    if not (0.0 <= settings.variation_strength <= 1.0):  # NaN fails too
        raise InvalidArgument("noise.variation_strength",
                              f"{settings.variation_strength} is out of range; allowed 0 to 1")
    if settings.resize_from is not None and min(settings.resize_from) <= 0:
        raise InvalidArgument("noise.resize_seed_from_width",
                              f"{settings.resize_from} must be a positive width and height")


def resolve_noise(options, multiple: int) -> NoiseSettings | None:
    """The request's NoiseOptions message -> NoiseSettings (None when the field is absent)."""
    if options is None:
        return None
    strength = float(options.variation_strength)
    if not math.isfinite(strength) or not 0.0 <= strength <= 1.0:
        raise InvalidArgument("noise.variation_strength", f"{strength} is out of range; allowed 0 to 1")
    if options.variation_seed < -1:
        raise InvalidArgument("noise.variation_seed",
                              f"{options.variation_seed} is invalid; use -1 for random or 0 to {MAX_SEED}")
    variation_seed = options.variation_seed if options.variation_seed >= 0 else random_seed()
    width, height = options.resize_seed_from_width, options.resize_seed_from_height
    resize_from = None
    if width or height:
        for name, value in (("resize_seed_from_width", width), ("resize_seed_from_height", height)):
            if not multiple <= value <= MAX_RESIZE_FROM:
                raise InvalidArgument(f"noise.{name}", f"{value} is out of range; allowed {multiple} to "
                                      f"{MAX_RESIZE_FROM}, and width and height are set together")
        resize_from = (int(width), int(height))
    return NoiseSettings(variation_seed=int(variation_seed), variation_strength=strength,
                         resize_from=resize_from, freeze=bool(options.freeze))
