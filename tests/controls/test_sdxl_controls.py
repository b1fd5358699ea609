"""ControlNets on the SDXL code path (diffusers' SDXL ControlNet pipelines, size conditioning)
with a tiny random SDXL model: a ControlNet made from its UNet, as a diffusers-layout single
file (how SDXL ControlNets are published) and as a diffusers folder, steers txt2img, img2img and
inpaint; a ControlNet of another shape is refused with the file's name."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.addons.addon_files import save
from tests.pipelines.test_sdxl_path import write_tiny_sdxl
from underpaint.errors import FailedPrecondition
from underpaint.jobs.control_checks import ControlUse
from underpaint.models.addons import AddOnEntry
from underpaint.models.loader import load_model
from underpaint.models.registry import ModelRegistry
from underpaint.pipelines.generate import GenerationSpec, run_generation


@pytest.fixture(scope="module")
def sdxl(tmp_path_factory):
    from diffusers import ControlNetModel

    root = tmp_path_factory.mktemp("sdxl-controls")
    write_tiny_sdxl(root)
    registry = ModelRegistry(root)
    registry.scan()
    model = load_model(registry.get("tiny-sdxl"), "cpu", torch.float32)
    torch.manual_seed(3)
    controlnet = ControlNetModel.from_unet(model.txt2img.unet)
    with torch.no_grad():
        # zero-initialised in a fresh ControlNet: random here, so the control image matters
        for module in (*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block,
                       controlnet.controlnet_cond_embedding.conv_out):
            for tensor in module.parameters():
                tensor.normal_(0, 0.3)
    single = save(root / "controlnet" / "xl-canny.safetensors", dict(controlnet.state_dict()))
    folder = root / "controlnet" / "xl-depth"
    controlnet.save_pretrained(folder, safe_serialization=True)
    entries = {name: AddOnEntry(id=name, type="controlnet", architecture="sdxl", path=path)
               for name, path in (("xl-canny", single), ("xl-depth", folder))}
    return model, entries


def _edges():
    image = np.zeros((64, 64, 3), np.uint8)
    image[16:48, 16] = image[16:48, 47] = 255
    return image


@pytest.mark.parametrize("mode", ["txt2img", "img2img", "inpaint"])
def test_sdxl_controlnets_steer_every_mode(sdxl, mode):
    model, entries = sdxl
    extra = {}
    if mode != "txt2img":
        extra = dict(init_image=np.full((64, 64, 3), 90, np.uint8), strength=0.9)
    if mode == "inpaint":
        mask = np.zeros((64, 64), np.uint8)
        mask[8:56, 8:56] = 255
        extra["mask"] = mask
    base = dict(prompt="a castle", negative_prompt="", width=64, height=64, steps=3, guidance=5.0,
                sampler="euler", **extra)
    plain = run_generation(model, GenerationSpec(**base), 1, lambda *a: None)
    name = "xl-canny" if mode != "img2img" else "xl-depth"
    use = ControlUse("controls[0]", "canny", entries[name], _edges(), 1.0, 0.0, 1.0, "none")
    both = [use, ControlUse("controls[1]", "depth", entries["xl-depth"], _edges()[::-1].copy(), 0.5, 0.0, 1.0, "none")]
    steered = run_generation(model, GenerationSpec(**base, controls=[use]), 1, lambda *a: None)
    two = run_generation(model, GenerationSpec(**base, controls=both), 1, lambda *a: None)
    assert np.abs(steered.astype(int) - plain).mean() > 0.5
    assert not np.array_equal(two, steered)
    moved = ControlUse("controls[0]", "canny", entries[name], np.roll(_edges(), 12, axis=1), 1.0, 0.0, 1.0, "none")
    assert not np.array_equal(run_generation(model, GenerationSpec(**base, controls=[moved]), 1, lambda *a: None),
                              steered)  # the image itself steers, not just the ControlNet's presence
    assert np.array_equal(run_generation(model, GenerationSpec(**base), 1, lambda *a: None), plain)


def test_a_controlnet_of_another_shape_is_refused_by_name(sdxl, tmp_path):
    model, _ = sdxl
    odd = save(tmp_path / "odd.safetensors", {"controlnet_cond_embedding.conv_in.weight": torch.zeros(8, 3, 3, 3)})
    use = ControlUse("controls[0]", "canny", AddOnEntry(id="odd", type="controlnet", architecture="sdxl", path=odd),
                     _edges(), 1.0, 0.0, 1.0, "none")
    spec = GenerationSpec(prompt="x", negative_prompt="", width=64, height=64, steps=1, guidance=5.0,
                          sampler="euler", controls=[use])
    with pytest.raises(FailedPrecondition, match="ControlNet 'odd' does not fit this model's UNet"):
        run_generation(model, spec, 1, lambda *a: None)


def test_an_inpaint_controlnet_reads_the_mask_as_minus_one(sdxl):
    """The masked pixels reach the ControlNet as -1 (as inpaint ControlNets were trained), so the
    same control image with and without the job's mask steers differently."""
    model, entries = sdxl
    init = np.full((64, 64, 3), 90, np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[8:56, 8:56] = 255
    base = dict(prompt="a castle", negative_prompt="", width=64, height=64, steps=3, guidance=5.0,
                sampler="euler", init_image=init, strength=1.0, mask=mask)
    plain_use = ControlUse("controls[0]", "inpaint", entries["xl-canny"], init, 1.0, 0.0, 1.0, "none")
    masked_use = ControlUse("controls[0]", "inpaint", entries["xl-canny"], init, 1.0, 0.0, 1.0, "none",
                            masked=mask >= 128)
    unmasked = run_generation(model, GenerationSpec(**base, controls=[plain_use]), 1, lambda *a: None)
    masked = run_generation(model, GenerationSpec(**base, controls=[masked_use]), 1, lambda *a: None)
    assert not np.array_equal(unmasked, masked)
    assert np.array_equal(masked[:8], init[:8])  # kept pixels stay kept
