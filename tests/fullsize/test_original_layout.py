"""The independent original-layout key lists are the published architectures, and agree with
both diffusers' converter and the demo model's writer (ldm_layout)."""

from __future__ import annotations

import pytest
import torch

from tests.fullsize import original_layout as layout
from underpaint.models import ldm_layout


@pytest.mark.parametrize("shapes,prefix,count", [
    (layout.sd15_shapes, "model.diffusion_model.", 859_520_964),
    (layout.sd15_shapes, "first_stage_model.", 83_653_863),
    (layout.sd15_shapes, "cond_stage_model.", 123_060_480),
    (layout.sd15_shapes, "", 1_066_235_307),  # "1.07 B parameters"
    (layout.sd2_shapes, "model.diffusion_model.", 865_910_724),
    (layout.sd2_shapes, "cond_stage_model.", 354_032_641),  # OpenCLIP ViT-H/14 text tower, 24 layers
    (layout.sdxl_shapes, "model.diffusion_model.", 2_567_463_684),
    (layout.sdxl_shapes, "conditioner.embedders.0.", 123_060_480),
    (layout.sdxl_shapes, "conditioner.embedders.1.", 694_659_841),  # OpenCLIP bigG + logit_scale
])
def test_published_parameter_counts(shapes, prefix, count):
    assert layout.parameter_count(shapes(), prefix) == count


def _meta(shapes: dict, prefix: str) -> dict:
    return {k: torch.empty(s, device="meta") for k, s in shapes.items() if k.startswith(prefix)}


@pytest.mark.parametrize("architecture", ["sd15", "sd2", "sdxl"])
def test_diffusers_converts_every_tensor(architecture):
    """diffusers' own original->diffusers conversion maps the UNet and VAE names exactly onto
    the models our packaged configs build."""
    from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint
    from tests.models.test_single_file import _meta_component

    shapes = getattr(layout, f"{architecture}_shapes")()
    unet = _meta_component(architecture, "unet")
    converted = convert_ldm_unet_checkpoint(_meta(shapes, "model.diffusion_model."), dict(unet.config))
    expected = unet.state_dict()
    assert converted.keys() == expected.keys()
    assert all(converted[k].shape == expected[k].shape for k in expected)
    vae = _meta_component(architecture, "vae")
    converted = convert_ldm_vae_checkpoint(_meta(shapes, "first_stage_model."), dict(vae.config))
    assert {k: tuple(v.shape) for k, v in converted.items()} == {k: tuple(v.shape) for k, v in vae.state_dict().items()}


@pytest.mark.parametrize("architecture", ["sd15", "sdxl"])
def test_demo_writer_agrees_with_the_independent_layout(architecture):
    """ldm_layout (diffusers -> original, used for the demo model) gives the same names and
    shapes as the list derived from the original code."""
    from tests.models.test_single_file import _meta_component

    unet = _meta_component(architecture, "unet")
    ours = ldm_layout.unet_to_ldm(unet.state_dict(), unet.config.layers_per_block)
    ours.update(ldm_layout.vae_to_ldm(_meta_component(architecture, "vae").state_dict()))
    if architecture == "sd15":
        ours.update(ldm_layout.text_encoder_to_ldm(_meta_component("sd15", "text_encoder").state_dict()))
    else:
        ours.update(ldm_layout.text_encoder_to_ldm(_meta_component("sdxl", "text_encoder").state_dict(),
                                                   ldm_layout.SDXL_TEXT_PREFIX))
        ours.update(ldm_layout.open_clip_to_ldm(_meta_component("sdxl", "text_encoder_2").state_dict()))
    independent = {k: s for k, s in getattr(layout, f"{architecture}_shapes")().items()
                   if not k.endswith(("position_ids", "logit_scale"))}
    assert {k: tuple(v.shape) for k, v in ours.items()} == independent
