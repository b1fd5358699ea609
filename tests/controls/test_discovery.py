"""ControlNet and IP-Adapter files are recognised from their tensor names and shapes: the model
family from the cross-attention width, the control type from the metadata or the file name;
files that are something else are listed as unusable with the reason."""

from __future__ import annotations

import json

import pytest
import torch

from tests.addons.addon_files import save
from underpaint.models.addons import AddOnIndex
from underpaint.models.control_detect import control_type_from_name

from .control_files import diffusers_controlnet_header, ip_adapter_header, t2i_adapter


@pytest.mark.parametrize("name, kind", [
    ("control_v11p_sd15_canny", "canny"), ("control_v11p_sd15_lineart", "lineart"),
    ("control_v11p_sd15s2_lineart_anime", "lineart"), ("control_v11f1p_sd15_depth", "depth"),
    ("control_v11p_sd15_openpose", "pose"), ("control_v11p_sd15_scribble", "scribble"),
    ("control_v11p_sd15_softedge", "softedge"), ("control_v11p_sd15_normalbae", "normal"),
    ("control_v11p_sd15_seg", "segmentation"), ("control_v11f1e_sd15_tile", "tile"),
    ("control_v11p_sd15_inpaint", "inpaint"), ("diffusers_xl_depth_full", "depth"),
    ("controlnet-canny-sdxl-1.0", "canny"), ("my-controlnet", ""),
])
def test_control_type_from_published_names(name, kind):
    assert control_type_from_name(name) == kind


def test_files_are_classified_by_family_and_kind(tmp_path):
    cn = tmp_path / "controlnet"
    diffusers_controlnet_header(cn / "diffusers_xl_canny_full.safetensors", 2048)
    save(cn / "control_v11p_sd15_lineart.safetensors", {
        "control_model.time_embed.0.weight": torch.zeros(1280, 320),
        "control_model.input_hint_block.0.weight": torch.zeros(16, 3, 3, 3),
        "control_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight": torch.zeros(320, 768)})
    save(cn / "sd21-depth.safetensors", {
        "controlnet_cond_embedding.conv_in.weight": torch.zeros(16, 3, 3, 3),
        "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight": torch.zeros(320, 1024)},
        {"underpaint.control_type": "depth"})
    folder = cn / "controlnet-depth-sdxl-1.0"
    diffusers_controlnet_header(folder / "diffusion_pytorch_model.safetensors", 2048)
    (folder / "config.json").write_text(json.dumps({"_class_name": "ControlNetModel"}))
    t2i_adapter(cn / "t2i-adapter-sketch.safetensors")
    save(cn / "whole.safetensors", {"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(1)})
    (cn / "control_sd15_canny.pth").write_bytes(b"not read")
    ip = tmp_path / "ip-adapter"
    ip_adapter_header(ip / "ip-adapter_sd15.safetensors", 768)
    ip_adapter_header(ip / "ip-adapter_sdxl_vit-h.safetensors", 2048)
    (ip / "image_encoder").mkdir()
    (ip / "image_encoder" / "config.json").write_text(json.dumps({"model_type": "clip_vision_model"}))

    index = AddOnIndex(tmp_path)
    found = {e.id: (e.type, e.architecture, e.control_type) for e in index.scan()}
    assert found == {
        "diffusers_xl_canny_full": ("controlnet", "sdxl", "canny"),
        "control_v11p_sd15_lineart": ("controlnet", "sd15", "lineart"),
        "sd21-depth": ("controlnet", "sd2", "depth"),
        "controlnet-depth-sdxl-1.0": ("controlnet", "sdxl", "depth"),
        "ip-adapter_sd15": ("ipadapter", "sd15", "reference"),
        "ip-adapter_sdxl_vit-h": ("ipadapter", "sdxl", "reference"),
    }
    reasons = {u.id: u.reason for u in index.unusable}
    assert "T2I-Adapter" in reasons["t2i-adapter-sketch"]
    assert "whole checkpoint" in reasons["whole"]
    assert ".safetensors" in reasons["control_sd15_canny"] and "run code" in reasons["control_sd15_canny"]
    assert set(reasons) == {"t2i-adapter-sketch", "whole", "control_sd15_canny"}  # the encoder is no add-on
