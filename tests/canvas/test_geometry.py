"""Work-area and generation-size rules."""

import math

import numpy as np
import pytest

from underpaint.canvas.boxes import Box, context_box
from underpaint.canvas.scale import generation_size


def test_context_pads_by_fraction_of_size():
    box = context_box(Box(100, 100, 140, 120), 0.5, (0, 0), 1000, 1000)
    assert box == Box(80, 90, 160, 130)


def test_context_box_reaches_min_size_around_the_centre():
    box = context_box(Box(100, 100, 110, 110), 0.5, (64, 48), 1000, 1000)
    assert (box.width, box.height) == (64, 48)
    assert box.x0 <= 100 and box.x1 >= 110 and box.y0 <= 100 and box.y1 >= 110


def test_context_box_shifts_inward_instead_of_shrinking():
    box = context_box(Box(0, 190, 10, 200), 0.5, (64, 64), 300, 200)
    assert box == Box(0, 136, 64, 200)


def test_context_box_never_exceeds_the_document():
    box = context_box(Box(10, 10, 20, 20), 0.5, (512, 512), 100, 60)
    assert box == Box(0, 0, 100, 60)


@pytest.mark.parametrize("seed", range(30))
def test_context_box_properties(seed):
    rng = np.random.default_rng(seed)
    doc_w, doc_h = (int(v) for v in rng.integers(1, 400, 2))
    x0, y0 = int(rng.integers(0, doc_w)), int(rng.integers(0, doc_h))
    target = Box(x0, y0, int(rng.integers(x0 + 1, doc_w + 1)), int(rng.integers(y0 + 1, doc_h + 1)))
    context = float(rng.uniform(0, 2))
    minimum = (int(rng.integers(0, 300)), int(rng.integers(0, 300)))
    box = context_box(target, context, minimum, doc_w, doc_h)
    assert box.intersect(Box(0, 0, doc_w, doc_h)) == box, "inside the document"
    assert box.intersect(target) == target, "contains the target"
    want_w = min(doc_w, max(minimum[0], target.width + 2 * math.ceil(context * target.width)))
    want_h = min(doc_h, max(minimum[1], target.height + 2 * math.ceil(context * target.height)))
    assert (box.width, box.height) == (want_w, want_h), "shifted, never shrunk"


@pytest.mark.parametrize("seed", range(60))
def test_generation_size_properties(seed):
    rng = np.random.default_rng(seed)
    width, height = (int(v) for v in rng.integers(1, 3000, 2))
    multiple = int(rng.choice([1, 8, 16, 64]))
    native = int(rng.choice([64, 512, 768, 1024]))
    max_pixels = int(rng.integers(multiple * multiple, 1536 * 1536))
    gen_w, gen_h = generation_size(width, height, (native, native), multiple, max_pixels)
    assert gen_w % multiple == 0 and gen_h % multiple == 0
    assert gen_w >= multiple and gen_h >= multiple
    assert gen_w * gen_h <= max_pixels
    target = min(native * native, max_pixels)
    # Aspect ratio kept to within one multiple's rounding, unless a side is pinned at the minimum.
    if gen_w > multiple and gen_h > multiple and gen_w * gen_h >= target / 2:
        assert abs(gen_w / gen_h - width / height) <= (width / height) * (
            multiple / gen_w + multiple / gen_h) * 1.01


def test_generation_size_scales_up_and_down_to_native_pixels():
    assert generation_size(32, 32, (64, 64), 8, 10**6) == (64, 64)
    assert generation_size(1024, 512, (512, 512), 8, 10**6) == (728, 360)
    assert generation_size(4000, 4000, (512, 512), 8, 10**7) == (512, 512)


def test_generation_size_respects_max_pixels_below_native():
    gen_w, gen_h = generation_size(1000, 1000, (1024, 1024), 8, 300 * 300)
    assert gen_w * gen_h <= 300 * 300 and gen_w == gen_h == 296
