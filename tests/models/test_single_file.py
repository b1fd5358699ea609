"""Single-file checkpoints load with no network and give the same pipeline as the folder."""

from __future__ import annotations

import json
import os
import socket
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import torch

from underpaint.errors import FailedPrecondition
from underpaint.models import ldm_layout
from underpaint.models.loader import load_model
from underpaint.models.registry import ModelRegistry
from underpaint.models.single_file import write_packaged_config_folder
from underpaint.pipelines.generate import GenerationSpec, run_generation

CONFIGS = resources.files("underpaint.models").joinpath("configs")


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test loudly."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network use is forbidden in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return attempts


def test_single_file_loads_offline_and_matches_the_folder(demo_models_dir: Path, no_network):
    registry = ModelRegistry(demo_models_dir)
    registry.scan()
    single = load_model(registry.get("underpaint-demo-single"), "cpu", torch.float32)
    folder = load_model(registry.get("underpaint-demo"), "cpu", torch.float32)
    assert no_network == []
    assert "HF_HUB_OFFLINE" not in os.environ  # the offline switch is scoped to loading
    assert single.txt2img.tokenizer.model_max_length == 77

    for name in ("unet", "vae", "text_encoder"):
        a = getattr(single.txt2img, name).state_dict()
        b = getattr(folder.txt2img, name).state_dict()
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a), name

    spec = GenerationSpec("a red fox", "blurry", 64, 64, steps=3, guidance=6.0, sampler="euler")
    image_single = run_generation(single, spec, 42, lambda *a: None)
    image_folder = run_generation(folder, spec, 42, lambda *a: None)
    assert image_single.shape == (64, 64, 3)
    assert np.abs(image_single.astype(int) - image_folder.astype(int)).max() <= 1


def _param_count(module) -> int:
    return sum(p.numel() for p in module.parameters())


def _meta_component(architecture: str, component: str):
    """A packaged component built without memory (meta tensors)."""
    from accelerate import init_empty_weights
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    with resources.as_file(CONFIGS.joinpath(architecture)) as folder:
        with init_empty_weights():
            if component in ("unet", "vae"):
                config = json.loads((folder / component / "config.json").read_text())
                cls = UNet2DConditionModel if component == "unet" else AutoencoderKL
                return cls.from_config(config)
            cls = CLIPTextModelWithProjection if component == "text_encoder_2" else CLIPTextModel
            return cls(CLIPTextConfig.from_pretrained(folder / component))


# Published parameter counts of the real models: a wrong config value changes them.
@pytest.mark.parametrize("architecture,component,count", [
    ("sd15", "unet", 859_520_964),
    ("sd15", "vae", 83_653_863),
    ("sd15", "text_encoder", 123_060_480),
    ("sd2", "unet", 865_910_724),
    ("sd2", "vae", 83_653_863),
    ("sd2", "text_encoder", 340_387_840),  # OpenCLIP ViT-H/14 less its last layer, which SD 2.x skips
    ("sdxl", "unet", 2_567_463_684),
    ("sdxl", "vae", 83_653_863),
    ("sdxl", "text_encoder", 123_060_480),
    ("sdxl", "text_encoder_2", 694_659_840),
])
def test_packaged_configs_describe_the_real_models(architecture, component, count):
    assert _param_count(_meta_component(architecture, component)) == count


@pytest.mark.parametrize("architecture", ["sd15", "sd2", "sdxl"])
def test_original_layout_round_trips_through_diffusers_converter(architecture):
    """Our diffusers->original names are exactly what diffusers' own original->diffusers
    conversion expects, on the real architectures' shapes."""
    from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint

    unet = _meta_component(architecture, "unet")
    state = unet.state_dict()
    original = ldm_layout.unet_to_ldm(state, unet.config.layers_per_block)
    back = convert_ldm_unet_checkpoint(original, dict(unet.config))
    assert back.keys() == state.keys()
    assert all(back[k].shape == state[k].shape for k in state)

    vae = _meta_component(architecture, "vae")
    state = vae.state_dict()
    original = ldm_layout.vae_to_ldm(state)
    assert original["first_stage_model.encoder.mid.attn_1.q.weight"].ndim == 4  # stored as 1x1 conv
    back = convert_ldm_vae_checkpoint(original, dict(vae.config))
    assert back.keys() == state.keys()
    assert all(back[k].shape == state[k].shape for k in state)


def test_packaged_tokenizer_is_the_real_clip_tokenizer(tmp_path: Path):
    from transformers import CLIPTokenizer

    folder = write_packaged_config_folder("sdxl", tmp_path / "xl")
    tokenizer = CLIPTokenizer.from_pretrained(folder / "tokenizer")
    # Reference ids from OpenAI's CLIP tokenizer for this sentence.
    assert tokenizer("a photo of an astronaut riding a horse").input_ids == [
        49406, 320, 1125, 539, 550, 18376, 6765, 320, 4558, 49407]
    assert len(tokenizer) == 49408 and tokenizer.model_max_length == 77
    second = CLIPTokenizer.from_pretrained(folder / "tokenizer_2")
    assert second.pad_token == "!" and second.pad_token_id == 0


def test_unsupported_single_file_architecture_is_a_clear_error(tmp_path: Path):
    with pytest.raises(FailedPrecondition, match="sdxl_refiner checkpoints are not supported yet"):
        write_packaged_config_folder("sdxl_refiner", tmp_path / "x")


def test_pickle_file_is_refused_by_the_loader_too(tmp_path: Path):
    from underpaint.models.single_file import load_single_file

    path = tmp_path / "old.ckpt"
    torch.save({"model.diffusion_model.a": torch.zeros(1)}, path)
    with pytest.raises(FailedPrecondition, match="pickle"):
        load_single_file(path, "sd15", torch.float32)


def test_broken_checkpoint_fails_with_a_clear_error(tmp_path: Path):
    from safetensors.torch import save_file

    # It passes the scan (the names of a whole SD 1.x checkpoint) but holds almost no weights.
    save_file({"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(320, 4, 3, 3),
               "first_stage_model.decoder.conv_in.weight": torch.zeros(1),
               "cond_stage_model.transformer.text_model.a.weight": torch.zeros(1)}, str(tmp_path / "broken.safetensors"))
    registry = ModelRegistry(tmp_path)
    registry.scan()
    with pytest.raises(FailedPrecondition) as caught:
        load_model(registry.get("broken"), "cpu", torch.float32)
    assert caught.value.message.startswith("model 'broken' could not be loaded: ")
    assert "\n" not in caught.value.message
