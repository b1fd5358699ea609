"""Expand (outpaint): the document grows by exactly the margins, old pixels stay put."""

import numpy as np
import pytest

from canvas_helpers import GENERATED, MAX_PIXELS, MULTIPLE, random_document, run, window_reduce
from underpaint.canvas import CanvasInput, expand_document, extend_top_margins


def expand_case(document, margins, **options):
    height, width = document.shape[:2]
    inp = CanvasInput(width, height, document, 0, 0, None, 0, 0, "expand", expand=margins)
    for name, value in options.items():
        setattr(inp, name, value)
    return inp


@pytest.mark.parametrize("margins", [
    (0, 24, 0, 0), (16, 0, 0, 0), (0, 0, 9, 0), (0, 0, 0, 31), (8, 8, 8, 8), (40, 0, 13, 0),
    (3, 17, 0, 5),
])
def test_expand_grows_and_keeps_old_pixels(margins):
    rng = np.random.default_rng(sum(margins))
    document = random_document(rng, 83, 59)
    inp = expand_case(document, margins)
    left, top, right, bottom = margins
    plan_doc_w, plan_doc_h = 83 + left + right, 59 + top + bottom
    grown = None
    plan, layer, _ = run(inp, document)
    assert (plan.document_width, plan.document_height) == (plan_doc_w, plan_doc_h)
    assert (plan.offset_x, plan.offset_y) == (left, top)
    assert plan.gen_width % MULTIPLE == 0 and plan.gen_height % MULTIPLE == 0
    assert plan.gen_width * plan.gen_height <= MAX_PIXELS
    grown = expand_document(document, plan)
    assert np.array_equal(grown[top:top + 59, left:left + 83], document)
    from underpaint.canvas import composite_over
    result = composite_over(grown, layer, plan.x, plan.y)

    new_area = np.full((plan_doc_h, plan_doc_w), 255, np.uint8)
    new_area[top:top + 59, left:left + 83] = 0
    # Every new pixel is generated, fully opaque.
    assert (result[new_area == 255] == GENERATED + (255,)).all()
    # Old pixels farther than the feather from the seam are byte-identical.
    near_seam = window_reduce(new_area, plan.feather, np.max, 0) > 0
    far = (new_area == 0) & ~near_seam
    assert np.array_equal(result[far], grown[far])
    # The fade exists: some old pixels next to the seam are blended, none beyond.
    band = (new_area == 0) & near_seam
    assert (result[band] != grown[band]).any()


def test_expand_feather_width_and_hard_edge():
    document = random_document(np.random.default_rng(9), 100, 80)
    plan, layer, _ = run(expand_case(document, (0, 32, 0, 0), feather=10), document)
    assert plan.feather == 10
    column = np.zeros(plan.document_height, np.uint8)
    column[plan.y:plan.y + plan.height] = layer[:, 50 - plan.x, 3]
    assert (column[:32] == 255).all() and (column[32 + 10:] == 0).all()
    assert 0 < column[33] < 255 and (np.diff(column[32:32 + 11].astype(int)) <= 0).all()
    plan, layer, _ = run(expand_case(document, (0, 32, 0, 0), feather=-1), document)
    assert (plan.y, plan.height) == (0, 32) and (layer[..., 3] == 255).all()


def test_expand_prefills_new_area_from_the_old_picture():
    document = np.zeros((64, 64, 4), np.uint8)
    document[..., :3] = (30, 60, 220)
    document[..., 3] = 255
    document[:, 32:, :3] = (240, 200, 10)  # left half blue, right half yellow
    plan, _, _ = run(expand_case(document, (0, 32, 0, 0)), document)
    init = plan.init_image.astype(int)
    # The top margin maps to the top third of the work area; it continues the colours below it.
    top_rows = init[: plan.gen_height * 32 // plan.work_height - 2]
    assert np.abs(top_rows[:, 2] - (30, 60, 220)).max() <= 12
    assert np.abs(top_rows[:, -3] - (240, 200, 10)).max() <= 12
    assert (init.sum(axis=2) > 150).all(), "nothing black"


def test_expand_mask_covers_the_new_area_and_the_fade():
    document = random_document(np.random.default_rng(5), 96, 64)
    plan, layer, _ = run(expand_case(document, (0, 0, 32, 0)), document)
    mask = plan.mask
    assert mask.shape == (plan.gen_height, plan.gen_width)
    # Where the layer's alpha is above 0, the model regenerates (mask 255), sampled at centres.
    ys, xs = np.nonzero(layer[..., 3])
    gen_x = ((xs + plan.x - plan.work_x + 0.5) * plan.gen_width / plan.work_width).astype(int)
    gen_y = ((ys + plan.y - plan.work_y + 0.5) * plan.gen_height / plan.work_height).astype(int)
    assert (mask[gen_y, gen_x] == 255).all()
    assert (mask[:, 0] == 0).all(), "old picture far from the seam is kept"


def test_expand_ignores_a_selection():
    document = random_document(np.random.default_rng(6), 40, 40)
    inp = expand_case(document, (0, 8, 0, 0))
    inp.selection = np.zeros((5, 5), np.uint8)  # empty, but expand has no use for it
    plan, _, _ = run(inp, document)
    assert plan.document_height == 48


@pytest.mark.parametrize("height, top", [(100, 24), (512, 128), (30, 8), (1000, 248), (10, 8)])
def test_extend_top_margins(height, top):
    assert extend_top_margins(height) == (0, top, 0, 0)


def test_expand_init_image_keeps_the_old_picture_sharp():
    document = random_document(np.random.default_rng(12), 64, 48)
    plan, _, _ = run(expand_case(document, (0, 16, 0, 0)), document)
    assert (plan.work_width, plan.work_height, plan.gen_width, plan.gen_height) == (64, 64, 64, 64)
    assert np.array_equal(plan.init_image[16:], document[..., :3])
    # The new rows continue the top edge, smoothed: close to the mean colour of the first row.
    assert np.abs(plan.init_image[:8].astype(int).mean(axis=(0, 1))
                  - document[0, :, :3].astype(int).mean(axis=0)).max() < 20
