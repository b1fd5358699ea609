"""Writers of control files in the layouts model sites publish, with zero weights (the tests
read names and shapes, or need a file of the right architecture, not a working network)."""

from __future__ import annotations

from pathlib import Path

import torch

from tests.addons.addon_files import save


def diffusers_controlnet_header(path: Path, context: int, metadata=None) -> Path:
    """A few tensors of a diffusers-layout single-file ControlNet (as SDXL ControlNets are
    published) whose cross-attention reads `context`-wide text (2048 = SDXL)."""
    return save(path, {
        "controlnet_cond_embedding.conv_in.weight": torch.zeros(16, 3, 3, 3),
        "controlnet_down_blocks.0.weight": torch.zeros(320, 320, 1, 1),
        "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight": torch.zeros(640, context),
        "add_embedding.linear_1.weight": torch.zeros(1280, 2816),
    }, metadata)


def t2i_adapter(path: Path) -> Path:
    return save(path, {"adapter.body.0.resnets.0.block1.weight": torch.zeros(320, 320, 3, 3),
                       "adapter.conv_in.weight": torch.zeros(320, 192, 3, 3)})


def ip_adapter_header(path: Path, context: int, metadata=None) -> Path:
    """IP-Adapter as published (ip-adapter_sd15.safetensors): image projection + to_k_ip/to_v_ip."""
    return save(path, {"image_proj.proj.weight": torch.zeros(4 * context, 1024),
                       "image_proj.norm.weight": torch.zeros(context),
                       "ip_adapter.1.to_k_ip.weight": torch.zeros(320, context),
                       "ip_adapter.1.to_v_ip.weight": torch.zeros(320, context)}, metadata)
