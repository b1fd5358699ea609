"""A tiny randomly initialised SD-1.x-architecture pipeline, so everything runs offline.

Written twice with the same weights: as a diffusers folder and as one single-file checkpoint in
the original (CompVis / A1111) key layout, so both loading paths are exercised without a
download. The output is noise; the point is that every code path runs on any machine.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from underpaint.models import ldm_layout
from underpaint.models.tokenizers import demo_vocab, write_tokenizer

DEMO_FOLDER_NAME = "underpaint-demo"
DEMO_FILE_NAME = "underpaint-demo-single.safetensors"
DEMO_DESCRIPTION = "Underpaint demo model: random weights: output is noise; for testing"
DEMO_NATIVE_SIZE = 64  # pixels; the UNet works on 8x8 latents, the VAE factor is 8
MARKER_FILE = "underpaint_model.json"
# safetensors metadata keys (values must be strings)
META_DEMO = "underpaint.demo"
META_DESCRIPTION = "underpaint.description"
META_ARCHITECTURE = "underpaint.architecture"
META_NATIVE_SIZE = "underpaint.native_size"
META_CONFIGS = "underpaint.configs"

LAYERS_PER_BLOCK = 2

UNET_CONFIG = {
    "_class_name": "UNet2DConditionModel",
    "sample_size": DEMO_NATIVE_SIZE // 8,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
    "block_out_channels": [32, 64],
    "layers_per_block": LAYERS_PER_BLOCK,
    "attention_head_dim": 8,
    "cross_attention_dim": 32,
    "norm_num_groups": 32,
}
VAE_CONFIG = {
    "_class_name": "AutoencoderKL",
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * 4,  # four blocks: three halvings, factor 8
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "block_out_channels": [32, 32, 64, 64],
    "layers_per_block": 1,
    "latent_channels": 4,
    "norm_num_groups": 32,
    "sample_size": DEMO_NATIVE_SIZE,
    "scaling_factor": 0.18215,
}
TEXT_ENCODER_CONFIG = {
    "architectures": ["CLIPTextModel"],
    "model_type": "clip_text_model",
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "max_position_embeddings": 77,
    "vocab_size": 514,
    "bos_token_id": 512,
    "eos_token_id": 513,
    "pad_token_id": 513,
    "hidden_act": "quick_gelu",
    "projection_dim": 32,
}
SCHEDULER_CONFIG = {
    "_class_name": "PNDMScheduler",
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "clip_sample": False,
}
MODEL_INDEX = {
    "_class_name": "StableDiffusionPipeline",
    "unet": ["diffusers", "UNet2DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "tokenizer": ["transformers", "CLIPTokenizer"],
    "scheduler": ["diffusers", "PNDMScheduler"],
    "safety_checker": [None, None],
    "feature_extractor": [None, None],
    "requires_safety_checker": False,
}


def demo_configs() -> dict:
    """Every config the demo pipeline needs, as one JSON-able dict (stored in the single file)."""
    vocab, merges = demo_vocab()
    return {
        "model_index": MODEL_INDEX,
        "unet": UNET_CONFIG,
        "vae": VAE_CONFIG,
        "text_encoder": TEXT_ENCODER_CONFIG,
        "scheduler": SCHEDULER_CONFIG,
        "tokenizer": {"vocab": vocab, "merges": merges},
    }


def write_config_folder(configs: dict, out_dir: Path) -> Path:
    """Lay `demo_configs()`-style configs out as a weightless diffusers folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model_index.json").write_text(json.dumps(configs["model_index"], indent=1))
    for name, file in (("unet", "config.json"), ("vae", "config.json"), ("text_encoder", "config.json"),
                       ("scheduler", "scheduler_config.json")):
        (out_dir / name).mkdir(exist_ok=True)
        (out_dir / name / file).write_text(json.dumps(configs[name], indent=1))
    write_tokenizer(out_dir / "tokenizer", configs["tokenizer"]["vocab"], configs["tokenizer"]["merges"])
    return out_dir


def _build_models(seed: int):
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    # Each component gets its own fixed seed so the weights depend on `seed` only.
    torch.manual_seed(seed)
    unet = UNet2DConditionModel.from_config(UNET_CONFIG)
    torch.manual_seed(seed + 1)
    vae = AutoencoderKL.from_config(VAE_CONFIG)
    torch.manual_seed(seed + 2)
    text_config = {k: v for k, v in TEXT_ENCODER_CONFIG.items() if k not in ("architectures", "model_type")}
    text_encoder = CLIPTextModel(CLIPTextConfig(**text_config))
    return unet.eval(), vae.eval(), text_encoder.eval()


def _contiguous(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().contiguous() for k, v in state.items()}


def write_demo_model(out_dir: Path, seed: int = 0) -> tuple[Path, Path]:
    """Write the demo as `out_dir/underpaint-demo/` (diffusers) and
    `out_dir/underpaint-demo-single.safetensors` (original layout); returns both paths."""
    from safetensors.torch import save_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = out_dir / DEMO_FOLDER_NAME
    single = out_dir / DEMO_FILE_NAME
    unet, vae, text_encoder = _build_models(seed)
    configs = demo_configs()

    # Folder: written next to its final place, then swapped in, so a crash leaves no half model.
    staging = out_dir / f".{DEMO_FOLDER_NAME}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    write_config_folder(configs, staging)
    for name, module in (("unet", unet), ("vae", vae), ("text_encoder", text_encoder)):
        save_file(_contiguous(module.state_dict()), str(staging / name / _weights_name(name)))
    marker = {
        "demo": True,
        "display_name": "Underpaint demo (random weights)",
        "description": DEMO_DESCRIPTION,
        "architecture": "sd15",
        "native_width": DEMO_NATIVE_SIZE,
        "native_height": DEMO_NATIVE_SIZE,
        "seed": seed,
    }
    (staging / MARKER_FILE).write_text(json.dumps(marker, indent=1))
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)

    state = {}
    state.update(ldm_layout.unet_to_ldm(_contiguous(unet.state_dict()), LAYERS_PER_BLOCK))
    state.update(ldm_layout.vae_to_ldm(_contiguous(vae.state_dict())))
    state.update(ldm_layout.text_encoder_to_ldm(_contiguous(text_encoder.state_dict())))
    metadata = {
        META_DEMO: "true",
        META_DESCRIPTION: DEMO_DESCRIPTION,
        META_ARCHITECTURE: "sd15",
        META_NATIVE_SIZE: f"{DEMO_NATIVE_SIZE}x{DEMO_NATIVE_SIZE}",
        META_CONFIGS: json.dumps(configs),
    }
    partial = single.with_name(single.name + ".partial")
    save_file({k: v.contiguous() for k, v in state.items()}, str(partial), metadata=metadata)
    partial.replace(single)
    from underpaint.models.demo_addons import write_demo_addons  # a LoRA, embedding and VAE that fit it

    write_demo_addons(out_dir, unet, text_encoder, VAE_CONFIG, seed)
    return folder, single


def _weights_name(component: str) -> str:
    return "model.safetensors" if component == "text_encoder" else "diffusion_pytorch_model.safetensors"
