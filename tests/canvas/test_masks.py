"""Feathering guarantees on random shapes, checked against window-by-window oracles."""

import numpy as np
import pytest

from canvas_helpers import window_reduce
from underpaint.canvas.masks import default_feather, feather_inside, feather_outside


def random_blobs(rng, shape, soft: bool):
    mask = np.zeros(shape, np.uint8)
    for _ in range(rng.integers(1, 4)):
        h, w = rng.integers(6, shape[0] // 2), rng.integers(6, shape[1] // 2)
        y, x = rng.integers(0, shape[0] - h), rng.integers(0, shape[1] - w)
        mask[y:y + h, x:x + w] = 255
    if soft:  # a soft rim, as a host's feathered selection would have
        mask = np.minimum(mask, rng.integers(100, 256, shape, dtype=np.uint8) | (mask // 2))
    return mask


@pytest.mark.parametrize("seed", range(12))
def test_feather_inside_stays_inside_and_reaches_full_strength(seed):
    rng = np.random.default_rng(seed)
    mask = random_blobs(rng, (48, 60), soft=seed % 2 == 1)
    radius = int(rng.integers(1, 4))
    alpha = feather_inside(mask, radius)
    assert (alpha <= mask).all(), "alpha never exceeds the selection"
    assert (alpha[mask == 0] == 0).all()
    # Everything within 2r selected at 255 (array edges count as selected) -> fully opaque.
    deep = window_reduce(mask, 2 * radius, np.min, 255) == 255
    assert (alpha[deep] == 255).all()
    # And the edge is really soft: some values in between on a hard-edged blob.
    if seed % 2 == 0:
        assert ((alpha > 0) & (alpha < 255)).any()


def test_feather_inside_ramp_is_monotonic_across_an_edge():
    mask = np.zeros((20, 40), np.uint8)
    mask[:, 10:] = 255
    row = feather_inside(mask, 4)[10].astype(int)
    assert row[10] > 0 and row[18] == 255 and (row[:10] == 0).all()
    assert (np.diff(row) >= 0).all()


def test_thin_selection_does_not_vanish():
    mask = np.zeros((30, 30), np.uint8)
    mask[5:25, 14:17] = 255  # 3 pixels wide, feather radius 6 would erase it
    alpha = feather_inside(mask, 6)
    assert alpha.any() and (alpha <= mask).all()


@pytest.mark.parametrize("seed", range(8))
def test_feather_outside_covers_mask_and_stops_within_reach(seed):
    rng = np.random.default_rng(100 + seed)
    mask = random_blobs(rng, (50, 44), soft=seed % 2 == 1)
    radius, extra = int(rng.integers(1, 4)), int(rng.integers(0, 4))
    grown = feather_outside(mask, radius, reach=radius + extra)
    assert (grown >= mask).all()
    near = window_reduce(mask, extra, np.max, 0) == 255
    assert (grown[near] == 255).all()
    far = window_reduce(mask, 2 * radius + extra, np.max, 0) == 0
    assert (grown[far] == 0).all()


def test_default_feather_is_two_percent_at_least_four():
    assert default_feather(100, 50) == 4
    assert default_feather(1000, 300) == 20
    assert default_feather(64, 2000) == 40
