"""The square filters against window-by-window references, edge replication included."""

import numpy as np
import pytest

from underpaint.canvas.filters import box_mean, max_filter, min_filter
from numpy.lib.stride_tricks import sliding_window_view


def reference(values, radius, reduce):
    padded = np.pad(values, radius, mode="edge")
    return reduce(sliding_window_view(padded, (2 * radius + 1,) * 2), axis=(2, 3))


def reference_mean(values, radius):
    # Separable rounding, like the filter: columns then rows, each rounded half up.
    window = 2 * radius + 1
    cols = np.pad(values, ((radius, radius), (0, 0)), mode="edge").astype(np.int64)
    cols = sliding_window_view(cols, window, axis=0).sum(axis=-1)
    cols = (cols + window // 2) // window
    rows = np.pad(cols, ((0, 0), (radius, radius)), mode="edge")
    rows = sliding_window_view(rows, window, axis=1).sum(axis=-1)
    return ((rows + window // 2) // window).astype(np.uint8)


SHAPES = [(1, 1), (1, 9), (7, 1), (5, 8), (13, 17), (32, 3)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("radius", [0, 1, 2, 3, 5, 8, 20])
def test_max_min_match_reference(shape, radius):
    rng = np.random.default_rng(radius * 100 + shape[0] * 7 + shape[1])
    values = rng.integers(0, 256, shape, dtype=np.uint8)
    assert np.array_equal(max_filter(values, radius), reference(values, radius, np.max))
    assert np.array_equal(min_filter(values, radius), reference(values, radius, np.min))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("radius", [0, 1, 2, 4, 9])
def test_box_mean_matches_reference(shape, radius):
    rng = np.random.default_rng(radius * 31 + shape[0] * 5 + shape[1])
    values = rng.integers(0, 256, shape, dtype=np.uint8)
    result = box_mean(values, radius)
    assert result.dtype == np.uint8 and result.shape == values.shape
    assert np.array_equal(result, reference_mean(values, radius))


def test_box_mean_keeps_solid_areas_exact():
    values = np.zeros((40, 40), np.uint8)
    values[10:30, 10:30] = 255
    result = box_mean(values, 3)
    assert (result[13:27, 13:27] == 255).all()
    assert (result[:7] == 0).all() and (result[:, 34:] == 0).all()


def test_box_mean_with_several_radii_applies_them_in_turn():
    values = np.random.default_rng(5).integers(0, 256, (23, 31), dtype=np.uint8)
    # Columns for every radius, then rows for every radius, each pass rounded.
    expected = values
    for axis in (0, 1):
        for radius in (2, 3):
            window = 2 * radius + 1
            pad = [(0, 0), (0, 0)]
            pad[axis] = (radius, radius)
            padded = np.pad(expected, pad, mode="edge").astype(np.int64)
            sums = sliding_window_view(padded, window, axis=axis).sum(axis=-1)
            expected = ((sums + window // 2) // window).astype(np.uint8)
    assert np.array_equal(box_mean(values, 2, 3), expected)


def test_box_mean_large_window_uses_wide_sums():
    values = np.full((300, 5), 255, np.uint8)
    values[:150] = 0
    result = box_mean(values, 140)  # 281-pixel window: sums past 2^16
    assert np.array_equal(result, reference_mean(values, 140))
