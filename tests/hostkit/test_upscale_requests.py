"""The host kit's upscale requests: what a host's "Upscale" sends, and the step after a generation."""

from __future__ import annotations

import pytest

from underpaint_kit import requests, upscale
from underpaint_kit.protocol import pb


def _image():
    return requests.rgba_image(2, 2, bytes(16))


def test_upscale_is_a_finish_job_on_the_image():
    r = upscale.upscale_request(image=_image(), scale=4, model="RealESRGAN_x4plus", client="gimp")
    assert r.type == pb.JOB_TYPE_FINISH and r.client == "gimp" and r.init_image.width == 2
    (step,) = r.finishing
    assert step.upscale.scale == 4 and step.upscale.model == "RealESRGAN_x4plus" and not step.upscale.diffusion


def test_diffusion_upscale_of_a_canvas_area_carries_prompt_and_tiles():
    canvas = requests.canvas_request("refine", (100, 80), bytes(100 * 80 * 4), (0, 0, 100, 80)).canvas
    r = upscale.upscale_request(canvas=canvas, width=400, height=320, diffusion=True, strength=0.3,
                                seam_pass=True, prompt="a castle", seed=5, steps=30)
    o = r.finishing[0].upscale
    assert r.HasField("canvas") and not r.HasField("init_image")
    assert (o.width, o.height, o.diffusion, o.seam_pass) == (400, 320, True, True)
    assert o.strength == pytest.approx(0.3) and r.prompt == "a castle" and (r.seed, r.steps) == (5, 30)


def test_generate_then_upscale_appends_the_step_after_face_steps():
    from underpaint_kit import faces

    req = faces.add_face_steps(pb.GenerateRequest(prompt="x"), rerender=True)
    upscale.add_upscale_step(req, scale=2)
    assert [s.WhichOneof("step") for s in req.finishing] == ["rerender_faces", "upscale"]


@pytest.mark.parametrize("options,start", [
    (dict(scale=17), "scale: expected above 1 up to 16"),
    (dict(scale=1), "scale: expected above 1"),
    (dict(width=300), "width, height: give both"),
    (dict(scale=2, width=300, height=200), "scale, width: give a scale or a target size"),
    (dict(strength=0.3), "strength, tile_size, tile_padding, seam_pass: only apply with diffusion"),
    (dict(diffusion=True, strength=1.5), "strength: expected 0 < strength <= 1"),
])
def test_bad_options_fail_in_the_host_before_sending(options, start):
    with pytest.raises(ValueError) as err:
        upscale.upscale_request(image=_image(), **options)
    assert str(err.value).startswith(start)


def test_exactly_one_input():
    with pytest.raises(ValueError, match="give exactly one"):
        upscale.upscale_request(scale=2)


def test_upscalers_lists_only_upscaler_add_ons():
    resp = pb.ListModelsResponse(add_ons=[pb.AddOn(id="a", type="upscaler", scale=4), pb.AddOn(id="b", type="lora")])
    assert [a.id for a in upscale.upscalers(resp)] == ["a"]
