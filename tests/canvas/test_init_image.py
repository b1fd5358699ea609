"""What the model is shown: the work area's pixels, transparent parts filled sensibly."""

import numpy as np
from PIL import Image

from canvas_helpers import random_document
from underpaint.canvas import CanvasInput, plan_canvas
from underpaint.canvas.pixels import fill_transparent


def test_init_image_is_the_work_area_at_generation_size():
    document = random_document(np.random.default_rng(0), 160, 120)
    sel = np.full((30, 40), 255, np.uint8)
    inp = CanvasInput(160, 120, document, 0, 0, sel, 70, 50, "refine")
    plan = plan_canvas(inp, (64, 64), 8, 128 * 128)
    work = document[plan.work_y:plan.work_y + plan.work_height,
                    plan.work_x:plan.work_x + plan.work_width, :3]
    expected = np.asarray(Image.fromarray(np.ascontiguousarray(work)).resize(
        (plan.gen_width, plan.gen_height), Image.LANCZOS))
    assert plan.init_image.shape == (plan.gen_height, plan.gen_width, 3)
    assert np.array_equal(plan.init_image, expected)


def test_region_offset_and_partial_coverage():
    """The region sits at an offset; pixels it does not cover are filled from its colours."""
    region = np.zeros((50, 60, 4), np.uint8)
    region[...] = (200, 40, 40, 255)
    inp = CanvasInput(100, 80, region, 40, 30, None, 0, 0, "refine")
    plan = plan_canvas(inp, (100, 80), 4, 100 * 80)
    assert (plan.gen_width, plan.gen_height) == (100, 80)
    assert (plan.init_image[30:, 40:] == (200, 40, 40)).all()
    # Uncovered pixels continue the only colour there is instead of turning black.
    assert np.abs(plan.init_image[:30].astype(int) - (200, 40, 40)).max() <= 2


def test_fill_transparent_keeps_opaque_pixels_and_fills_holes_from_neighbours():
    rgba = np.zeros((40, 64, 4), np.uint8)
    rgba[:, :20] = (0, 0, 255, 255)      # blue on the left
    rgba[:, 44:] = (255, 255, 0, 255)    # yellow on the right, transparent gap between
    out = fill_transparent(rgba)
    assert (out[:, :20] == (0, 0, 255)).all() and (out[:, 44:] == (255, 255, 0)).all()
    gap = out[:, 20:44].astype(int)
    assert gap[:, 1, 2].min() > gap[:, -2, 2].max(), "near the blue side it is bluer"
    assert gap[:, -2, 0].min() > gap[:, 1, 0].max(), "near the yellow side it is redder"
    assert (gap.sum(axis=2) > 200).all(), "no black"


def test_fill_transparent_all_transparent_is_grey():
    out = fill_transparent(np.zeros((9, 7, 4), np.uint8))
    assert (out == 128).all()


def test_fill_transparent_blends_faint_pixels_with_the_fill():
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[...] = (0, 255, 0, 255)
    rgba[8, 8] = (255, 0, 0, 20)  # a faint red speck on green
    out = fill_transparent(rgba)
    assert 0 < out[8, 8, 0] < 255 and out[8, 8, 1] > 100
