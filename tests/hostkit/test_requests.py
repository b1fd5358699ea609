"""Request builders: fields land where the protocol says; bad sizes name the argument."""

from __future__ import annotations

import pytest

from underpaint_kit import pb, requests


def test_canvas_request_fills_the_canvas_message():
    region = bytes(range(256)) * (8 * 8 * 4 // 256)
    req = requests.canvas_request("fill", (100, 50), region, (10, 20, 8, 8), bytes([255] * 6),
                                  (12, 22, 3, 2), prompt="sea", negative_prompt="blur", model="m",
                                  strength=0.6, steps=9, guidance=5.5, seed=42, count=3,
                                  sampler="euler", expand=(1, 2, 3, 4), grow=5, feather=6,
                                  context=0.25, previews=False, tiling=True, client="gimp 3.0")
    c = req.canvas
    assert (c.document_width, c.document_height) == (100, 50)
    assert c.operation == pb.CANVAS_OPERATION_FILL
    assert (c.region_x, c.region_y, c.region.width, c.region.height) == (10, 20, 8, 8)
    assert c.region.format == pb.PIXEL_FORMAT_RGBA8 and c.region.data == region
    assert (c.selection_x, c.selection_y, c.selection.width, c.selection.height) == (12, 22, 3, 2)
    assert c.selection.format == pb.PIXEL_FORMAT_GRAY8
    assert (c.expand.left, c.expand.top, c.expand.right, c.expand.bottom) == (1, 2, 3, 4)
    assert (c.mask_options.grow, c.mask_options.feather) == (5, 6)
    assert c.mask_options.context == pytest.approx(0.25)
    assert (req.prompt, req.negative_prompt, req.model, req.steps, req.seed, req.count) == \
        ("sea", "blur", "m", 9, 42, 3)
    assert req.strength == pytest.approx(0.6) and req.guidance == pytest.approx(5.5)
    assert (req.sampler, req.previews, req.tiling, req.client) == ("euler", False, True, "gimp 3.0")
    assert pb.GenerateRequest.FromString(req.SerializeToString()) == req


def test_canvas_request_without_selection_leaves_it_unset():
    req = requests.canvas_request("generate", (64, 64), bytes(64 * 64 * 4), (0, 0, 64, 64))
    assert not req.canvas.HasField("selection") and not req.canvas.HasField("mask_options")
    assert req.canvas.operation == pb.CANVAS_OPERATION_GENERATE


@pytest.mark.parametrize("kwargs, message", [
    (dict(operation="paint"), "operation: expected one of"),
    (dict(region_rgba=bytes(10)), r"region_rgba: expected 4x4x4 = 64 bytes, got 10"),
    (dict(selection=bytes(4)), "selection_rect: required when a selection is given"),
    (dict(selection=bytes(3), selection_rect=(0, 0, 2, 2)), r"selection: expected 2x2x1 = 4 bytes, got 3"),
    (dict(document_size=(0, 5)), "document_size: width and height must be positive"),
    (dict(expand=(1, 2)), "expand: expected 4 integers"),
    # contradictions the daemon would refuse (a field it does not use) are caught before sending
    (dict(operation="generate", strength=0.5), "strength: 0.5 is not used by generate"),
    (dict(operation="expand", selection=bytes(16), selection_rect=(0, 0, 4, 4), expand=(4, 0, 0, 0)),
     "selection: expand paints the new margins"),
])
def test_canvas_request_errors_name_the_argument(kwargs, message):
    args = dict(operation="fill", document_size=(4, 4), region_rgba=bytes(64), region_rect=(0, 0, 4, 4))
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        requests.canvas_request(**args)


def test_context_rect():
    # no selection: the whole document
    assert requests.context_rect((800, 600)) == (0, 0, 800, 600)
    # a small selection in a big document: padded to the minimum size around it
    x, y, w, h = requests.context_rect((8000, 6000), (4000, 3000, 100, 50))
    assert (w, h) == (100 + 2 * 590, 50 + 2 * 615) and (x, y) == (3410, 2385)
    # a big selection: padded by its own size on each side, clamped to the document
    assert requests.context_rect((8000, 6000), (1000, 1000, 2000, 2000)) == (0, 0, 5000, 5000)
    # explicit margins
    assert requests.context_rect((100, 100), (10, 10, 5, 5), margins=(1, 2, 3, 4)) == (9, 8, 9, 11)
    with pytest.raises(ValueError, match="selection_rect: .* lies outside the 100x100 document"):
        requests.context_rect((100, 100), (200, 200, 5, 5), margins=(0, 0, 0, 0))


def test_image_helpers():
    image = requests.rgba_image(2, 1, bytearray(8))
    assert (image.width, image.height, image.format, image.data) == (2, 1, pb.PIXEL_FORMAT_RGBA8, bytes(8))
    with pytest.raises(ValueError, match="image: expected 2x2x1 = 4 bytes, got 3"):
        requests.gray_image(2, 2, bytes(3))
