"""Tile re-rendering without seams, measured: the gradient energy across tile boundaries against
the interior's. The renderer here stands in for img2img's typical flaw: each tile comes back with
its own colour cast (a different brightness per tile), which is what makes tiled upscales show
their grid."""

from __future__ import annotations

import numpy as np

from underpaint.finishing.upscale_blend import rerender, seam_regions, tile_regions

W, H, TILE, PADDING = 256, 192, 64, 24


def _image() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W]
    grey = 96 + 40 * np.sin(x / 23.0) * np.cos(y / 31.0)   # smooth content: small gradients everywhere
    return np.repeat(grey[..., None], 3, axis=2).round().astype(np.uint8)


def _cast_renderer(crop: np.ndarray, number: int) -> np.ndarray:
    cast = (number * 37) % 5 * 6 - 12                       # -12 .. +12 levels, fixed per tile
    return np.clip(crop.astype(int) + cast, 0, 255).astype(np.uint8)


def _seam_ratio(image: np.ndarray) -> float:
    """Mean |horizontal + vertical gradient| on the columns/rows where tiles meet, over the mean
    elsewhere. 1 = the boundaries cannot be told from the rest."""
    grey = image.astype(float).mean(axis=2)
    gx = np.abs(np.diff(grey, axis=1))   # gx[:, i] is the step from column i to i + 1
    gy = np.abs(np.diff(grey, axis=0))
    cols = np.arange(TILE - 1, W - 1, TILE)
    rows = np.arange(TILE - 1, H - 1, TILE)
    seam = np.concatenate([gx[:, cols].ravel(), gy[rows].ravel()]).mean()
    interior = np.concatenate([np.delete(gx, cols, axis=1).ravel(), np.delete(gy, rows, axis=0).ravel()]).mean()
    return seam / interior


def test_hard_pasted_tiles_show_their_grid():
    hard = rerender(_image(), tile_regions(W, H, TILE, 0, feather=0), _cast_renderer)
    assert _seam_ratio(hard) > 5  # the control: the metric sees seams when they are there


def test_feathered_tiles_leave_no_seam_and_the_seam_pass_keeps_it_so():
    base = _seam_ratio(_image())
    feathered = rerender(_image(), tile_regions(W, H, TILE, PADDING, feather=PADDING // 2), _cast_renderer)
    assert _seam_ratio(feathered) < 1.5 * base + 0.5
    seams = seam_regions(W, H, TILE, PADDING, 64)
    assert len(seams) == (W // TILE - 1) * (H // TILE) + (H // TILE - 1) * (W // TILE)  # one per inner tile edge
    passed = rerender(feathered.copy(), seams, _cast_renderer, first_number=100)
    assert _seam_ratio(passed) < 1.5 * base + 0.5


def test_a_renderer_that_changes_nothing_changes_no_pixel():
    image = _image()
    out = rerender(image.copy(), tile_regions(W, H, TILE, PADDING, feather=PADDING // 2) +
                   seam_regions(W, H, TILE, PADDING, 64), lambda crop, n: crop)
    assert np.array_equal(out, image)


def test_every_pixel_ends_up_fully_rendered_away_from_the_cross_fades():
    out = rerender(np.zeros((H, W, 3), np.uint8), tile_regions(W, H, TILE, PADDING, feather=PADDING // 2),
                   lambda crop, n: np.full_like(crop, 200))
    assert (out == 200).all()  # the weights of neighbouring tiles add up: no pixel keeps the old image


def test_regions_report_progress_before_each_and_at_the_end():
    calls = []
    regions = tile_regions(W, H, TILE, PADDING, feather=4)
    rerender(_image(), regions, lambda crop, n: crop, on_region=lambda done, total: calls.append((done, total)))
    assert calls == [(i, len(regions)) for i in range(len(regions) + 1)] and len(regions) == 12
