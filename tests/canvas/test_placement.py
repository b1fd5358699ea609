"""Selections end to end: plan, fake generation, compose, composite like a host.

For every case: pixels outside the (grown) selection stay byte-identical, pixels deeper than the
feather inside it show the generated colour, soft selections are never exceeded, and the plan
respects the size multiple and the pixel limit.
"""

import numpy as np
import pytest

from canvas_helpers import (GENERATED, MAX_PIXELS, MULTIPLE, deep_inside, dilate,
                            gradient_generator, layer_alpha_in_document, random_document, run,
                            selection_in_document)
from underpaint.canvas import CanvasInput, plan_canvas


def rect_selection(doc_w, doc_h, x, y, w, h, value=255):
    sel = np.full((h, w), value, np.uint8)
    return CanvasInput(doc_w, doc_h, None, 0, 0, sel, x, y, "generate")


def check_invariants(inp, document, plan, layer, result, feather, grow=0):
    selected = dilate(selection_in_document(inp), grow)
    assert layer.shape == (plan.height, plan.width, 4)
    assert plan.gen_width % MULTIPLE == 0 and plan.gen_height % MULTIPLE == 0
    assert plan.gen_width * plan.gen_height <= MAX_PIXELS
    unselected = selected == 0
    assert np.array_equal(result[unselected], document[unselected]), "outside changed"
    deep = deep_inside(selected, feather)
    assert deep.any(), "test case too small to have an inside"
    assert (result[deep][:, :3] == GENERATED).all(), "deep inside is not the generated colour"
    alpha = layer_alpha_in_document(plan, layer)
    assert (alpha <= selected).all(), "alpha exceeds the selection"


@pytest.mark.parametrize("operation", ["generate", "refine", "fill"])
@pytest.mark.parametrize("seed", range(25))
def test_random_rectangles(seed, operation):
    rng = np.random.default_rng(seed)
    doc_w, doc_h = (int(v) for v in rng.integers(33, 150, 2))
    # Rectangles anywhere, including overlapping every border, at odd offsets and sizes.
    w, h = int(rng.integers(9, doc_w + 20)), int(rng.integers(9, doc_h + 20))
    x, y = int(rng.integers(-w + 9, doc_w - 8)), int(rng.integers(-h + 9, doc_h - 8))
    feather = int(rng.choice([-1, 0, 2, 3, 6]))
    grow = int(rng.choice([0, 0, 1, 4]))
    document = random_document(rng, doc_w, doc_h)
    inp = rect_selection(doc_w, doc_h, x, y, w, h)
    inp.region, inp.operation, inp.feather, inp.grow = document, operation, feather, grow
    plan, layer, result = run(inp, document)
    effective = plan.feather
    longest = max(min(doc_w, x + w + grow) - max(0, x - grow),
                  min(doc_h, y + h + grow) - max(0, y - grow))
    assert effective == {-1: 0, 0: max(4, round(0.02 * longest))}.get(feather, feather)
    check_invariants(inp, document, plan, layer, result, effective, grow)
    # The oracle for rectangles is simple: the grown rect minus a feather band where it does
    # not touch the document border.
    x0, y0 = max(0, x - grow), max(0, y - grow)
    x1, y1 = min(doc_w, x + w + grow), min(doc_h, y + h + grow)
    assert (plan.x, plan.y, plan.x + plan.width, plan.y + plan.height) == (x0, y0, x1, y1)
    inner = np.zeros((doc_h, doc_w), bool)
    inner[y0 + (effective if y0 > 0 else 0):y1 - (effective if y1 < doc_h else 0),
          x0 + (effective if x0 > 0 else 0):x1 - (effective if x1 < doc_w else 0)] = True
    assert (result[inner][:, :3] == GENERATED).all()


def test_hard_edge_places_pixel_exactly():
    rng = np.random.default_rng(7)
    document = random_document(rng, 101, 77)
    inp = rect_selection(101, 77, 37, 21, 13, 9)
    inp.feather = -1
    plan, layer, result = run(inp, document)
    assert (plan.x, plan.y, plan.width, plan.height) == (37, 21, 13, 9)
    changed = (result != document).any(axis=2)
    expected = np.zeros_like(changed)
    expected[21:30, 37:50] = True
    assert np.array_equal(changed, expected)
    assert (result[21:30, 37:50] == GENERATED + (255,)).all()


@pytest.mark.parametrize("where", ["left", "top", "right", "bottom", "corner", "all"])
def test_selection_overlapping_the_border_does_not_fade_at_the_border(where):
    doc_w, doc_h = 90, 70
    x, y, w, h = {"left": (-15, 20, 40, 30), "top": (25, -9, 30, 40), "right": (60, 10, 45, 33),
                  "bottom": (11, 50, 29, 35), "corner": (-5, -7, 40, 41),
                  "all": (-3, -3, 96, 76)}[where]
    document = random_document(np.random.default_rng(3), doc_w, doc_h)
    inp = rect_selection(doc_w, doc_h, x, y, w, h)
    inp.feather = 6
    plan, layer, result = run(inp, document)
    check_invariants(inp, document, plan, layer, result, 6)
    # Pixels on the document border inside the selection are fully generated.
    x0, y0, x1, y1 = max(0, x), max(0, y), min(doc_w, x + w), min(doc_h, y + h)
    cy, cx = (y0 + y1) // 2, (x0 + x1) // 2
    border_pixels = {"left": result[cy, 0], "top": result[0, cx], "right": result[cy, doc_w - 1],
                     "bottom": result[doc_h - 1, cx], "corner": result[0, 0],
                     "all": result[0, doc_w - 1]}[where]
    assert tuple(border_pixels[:3]) == GENERATED


@pytest.mark.parametrize("seed", range(10))
def test_soft_selections_keep_their_softness(seed):
    rng = np.random.default_rng(50 + seed)
    doc_w, doc_h = (int(v) for v in rng.integers(60, 140, 2))
    size = int(rng.integers(30, 60))
    yy, xx = np.mgrid[0:size, 0:size]
    distance = np.hypot(yy - size / 2 + 0.5, xx - size / 2 + 0.5)
    # A disc, fully selected in its middle, fading to 0 over its outer 8 pixels.
    sel = np.clip((size / 2 - distance) * 32, 0, 255).astype(np.uint8)
    document = random_document(rng, doc_w, doc_h)
    x = int(rng.integers(-size // 3, doc_w - size // 2))
    y = int(rng.integers(-size // 3, doc_h - size // 2))
    inp = CanvasInput(doc_w, doc_h, document, 0, 0, sel, x, y, "fill")
    plan, layer, result = run(inp, document)
    check_invariants(inp, document, plan, layer, result, plan.feather)


def test_generated_image_maps_onto_the_work_area():
    """A gradient lands with its pixel centres on the work area's pixel centres (no shift or
    flip between the generated image and the document)."""
    document = random_document(np.random.default_rng(1), 150, 120)
    inp = rect_selection(150, 120, 30, 40, 70, 50)
    inp.feather, inp.context, inp.min_context_size = -1, 0.2, 1
    plan, layer, result = run(inp, document, generator=gradient_generator)
    ys, xs = np.mgrid[plan.y:plan.y + plan.height, plan.x:plan.x + plan.width]
    want_r = (xs - plan.work_x + 0.5) / plan.work_width * 255
    want_g = (ys - plan.work_y + 0.5) / plan.work_height * 255
    got = result[plan.y:plan.y + plan.height, plan.x:plan.x + plan.width].astype(float)
    inner = (slice(2, -2), slice(2, -2))  # resampling edges aside
    assert np.abs(got[..., 0] - want_r)[inner].max() <= 3
    assert np.abs(got[..., 1] - want_g)[inner].max() <= 3
    # On average exact: a shift by one pixel would be off by a whole gradient step (> 2 levels).
    assert abs((got[..., 0] - want_r)[inner].mean()) < 0.5
    assert abs((got[..., 1] - want_g)[inner].mean()) < 0.5


def test_default_context_and_min_size():
    document = random_document(np.random.default_rng(2), 300, 200)
    inp = rect_selection(300, 200, 100, 80, 20, 10)  # small: min size (native 64) wins
    plan, _, _ = run(inp, document)
    assert (plan.work_width, plan.work_height) == (64, 64)
    inp = rect_selection(300, 200, 100, 80, 80, 60)  # large: padded by half its size per side
    plan, _, _ = run(inp, document)
    assert (plan.work_x, plan.work_y, plan.work_width, plan.work_height) == (60, 50, 160, 120)


def test_transparent_document_gets_opaque_result_inside_selection():
    document = np.zeros((64, 80, 4), np.uint8)
    inp = rect_selection(80, 64, 10, 10, 40, 30)
    inp.region, inp.operation = document, "refine"
    plan, layer, result = run(inp, document)
    deep = deep_inside(selection_in_document(inp), plan.feather)
    assert (result[deep] == GENERATED + (255,)).all()
    assert (result[~deep & (selection_in_document(inp) == 0)] == 0).all()


def test_no_selection_covers_the_whole_document():
    document = random_document(np.random.default_rng(4), 97, 61)
    for operation in ("generate", "refine", "fill"):
        inp = CanvasInput(97, 61, document, 0, 0, None, 0, 0, operation)
        plan, layer, result = run(inp, document)
        assert (plan.x, plan.y, plan.width, plan.height) == (0, 0, 97, 61)
        assert (layer[..., 3] == 255).all()
        assert (result == GENERATED + (255,)).all()
        if operation == "fill":
            assert (plan.mask == 255).all()
        assert (plan.init_image is None) == (operation == "generate")


@pytest.mark.parametrize("context, min_size", [(0.0001, 1), (0.5, 0)])
def test_feather_fades_on_every_side_away_from_the_border(context, min_size):
    """Even when the work area hugs the selection, its edges fade (only document borders don't)."""
    document = random_document(np.random.default_rng(8), 120, 90)
    inp = rect_selection(120, 90, 30, 20, 50, 40)
    inp.feather, inp.context, inp.min_context_size = 8, context, min_size
    plan, layer, _ = run(inp, document)
    alpha = layer_alpha_in_document(plan, layer)
    for edge in (alpha[20, 30:80], alpha[59, 30:80], alpha[20:60, 30], alpha[20:60, 79]):
        assert (edge[8:-8] < 128).all(), "selection edge not feathered"
    assert alpha[40, 55] == 255
    ramp = alpha[40, 30:40].astype(int)
    assert (np.diff(ramp) >= 0).all() and ramp[0] < ramp[-1] == 255


def test_fill_mask_regenerates_a_little_beyond_the_layer():
    document = random_document(np.random.default_rng(11), 128, 128)
    inp = rect_selection(128, 128, 40, 50, 30, 20)
    inp.region, inp.operation = document, "fill"
    plan, layer, _ = run(inp, document)
    assert plan.mask.shape == (plan.gen_height, plan.gen_width)
    to_gen_x = lambda x: int((x - plan.work_x + 0.5) * plan.gen_width / plan.work_width)
    to_gen_y = lambda y: int((y - plan.work_y + 0.5) * plan.gen_height / plan.work_height)
    ys, xs = np.nonzero(layer[..., 3])
    gen_x = ((xs + plan.x - plan.work_x + 0.5) * plan.gen_width / plan.work_width).astype(int)
    gen_y = ((ys + plan.y - plan.work_y + 0.5) * plan.gen_height / plan.work_height).astype(int)
    assert (plan.mask[gen_y, gen_x] == 255).all(), "all of the layer is regenerated"
    assert plan.mask[to_gen_y(60), to_gen_x(38)] == 255, "and a seam beyond the selection"
    assert plan.mask[to_gen_y(60), to_gen_x(plan.work_x)] == 0, "far context is kept"
    assert plan.mask[to_gen_y(plan.work_y), to_gen_x(55)] == 0


def test_thin_selection_is_regenerated_after_downscaling():
    """A one-pixel line in a big work area covers only part of each generated pixel; the
    diffusion mask still regenerates those pixels fully."""
    document = random_document(np.random.default_rng(13), 512, 512)
    sel = np.zeros((300, 1), np.uint8)
    sel[:] = 255
    inp = CanvasInput(512, 512, document, 0, 0, sel, 201, 100, "fill", feather=-1,
                      min_context_size=512)
    plan = plan_canvas(inp, (128, 128), 8, 128 * 128)
    assert (plan.work_width, plan.gen_width) == (512, 128)
    column = plan.mask[(100 * 128) // 512 + 1:(400 * 128) // 512 - 1, (201 * 128) // 512]
    assert (column == 255).all()
