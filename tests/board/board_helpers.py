"""Shared helpers for the board tests: distinct random images with known sizes."""

import numpy as np

from underpaint.board import blobs


def noise(seed: int, width: int = 32, height: int = 32) -> bytes:
    """Random RGBA8 pixels: incompressible, so each stores raw at a predictable size."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 4), dtype=np.uint8).tobytes()


def stored_size(width: int = 32, height: int = 32) -> int:
    return len(blobs.pack(width, height, noise(0, width, height)))
