"""Bad input is refused with InvalidArgument naming the protocol field; nothing crashes."""

import numpy as np
import pytest

from underpaint.canvas import CanvasInput, plan_canvas
from underpaint.errors import InvalidArgument

DOC = np.full((40, 50, 4), 200, np.uint8)


def make(**changes):
    sel = np.zeros((10, 10), np.uint8)
    sel[2:8, 2:8] = 255
    inp = CanvasInput(50, 40, DOC, 0, 0, sel, 5, 5, "fill")
    for name, value in changes.items():
        setattr(inp, name, value)
    return inp


def refused(inp, **limits) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        plan_canvas(inp, (64, 64), 8, 128 * 128, **limits)
    return caught.value


@pytest.mark.parametrize("changes, field, words", [
    ({"document_width": 0}, "canvas.document_width", "positive"),
    ({"document_height": -3}, "canvas.document_height", "positive"),
    ({"operation": "paint"}, "canvas.operation", "paint"),
    ({"selection": np.zeros((10, 10), np.uint8)}, "canvas.selection", "the selection is empty"),
    ({"selection_x": 60}, "canvas.selection", "outside the document"),
    ({"selection_y": -10}, "canvas.selection", "outside the document"),
    ({"selection": np.zeros((10, 10, 1), np.uint8)}, "canvas.selection", "(height, width)"),
    ({"selection": np.zeros((10, 10), np.float32)}, "canvas.selection", "uint8"),
    ({"region": np.zeros((10, 10, 3), np.uint8)}, "canvas.region", "(height, width, 4)"),
    ({"region": np.zeros((0, 10, 4), np.uint8)}, "canvas.region", "empty"),
    ({"region_x": -100}, "canvas.region", "outside the document"),
    ({"region": None}, "canvas.region", "fill operation needs"),
    ({"expand": (0, 8, 0, 0)}, "canvas.expand", "only used by the expand"),
    ({"operation": "expand", "expand": (0, -8, 0, 0)}, "canvas.expand.top", ">= 0"),
    ({"operation": "expand", "expand": (0, 0, 0, -1)}, "canvas.expand.bottom", ">= 0"),
    ({"operation": "expand", "expand": (0, 0, 0, 0)}, "canvas.expand", "at least one margin"),
    ({"grow": -1}, "canvas.mask_options.grow", ">= 0"),
    ({"feather": -2}, "canvas.mask_options.feather", "-1 for a hard edge"),
    ({"context": -0.5}, "canvas.mask_options.context", "between 0"),
    ({"context": float("nan")}, "canvas.mask_options.context", "between 0"),
    ({"min_context_size": -64}, "canvas.mask_options.min_context_size", ">= 0"),
])
def test_refusals_name_the_field(changes, field, words):
    error = refused(make(**changes))
    assert error.field == field
    assert words in error.message


def test_selection_empty_inside_the_document():
    sel = np.zeros((20, 20), np.uint8)
    sel[:5, :5] = 255  # selected pixels lie left of / above the document
    error = refused(make(selection=sel, selection_x=-10, selection_y=-10))
    assert error.field == "canvas.selection" and "empty inside the document" in error.message


def test_pixel_limits_give_the_numbers():
    error = refused(make(), max_canvas_pixels=1000)
    assert error.field == "canvas.document_width"
    assert "50x40 = 2000 pixels" in error.message and "1000" in error.message
    big = np.zeros((40, 60, 4), np.uint8)
    error = refused(make(region=big), max_canvas_pixels=2000)
    assert error.field == "canvas.region" and "60x40 = 2400" in error.message
    error = refused(make(operation="expand", selection=None, expand=(10, 0, 0, 0)),
                    max_canvas_pixels=2000)
    assert error.field == "canvas.expand" and "60x40 = 2400" in error.message


def test_unspecified_operation_follows_the_protocol():
    plan = plan_canvas(make(operation=""), (64, 64), 8, 128 * 128)
    assert plan.operation == "fill" and plan.mask is not None
    plan = plan_canvas(make(operation="", selection=None, region=None), (64, 64), 8, 128 * 128)
    assert plan.operation == "generate" and plan.init_image is None


def test_generate_needs_no_region():
    plan = plan_canvas(make(operation="generate", region=None), (64, 64), 8, 128 * 128)
    assert plan.init_image is None and plan.mask is None
