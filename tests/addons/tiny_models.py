"""A tiny random "SD 2.x" model whose text encoder is 48 wide (the demo's is 32), for mapping
embeddings across encoders. Its token table is either the demo's carried through a planted
affine map (the two encoders are exactly linearly related) or unrelated random numbers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from underpaint.models import demo

WIDTH = 48


def planted_map(seed: int = 5, width: int = WIDTH) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(32, width, generator=g) * 0.7, torch.randn(width, generator=g) * 0.1


def write_tiny_sd2(models_dir: Path, demo_dir: Path, name: str, planted: bool, is_demo: bool = True,
                   width: int = WIDTH, architecture: str = "sd2") -> Path:
    """A diffusers folder `models_dir/name`; built from the demo folder in `demo_dir`. With
    width 32 and architecture "sd15" it is a fine-tune of the demo whose token table drifted."""
    from diffusers import UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    folder = models_dir / name
    shutil.copytree(demo_dir / demo.DEMO_FOLDER_NAME, folder)
    torch.manual_seed(7)
    text_config = {k: v for k, v in demo.TEXT_ENCODER_CONFIG.items() if k not in ("architectures", "model_type")}
    text_config.update(hidden_size=width, intermediate_size=2 * width, projection_dim=width)
    encoder = CLIPTextModel(CLIPTextConfig(**text_config)).eval()
    demo_table = load_file(str(demo_dir / demo.DEMO_FOLDER_NAME / "text_encoder" / "model.safetensors"))[
        "embeddings.token_embedding.weight"]
    with torch.no_grad():
        if planted:
            weight, bias = planted_map(width=width)
            encoder.get_input_embeddings().weight.copy_(demo_table @ weight + bias)
        else:
            encoder.get_input_embeddings().weight.normal_(0, 0.02, generator=torch.Generator().manual_seed(9))
    save_file({k: v.contiguous() for k, v in encoder.state_dict().items()},
              str(folder / "text_encoder" / "model.safetensors"))
    (folder / "text_encoder" / "config.json").write_text(json.dumps({**demo.TEXT_ENCODER_CONFIG, **text_config}))
    unet = UNet2DConditionModel.from_config({**demo.UNET_CONFIG, "cross_attention_dim": width}).eval()
    save_file({k: v.contiguous() for k, v in unet.state_dict().items()},
              str(folder / "unet" / "diffusion_pytorch_model.safetensors"))
    (folder / "unet" / "config.json").write_text(json.dumps({**demo.UNET_CONFIG, "cross_attention_dim": width}))
    marker = json.loads((folder / demo.MARKER_FILE).read_text())
    marker.update(architecture=architecture, display_name=name, demo=is_demo,
                  description=f"tiny {architecture}-shaped test model: random weights, output is noise")
    (folder / demo.MARKER_FILE).write_text(json.dumps(marker))
    return folder
