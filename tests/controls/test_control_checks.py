"""Which ControlNet a control gets when the request names none, and the refusal when none fits
(submit-time checks, no model loaded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tests.addons.addon_files import save
from underpaint.errors import FailedPrecondition
from underpaint.jobs.control_checks import plan_controls
from underpaint.models.addons import AddOnIndex
from underpaint.models.registry import ModelEntry
from underpaint.v1 import underpaint_pb2 as pb

from .control_files import diffusers_controlnet_header


def _sd15(path: Path, name: str):
    return save(path / "controlnet" / f"{name}.safetensors", {
        "controlnet_cond_embedding.conv_in.weight": torch.zeros(16, 3, 3, 3),
        "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight": torch.zeros(320, 768)})


MODEL = ModelEntry(id="photon", display_name="photon", architecture="sd15", native_width=512, native_height=512,
                   kind="single_file", is_demo=False, path=Path("photon.safetensors"), size_multiple=8, description="")


def _request(*types) -> pb.GenerateRequest:
    image = pb.Image(width=8, height=8, format=pb.PIXEL_FORMAT_RGBA8, data=bytes(8 * 8 * 4))
    return pb.GenerateRequest(controls=[pb.Control(type=t, image=image) for t in types])


def test_the_type_named_in_the_file_first_then_an_untyped_one(tmp_path):
    _sd15(tmp_path, "control_v11p_sd15_canny")
    _sd15(tmp_path, "my-controlnet")
    diffusers_controlnet_header(tmp_path / "controlnet" / "diffusers_xl_depth_full.safetensors", 2048)
    index = AddOnIndex(tmp_path)
    index.scan()
    uses = plan_controls(_request("canny", "depth"), MODEL, index, 64, 64, None, 10**6)
    assert [u.entry.id for u in uses] == ["control_v11p_sd15_canny", "my-controlnet"]
    assert [u.image.shape for u in uses] == [(64, 64, 3), (64, 64, 3)]  # framed to the generation


def test_no_controlnet_for_the_type_and_family_says_what_is_installed(tmp_path):
    _sd15(tmp_path, "control_v11p_sd15_canny")
    diffusers_controlnet_header(tmp_path / "controlnet" / "diffusers_xl_depth_full.safetensors", 2048)
    index = AddOnIndex(tmp_path)
    index.scan()
    with pytest.raises(FailedPrecondition) as err:
        plan_controls(_request("canny", "depth"), MODEL, index, 64, 64, None, 10**6)
    message = str(err.value)
    assert message.startswith("controls[1]: no 'depth' ControlNet for SD 1.x is installed (model 'photon')")
    assert "diffusers_xl_depth_full (SDXL, depth)" in message and "control_v11p_sd15_canny (SD 1.x, canny)" in message


def test_strength_zero_is_checked_then_left_out(tmp_path):
    _sd15(tmp_path, "control_v11p_sd15_canny")
    index = AddOnIndex(tmp_path)
    index.scan()
    request = _request("canny")
    request.controls[0].strength = 0.0
    assert plan_controls(request, MODEL, index, 64, 64, None, 10**6) == []
    request.controls[0].model = "nope"
    with pytest.raises(Exception, match="no ControlNet named 'nope'"):
        plan_controls(request, MODEL, index, 64, 64, None, 10**6)


def test_an_inpaint_control_takes_the_jobs_mask(tmp_path):
    _sd15(tmp_path, "control_v11p_sd15_inpaint")
    index = AddOnIndex(tmp_path)
    index.scan()
    mask = np.zeros((64, 64), np.uint8)
    mask[:, 32:] = 255
    [use] = plan_controls(_request("inpaint"), MODEL, index, 64, 64, None, 10**6, mask)
    assert use.masked[:, 32:].all() and not use.masked[:, :32].any()
    [plain] = plan_controls(_request("inpaint"), MODEL, index, 64, 64, None, 10**6)
    assert plain.masked is None
