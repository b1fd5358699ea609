"""The host kit's noise requests: what a host's variation, keyframes and "Edit (no mask)" send."""

from __future__ import annotations

import pytest

from underpaint_kit import noise, requests
from underpaint_kit.protocol import pb


def _frame(width=8, height=8):
    return requests.rgba_image(width, height, bytes(width * height * 4))


def test_set_noise_fills_the_options_in_place():
    r = noise.set_noise(requests.generate_request("a fox", seed=5), variation_seed=9, variation_strength=0.25,
                        resize_seed_from=(512, 768), freeze=True)
    n = r.noise
    assert (n.variation_seed, n.resize_seed_from_width, n.resize_seed_from_height, n.freeze) == (9, 512, 768, True)
    assert n.variation_strength == pytest.approx(0.25) and r.seed == 5


def test_keyframes_request_keeps_frame_order_and_freezes_the_noise():
    frames = [_frame() for _ in range(3)]
    frames[1].data = bytes([1]) * (8 * 8 * 4)
    r = noise.keyframes_request(frames, "ink drawing", strength=0.4, seed=3, client="blender")
    assert r.type == pb.JOB_TYPE_KEYFRAMES and len(r.frames) == 3 and r.frames[1].data[0] == 1
    assert r.noise.freeze and r.seed == 3 and r.strength == pytest.approx(0.4) and r.client == "blender"


def test_edit_request_on_an_image_or_a_canvas():
    r = noise.edit_request("a cat", "a dog", image=_frame(), strength=0.8)
    assert r.type == pb.JOB_TYPE_EDIT and r.prompt == "a dog" and r.edit.source_prompt == "a cat"
    assert r.init_image.width == 8 and not r.HasField("canvas")
    canvas = requests.canvas_request("refine", (16, 16), bytes(16 * 16 * 4), (0, 0, 16, 16)).canvas
    c = noise.edit_request("a cat", "a dog", canvas=canvas)
    assert c.canvas.operation == pb.CANVAS_OPERATION_REFINE and not c.HasField("init_image")


@pytest.mark.parametrize("call, field", [
    (lambda: noise.set_noise(requests.generate_request("x"), variation_strength=1.5), "variation_strength"),
    (lambda: noise.set_noise(requests.generate_request("x"), variation_seed=-3), "variation_seed"),
    (lambda: noise.set_noise(requests.generate_request("x"), resize_seed_from=(0, 64)), "resize_seed_from"),
    (lambda: noise.keyframes_request([], "x"), "frames"),
    (lambda: noise.keyframes_request([_frame(), _frame(16, 8)], "x"), "frames[1]"),
    (lambda: noise.keyframes_request([_frame()], "x", strength=2), "strength"),
    (lambda: noise.edit_request("a", "b"), "image/canvas"),
])
def test_bad_arguments_name_the_field(call, field):
    with pytest.raises(ValueError) as caught:
        call()
    assert str(caught.value).startswith(f"{field}:")
