"""Writers of add-on files in the layouts model sites publish, for the tests."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import save_file


def save(path: Path, tensors: dict, metadata: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(path), metadata=metadata)
    return path


def kohya_pair(prefix: str, rank: int, inputs: int, outputs: int, conv: bool = False) -> dict:
    down = torch.zeros(rank, inputs, 1, 1) if conv else torch.zeros(rank, inputs)
    up = torch.zeros(outputs, rank, 1, 1) if conv else torch.zeros(outputs, rank)
    return {f"{prefix}.lora_down.weight": down, f"{prefix}.lora_up.weight": up, f"{prefix}.alpha": torch.tensor(rank / 2)}


def header_lora(path: Path, context: int, te: str = "lora_te_", te_width: int = 768, metadata=None) -> Path:
    """A small kohya LoRA whose cross-attention key projection reads `context`-wide text."""
    tensors = {}
    tensors.update(kohya_pair("lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k", 4, context, 640))
    tensors.update(kohya_pair("lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q", 4, 640, 640))
    if te:
        tensors.update(kohya_pair(f"{te}text_model_encoder_layers_0_self_attn_q_proj", 4, te_width, te_width))
    return save(path, tensors, metadata)


def a1111_pt_embedding(path: Path, vectors: torch.Tensor, checkpoint_name: str = "") -> Path:
    """A1111's textual-inversion .pt layout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"string_to_token": {"*": 265}, "string_to_param": {"*": torch.nn.Parameter(vectors.clone())},
                "name": path.stem, "step": 3000, "sd_checkpoint": "81761151",
                "sd_checkpoint_name": checkpoint_name}, path)
    return path


def lcm_lora_state(unet, rank: int, generator: torch.Generator, scale: float = 0.2) -> dict:
    """The published LCM-LoRA layout: kohya keys named after diffusers' UNet modules, covering
    attention, feed-forward, proj_in/out, time embedding projections and the 3x3 convolutions
    of resnets, down- and upsamplers (no text-encoder layers)."""
    state = {}
    for name, layer in unet.named_modules():
        if ".lora_" in name or not name:
            continue
        name = name.removesuffix(".base_layer")
        wanted = (".transformer_blocks." in name or name.endswith(("proj_in", "proj_out", "time_emb_proj"))
                  or name.endswith(("conv1", "conv2", "conv_shortcut", "downsamplers.0.conv", "upsamplers.0.conv")))
        if not wanted:
            continue
        prefix = "lora_unet_" + name.replace(".", "_")
        if isinstance(layer, torch.nn.Linear):
            down = torch.randn(rank, layer.in_features, generator=generator)
            up = torch.randn(layer.out_features, rank, generator=generator)
        elif isinstance(layer, torch.nn.Conv2d):
            kh, kw = layer.kernel_size
            down = torch.randn(rank, layer.in_channels, kh, kw, generator=generator)
            up = torch.randn(layer.out_channels, rank, 1, 1, generator=generator)
        else:
            continue
        state[f"{prefix}.lora_down.weight"] = down * scale
        state[f"{prefix}.lora_up.weight"] = up * scale
        state[f"{prefix}.alpha"] = torch.tensor(float(rank))
    return state
