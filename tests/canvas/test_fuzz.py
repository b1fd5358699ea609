"""Random and extreme requests: every one is either planned correctly or refused with
InvalidArgument; nothing else escapes, and every plan composes."""

import numpy as np
import pytest

from underpaint.canvas import CanvasInput, compose_result, plan_canvas
from underpaint.errors import InvalidArgument


def random_request(rng):
    doc_w, doc_h = (int(v) for v in rng.integers(1, 90, 2))
    operation = str(rng.choice(["generate", "refine", "fill", "expand", ""]))
    region = None
    if rng.random() < 0.9:
        rh, rw = (int(v) for v in rng.integers(1, 100, 2))
        region = rng.integers(0, 256, (rh, rw, 4), dtype=np.uint8)
    selection = None
    if rng.random() < 0.7:
        sh, sw = (int(v) for v in rng.integers(1, 100, 2))
        value = int(rng.integers(1, 256))
        selection = (rng.random((sh, sw)) < rng.random()).astype(np.uint8) * value
    margins = tuple(int(v) for v in rng.integers(0, 40, 4) * (rng.random(4) < 0.5))
    if operation != "expand" and rng.random() < 0.8:
        margins = (0, 0, 0, 0)
    def offset(size, doc_size):  # mostly overlapping the document, sometimes anywhere
        if rng.random() < 0.1:
            return int(rng.integers(-200, 200))
        return int(rng.integers(-size // 2, doc_size))
    region_size = region.shape[:2] if region is not None else (1, 1)
    selection_size = selection.shape if selection is not None else (1, 1)
    return CanvasInput(
        doc_w, doc_h, region, offset(region_size[1], doc_w), offset(region_size[0], doc_h),
        selection, offset(selection_size[1], doc_w), offset(selection_size[0], doc_h), operation,
        expand=margins, grow=int(rng.integers(0, 6)), feather=int(rng.integers(-1, 12)),
        context=float(rng.choice([0.0, 0.1, 1.0, 3.0])),
        min_context_size=int(rng.choice([0, 1, 16, 200])))


@pytest.mark.parametrize("seed", range(300))
def test_random_requests_plan_or_refuse(seed):
    rng = np.random.default_rng(1000 + seed)
    inp = random_request(rng)
    native = (int(rng.choice([16, 64, 96])),) * 2
    multiple = int(rng.choice([1, 8, 16]))
    try:
        plan = plan_canvas(inp, native, multiple, 96 * 96)
    except InvalidArgument as error:
        assert error.field.startswith("canvas."), error
        return
    assert plan.gen_width % multiple == 0 and plan.gen_height % multiple == 0
    assert plan.gen_width * plan.gen_height <= 96 * 96
    assert 0 <= plan.x and plan.x + plan.width <= plan.document_width
    assert 0 <= plan.y and plan.y + plan.height <= plan.document_height
    assert plan.alpha.shape == (plan.height, plan.width) and plan.alpha.any()
    if plan.init_image is not None:
        assert plan.init_image.shape == (plan.gen_height, plan.gen_width, 3)
    if plan.mask is not None:
        assert plan.mask.shape == (plan.gen_height, plan.gen_width)
    generated = rng.integers(0, 256, (plan.gen_height, plan.gen_width, 3), dtype=np.uint8)
    layer = compose_result(plan, generated)
    assert layer.shape == (plan.height, plan.width, 4)
    assert np.array_equal(layer[..., 3], plan.alpha)


def test_one_pixel_document():
    doc = np.full((1, 1, 4), 255, np.uint8)
    for operation in ("generate", "refine", "fill"):
        plan = plan_canvas(CanvasInput(1, 1, doc, 0, 0, np.full((1, 1), 255, np.uint8), 0, 0,
                                       operation), (64, 64), 8, 64 * 64)
        assert (plan.x, plan.y, plan.width, plan.height) == (0, 0, 1, 1)
        assert plan.alpha[0, 0] == 255
    plan = plan_canvas(CanvasInput(1, 1, doc, 0, 0, None, 0, 0, "expand", expand=(0, 3, 0, 0)),
                       (64, 64), 8, 64 * 64)
    assert (plan.document_width, plan.document_height) == (1, 4)


def test_compose_result_refuses_a_wrong_size():
    doc = np.full((20, 20, 4), 255, np.uint8)
    plan = plan_canvas(CanvasInput(20, 20, doc, 0, 0, None, 0, 0, "refine"), (64, 64), 8, 64 * 64)
    with pytest.raises(ValueError, match="64, 64, 3"):
        compose_result(plan, np.zeros((32, 64, 3), np.uint8))
