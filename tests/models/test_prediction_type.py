"""v-prediction or epsilon, and the native size that follows, told from what a checkpoint carries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from tests.models.unusable_cases import whole_checkpoint
from underpaint.models.prediction import SD2_STATISTIC_TENSOR
from underpaint.models.registry import ModelRegistry
from underpaint.models.single_file import write_packaged_config_folder

SPREAD = torch.tensor([0.2, -0.2] * 160)  # what v-prediction training leaves in that bias
FLAT = torch.full((320,), 0.01)

V_YAML = "model:\n  params:\n    parameterization: \"v\"\n    image_size: 96\n"
EPS_YAML = "model:\n  params:\n    image_size: 64\n"

# (family, bias, metadata, yaml, extra tensors) -> (prediction, native size, description note)
CASES = {
    "sd2-weights-v": ("sd2", SPREAD, {}, None, {}, ("v_prediction", 768, "v-prediction, told from its weights")),
    "sd2-weights-eps": ("sd2", FLAT, {}, None, {}, ("epsilon", 512, "epsilon, told from its weights")),
    "sd2-yaml-v": ("sd2", FLAT, {}, V_YAML, {}, ("v_prediction", 768, "v-prediction, from sd2-yaml-v.yaml")),
    "sd2-yaml-eps": ("sd2", SPREAD, {}, EPS_YAML, {}, ("epsilon", 512, "epsilon, from sd2-yaml-eps.yaml")),
    "sd2-modelspec-v": ("sd2", FLAT, {"modelspec.prediction_type": "v"}, None, {},
                        ("v_prediction", 768, "v-prediction, from its metadata")),
    "sd2-modelspec-512": ("sd2", SPREAD, {"modelspec.architecture": "stable-diffusion-v2-512"}, None, {},
                          ("epsilon", 512, "epsilon, from its metadata")),
    "sdxl-v-pred-marker": ("sdxl", None, {}, None, {"v_pred": torch.zeros(0)},
                           ("v_prediction", 1024, "v-prediction, v_pred marker")),
    "sdxl-plain": ("sdxl", None, {}, None, {}, ("epsilon", 1024, "")),
    "sd15-resolution-hint": ("sd15", None, {"modelspec.resolution": "768x512"}, None, {}, ("epsilon", 768, "")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_prediction_type_and_native_size(tmp_path: Path, name):
    family, bias, metadata, yaml, extra, (prediction, width, note) = CASES[name]
    tensors = {**whole_checkpoint(family), **extra}
    if bias is not None:
        tensors[SD2_STATISTIC_TENSOR] = bias.half()
    save_file(tensors, str(tmp_path / f"{name}.safetensors"), metadata=metadata)
    if yaml:
        (tmp_path / f"{name}.yaml").write_text(yaml)
    [entry] = ModelRegistry(tmp_path).scan()
    assert (entry.prediction_type, entry.native_width) == (prediction, width)
    assert entry.description == f"{dict(sd15='SD 1.x', sd2='SD 2.x', sdxl='SDXL')[family]} (" + \
        ", ".join(x for x in (note, "single file") if x) + ")"


def test_sd2_512_base_pickle_is_told_by_its_global_step(tmp_path: Path):
    state = {**whole_checkpoint("sd2"), SD2_STATISTIC_TENSOR: SPREAD.half()}
    torch.save({"state_dict": state, "global_step": 875_000}, tmp_path / "512-base-ema.ckpt")
    [entry] = ModelRegistry(tmp_path, allow_pickle=True).scan()
    assert (entry.prediction_type, entry.native_width) == ("epsilon", 512)
    assert "global_step 875000" in entry.description


@pytest.mark.parametrize("architecture,prediction,unet,scheduler", [
    ("sd2", "v_prediction", {"sample_size": 96, "upcast_attention": True}, "v_prediction"),
    ("sd2", "epsilon", {"sample_size": 64, "upcast_attention": False}, "epsilon"),
    ("sdxl", "v_prediction", {"sample_size": 128}, "v_prediction"),
    ("sd15", "", {"sample_size": 64}, None),
])
def test_configs_follow_the_prediction_type(tmp_path: Path, architecture, prediction, unet, scheduler):
    folder = write_packaged_config_folder(architecture, tmp_path / "c", prediction)
    unet_config = json.loads((folder / "unet" / "config.json").read_text())
    assert {k: unet_config.get(k) for k in unet} == unet
    scheduler_config = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())
    assert scheduler_config.get("prediction_type") == scheduler
