"""A random-weight IP-Adapter for the demo model, with the tiny CLIP image encoder it reads, in
the layout IP-Adapters are published in: `ipadapter/underpaint-demo-ipadapter.safetensors`
(`image_proj.*` + `ip_adapter.N.to_k_ip/to_v_ip`, N = 1, 3, 5, ...: the original code numbers
every attention layer and keeps the odd, cross-attention ones) and `ipadapter/image_encoder/` (a
transformers CLIPVisionModelWithProjection folder)."""

from __future__ import annotations

from pathlib import Path

import torch

from underpaint.models import demo

IP_ADAPTER_NAME = "underpaint-demo-ipadapter"
ENCODER_FOLDER = "image_encoder"
TOKENS = 4  # context tokens the basic IP-Adapter adds per image
ENCODER_CONFIG = {"hidden_size": 32, "intermediate_size": 37, "projection_dim": 32, "num_hidden_layers": 2,
                  "num_attention_heads": 4, "image_size": 32, "patch_size": 8}


def ip_adapter_state(unet, image_embed_dim: int, generator: torch.Generator, scale: float = 0.3) -> dict:
    context = unet.config.cross_attention_dim
    state = {"image_proj.proj.weight": torch.randn(TOKENS * context, image_embed_dim, generator=generator) * scale,
             "image_proj.proj.bias": torch.zeros(TOKENS * context),
             "image_proj.norm.weight": torch.ones(context), "image_proj.norm.bias": torch.zeros(context)}
    key_id = 1
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue  # self-attention reads no context: the original code numbered it and saved nothing
        attention = unet.get_submodule(name.removesuffix(".processor"))
        for part in ("to_k_ip", "to_v_ip"):
            shape = attention.to_k.weight.shape  # (hidden, context): the image tokens are read like text
            state[f"ip_adapter.{key_id}.{part}.weight"] = torch.randn(shape, generator=generator) * scale
        key_id += 2
    return state


def write_demo_ip_adapter(out_dir: Path, unet, seed: int = 0) -> Path:
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    folder = Path(out_dir) / "ipadapter"
    torch.manual_seed(seed + 13)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(**ENCODER_CONFIG)).eval()
    encoder.save_pretrained(str(folder / ENCODER_FOLDER), safe_serialization=True)
    generator = torch.Generator().manual_seed(seed + 14)
    path = folder / f"{IP_ADAPTER_NAME}.safetensors"
    partial = path.with_name(path.name + ".partial")
    metadata = {demo.META_DEMO: "true", demo.META_ARCHITECTURE: "sd15",
                demo.META_DESCRIPTION: "Underpaint demo IP-Adapter: random weights, for the demo model only; for testing"}
    tensors = ip_adapter_state(unet, ENCODER_CONFIG["projection_dim"], generator)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(partial), metadata=metadata)
    partial.replace(path)
    return path
