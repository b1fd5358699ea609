"""Random-weight add-ons for the demo model: a LoRA, an embedding, a VAE and a ControlNet that
fit its tiny networks, so the add-on paths (pickers, prompt tags, per-job VAE) run on any machine.

Like the demo model they are labelled as random weights in their metadata, and the daemon
lists them as demo add-ons that only work with the demo model. The LoRA uses kohya's key
layout (what model sites publish), the embedding A1111's safetensors layout, the VAE the
original single-file layout, the ControlNet lllyasviel's `cldm` layout (`control_model.*`).
"""

from __future__ import annotations

from pathlib import Path

import torch

from underpaint.models import demo, ldm_layout

LORA_NAME = "underpaint-demo-lora"
EMBEDDING_NAME = "underpaint-demo-embedding"
VAE_NAME = "underpaint-demo-vae"
CONTROLNET_NAME = "underpaint-demo-controlnet"
EMBEDDING_VECTORS = 2
LORA_RANK = 4


def _metadata(kind: str) -> dict[str, str]:
    return {demo.META_DEMO: "true", demo.META_ARCHITECTURE: "sd15",
            demo.META_DESCRIPTION: f"Underpaint demo {kind}: random weights, for the demo model only; for testing"}


def kohya_lora_state(unet, text_encoder, rank: int, generator: torch.Generator, scale: float = 0.3) -> dict:
    """A kohya-layout LoRA for every attention/feed-forward linear layer of the UNet's transformer
    blocks and every linear layer of the text encoder's transformer layers."""
    state = {}

    def add(prefix: str, layer: torch.nn.Linear) -> None:
        state[f"{prefix}.lora_down.weight"] = torch.randn(rank, layer.in_features, generator=generator) * scale
        state[f"{prefix}.lora_up.weight"] = torch.randn(layer.out_features, rank, generator=generator) * scale
        state[f"{prefix}.alpha"] = torch.tensor(float(rank))

    for name, layer in _linear_layers(unet):
        if ".transformer_blocks." in name:
            add("lora_unet_" + name.replace(".", "_"), layer)
    for name, layer in _linear_layers(text_encoder):
        if "encoder.layers." in name:
            add("lora_te_text_model_" + name.removeprefix("text_model.").replace(".", "_"), layer)
    return state


def _linear_layers(module):
    """(name, layer) of every linear layer, by its own name even when a LoRA already wraps it."""
    for name, layer in module.named_modules():
        if isinstance(layer, torch.nn.Linear) and ".lora_" not in name:
            yield name.removesuffix(".base_layer"), layer


def write_demo_addons(out_dir: Path, unet, text_encoder, vae_config: dict, seed: int = 0) -> dict[str, Path]:
    """Writes out_dir/loras/, embeddings/, vae/, controlnet/ and ipadapter/ demo files; returns their paths."""
    from diffusers import AutoencoderKL
    from safetensors.torch import save_file

    out_dir = Path(out_dir)
    paths = {"lora": out_dir / "loras" / f"{LORA_NAME}.safetensors",
             "embedding": out_dir / "embeddings" / f"{EMBEDDING_NAME}.safetensors",
             "vae": out_dir / "vae" / f"{VAE_NAME}.safetensors"}
    generator = torch.Generator().manual_seed(seed + 10)
    width = text_encoder.get_input_embeddings().weight.shape[1]
    tensors = {
        "lora": kohya_lora_state(unet, text_encoder, LORA_RANK, generator),
        "embedding": {"emb_params": torch.randn(EMBEDDING_VECTORS, width, generator=generator) * 0.5},
    }
    torch.manual_seed(seed + 11)
    other_vae = AutoencoderKL.from_config(vae_config).eval()
    tensors["vae"] = {k.removeprefix(ldm_layout.VAE_PREFIX): v
                      for k, v in ldm_layout.vae_to_ldm(other_vae.state_dict()).items()}
    paths["controlnet"] = out_dir / "controlnet" / f"{CONTROLNET_NAME}.safetensors"
    tensors["controlnet"] = demo_controlnet_state(unet, seed + 12)
    labels = {"lora": "LoRA", "embedding": "embedding", "vae": "VAE", "controlnet": "ControlNet"}
    for kind, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        save_file({k: v.detach().contiguous() for k, v in tensors[kind].items()}, str(partial),
                  metadata=_metadata(labels[kind]))
        partial.replace(path)
    from underpaint.models.demo_ip_adapter import write_demo_ip_adapter

    paths["ipadapter"] = write_demo_ip_adapter(out_dir, unet, seed)
    return paths


def demo_controlnet_state(unet, seed: int) -> dict:
    """A ControlNet made from the UNet (as training starts one), in the original `cldm` layout.
    Its zero convolutions get random weights: freshly made they are zero, and a ControlNet that
    adds nothing could not show that a control reaches the generation."""
    from diffusers import ControlNetModel

    torch.manual_seed(seed)
    controlnet = ControlNetModel.from_unet(unet).eval()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in (*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block,
                       controlnet.controlnet_cond_embedding.conv_out):
            for tensor in module.parameters():
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.3)
    return ldm_layout.controlnet_to_ldm(controlnet.state_dict(), unet.config.layers_per_block)
