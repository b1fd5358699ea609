"""The SDXL code path (two text encoders, size conditioning) on a tiny random SDXL folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from underpaint.models import demo
from underpaint.models.loader import load_model
from underpaint.models.registry import ModelRegistry
from underpaint.models.tokenizers import demo_vocab, write_tokenizer
from underpaint.pipelines.generate import GenerationSpec, run_generation


def write_tiny_sdxl(folder: Path) -> Path:
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=8, block_out_channels=(32, 64), layers_per_block=1,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4), use_linear_projection=True, cross_attention_dim=32 + 64,
        addition_embed_type="text_time", addition_time_embed_dim=8,
        projection_class_embeddings_input_dim=64 + 6 * 8, transformer_layers_per_block=(1, 2))
    vae = AutoencoderKL.from_config(demo.VAE_CONFIG)
    # Widths differ, as in real SDXL (768 / 1280): the single-file loader tells the encoders apart by them.
    text = dict(intermediate_size=64, num_attention_heads=4, num_hidden_layers=2, vocab_size=514,
                bos_token_id=512, eos_token_id=513, pad_token_id=513)
    encoder = CLIPTextModel(CLIPTextConfig(**text, hidden_size=32, projection_dim=32))
    encoder_2 = CLIPTextModelWithProjection(CLIPTextConfig(**text, hidden_size=64, projection_dim=64, hidden_act="gelu"))
    vocab, merges = demo_vocab()
    tokenizer = CLIPTokenizer.from_pretrained(write_tokenizer(folder / "_tok", vocab, merges))
    pipe = StableDiffusionXLPipeline(
        vae=vae, text_encoder=encoder, text_encoder_2=encoder_2, tokenizer=tokenizer, tokenizer_2=tokenizer,
        unet=unet, scheduler=EulerDiscreteScheduler(beta_schedule="scaled_linear", beta_start=0.00085,
                                                    beta_end=0.012, steps_offset=1, timestep_spacing="leading"))
    target = folder / "tiny-sdxl"
    pipe.save_pretrained(target, safe_serialization=True)
    return target


@pytest.fixture(scope="module")
def sdxl_model(tmp_path_factory):
    root = tmp_path_factory.mktemp("sdxl")
    write_tiny_sdxl(root)
    registry = ModelRegistry(root)
    registry.scan()
    return registry.get("tiny-sdxl")


def test_registry_sees_sdxl(sdxl_model):
    assert sdxl_model.architecture == "sdxl" and sdxl_model.kind == "diffusers"
    assert (sdxl_model.native_width, sdxl_model.size_multiple) == (64, 8)


def test_sdxl_txt2img_img2img_inpaint(sdxl_model):
    model = load_model(sdxl_model, "cpu", torch.float32)
    base = dict(prompt="a castle", negative_prompt="", width=64, height=64, steps=3, guidance=5.0, sampler="dpmpp_2m")
    previews = []
    first = run_generation(model, GenerationSpec(**base, preview_max_size=16), 1,
                           lambda d, t, p: previews.append((d, t, p.shape)))
    assert first.shape == (64, 64, 3)
    assert previews == [(1, 3, (16, 16, 4)), (2, 3, (16, 16, 4)), (3, 3, (16, 16, 4))]
    assert np.array_equal(first, run_generation(model, GenerationSpec(**base), 1, lambda *a: None))

    init = np.full((64, 64, 3), 90, np.uint8)
    changed = run_generation(model, GenerationSpec(**base, init_image=init, strength=0.7), 1, lambda *a: None)
    assert changed.shape == (64, 64, 3)

    mask = np.zeros((64, 64), np.uint8)
    mask[:, 32:] = 255
    painted = run_generation(model, GenerationSpec(**base, init_image=init, mask=mask), 2, lambda *a: None)
    assert np.array_equal(painted[:, :32], init[:, :32])
    assert not np.array_equal(painted[:, 32:], init[:, 32:])


def test_sdxl_single_file_matches_the_folder(sdxl_model, tmp_path, monkeypatch):
    """An SDXL checkpoint in the original layout (CLIP-L + OpenCLIP text encoders) loads through
    the single-file path and gives the folder's image. The packaged configs describe the full
    size model, so this test hands in the tiny model's configs in their place."""
    import shutil

    from safetensors.torch import save_file

    from underpaint.models import ldm_layout, single_file
    from underpaint.models.registry import ModelEntry

    folder_model = load_model(sdxl_model, "cpu", torch.float32)
    pipe = folder_model.txt2img
    state = {}
    state.update(ldm_layout.unet_to_ldm(pipe.unet.state_dict(), pipe.unet.config.layers_per_block))
    state.update(ldm_layout.vae_to_ldm(pipe.vae.state_dict()))
    state.update(ldm_layout.text_encoder_to_ldm(pipe.text_encoder.state_dict(), ldm_layout.SDXL_TEXT_PREFIX))
    state.update(ldm_layout.open_clip_to_ldm(pipe.text_encoder_2.state_dict()))
    path = tmp_path / "tiny-xl.safetensors"
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))

    keys, _ = single_file.read_safetensors_header(path)
    assert single_file.detect_architecture(keys) == "sdxl"

    def tiny_configs(architecture, out_dir, prediction_type=""):
        assert architecture == "sdxl"
        shutil.copytree(sdxl_model.path, out_dir, ignore=shutil.ignore_patterns("*.safetensors"))
        return out_dir

    monkeypatch.setattr(single_file, "write_packaged_config_folder", tiny_configs)
    entry = ModelEntry("tiny-xl", "tiny-xl", "sdxl", 64, 64, "single_file", False, path, 8, "")
    single_model = load_model(entry, "cpu", torch.float32)
    for name in ("unet", "vae", "text_encoder", "text_encoder_2"):
        a, b = getattr(single_model.txt2img, name).state_dict(), getattr(pipe, name).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in b), name

    spec = GenerationSpec("a castle", "fog", 64, 64, 2, 5.0, "euler")
    a = run_generation(single_model, spec, 3, lambda *a: None).astype(int)
    b = run_generation(folder_model, spec, 3, lambda *a: None).astype(int)
    # Same weights; the encoders may pick another attention kernel, so allow rounding noise.
    assert np.abs(a - b).max() <= 1, np.abs(a - b).max()
