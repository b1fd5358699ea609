"""Tiled network upscaling: the tiles cover the image once, a tiled run equals one untiled pass,
alpha goes through on its own and stays straight. Real network code (spandrel's ESRGAN with
random weights, RealESRGAN's file layout), no daemon."""

from __future__ import annotations

import numpy as np
import pytest

from underpaint.finishing.upscale_model import lanczos_upscale, network_upscale
from underpaint.finishing.upscale_tiles import plan_tiles

# Stated tolerance: tiles with 16-32 px of overlap reproduce the untiled result to within one 8-bit
# level (float rounding can flip a value that sits on a .5 boundary; on this CPU it is exact).
TOLERANCE = 1


@pytest.mark.parametrize("width,height,tile,overlap", [(80, 60, 16, 8), (7, 300, 64, 32), (256, 256, 256, 0)])
def test_tile_cores_cover_every_pixel_exactly_once(width, height, tile, overlap):
    seen = np.zeros((height, width), int)
    for t in plan_tiles(width, height, tile, overlap):
        x0, y0, x1, y1 = t.core
        wx0, wy0, wx1, wy1 = t.window
        seen[y0:y1, x0:x1] += 1
        assert 0 <= wx0 <= x0 and x1 <= wx1 <= width and 0 <= wy0 <= y0 and y1 <= wy1 <= height
        assert x1 - x0 <= tile and y1 - y0 <= tile
    assert (seen == 1).all()


def test_tiled_upscale_equals_one_untiled_pass(demo_esrgan, photo):
    untiled = network_upscale(demo_esrgan, "cpu", photo, 320, 240, tile=10_000)
    calls = []
    tiled = network_upscale(demo_esrgan, "cpu", photo, 320, 240, tile=64, overlap=16,
                            on_tile=lambda done, total: calls.append((done, total)))
    assert tiled.shape == untiled.shape == (240, 320, 3)
    assert np.abs(tiled.astype(int) - untiled).max() <= TOLERANCE
    # windows of at most 64 px: cores of 32 px, 3 x 2 of them, reported before each and at the end
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)


def test_without_overlap_the_tile_edges_show(demo_esrgan, photo):
    """The control for the test above: cut the tiles without context and the network sees
    different borders, so the result differs along the tile edges (and only there)."""
    untiled = network_upscale(demo_esrgan, "cpu", photo, 320, 240, tile=10_000)
    bare = network_upscale(demo_esrgan, "cpu", photo, 320, 240, tile=40, overlap=0)
    diff = np.abs(bare.astype(int) - untiled).max(axis=2)
    assert diff.max() > 0
    # 2 x 2 tiles of 40 x 30 input pixels: the edges lie at output column 160 and row 120
    assert diff[20:100, 40:120].max() <= TOLERANCE   # far from both edges the network saw the same
    assert diff[:, 156:164].max() > TOLERANCE and diff[116:124].max() > TOLERANCE


def test_a_scale_beyond_the_network_runs_it_twice_then_fits_the_size(demo_esrgan, photo):
    calls = []
    out = network_upscale(demo_esrgan, "cpu", photo[:20, :24], 150, 130, tile=10_000,
                          on_tile=lambda done, total: calls.append((done, total)))
    assert out.shape == (130, 150, 3)
    assert calls[-1] == (2, 2)  # x4 gives 96x80, short of 150x130: a second pass, then Lanczos down


def test_alpha_goes_through_on_its_own_and_stays_straight(demo_esrgan):
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[..., :3] = (200, 40, 10)
    rgba[:, :16, 3] = 255     # left half opaque red, right half transparent (its colour is black garbage)
    rgba[:, 16:, :3] = 0
    for out in (network_upscale(demo_esrgan, "cpu", rgba, 128, 128), lanczos_upscale(rgba, 128, 128)):
        assert out.shape == (128, 128, 4)
        alpha = out[..., 3]
        assert alpha[:, :56].min() >= 200 and alpha[:, 72:].max() <= 55   # the edge stays where it was
    lanczos = lanczos_upscale(rgba, 128, 128)
    # Straight colour: the opaque side keeps its red up to the edge instead of darkening toward
    # the transparent pixels' black (what upscaling premultiplied or unfilled colour would do).
    assert np.abs(lanczos[:, 56:64, :3].astype(int) - (200, 40, 10)).max() <= 3


def test_an_opaque_image_keeps_alpha_255_everywhere(demo_esrgan, photo):
    rgba = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    out = network_upscale(demo_esrgan, "cpu", rgba, 320, 240)
    assert out.shape == (240, 320, 4) and (out[..., 3] == 255).all()
