"""Random-weight face restorers in the published layouts, so face restoration runs end to end
with nothing downloaded. Their output is noise inside the face: for testing only, and labelled
so in every list.

GFPGAN: spandrel builds it at one size only (GFPGANv1Clean, 512 px, channel multiplier 2, as
GFPGANv1.3/1.4), so the demo is full size: ~87 M parameters, written as float16 (~174 MB).
"""

from __future__ import annotations

from pathlib import Path

from .face_models import META_DEMO, META_DESCRIPTION, RESTORERS_FOLDER

DEMO_GFPGAN_NAME = "gfpgan-demo"
DEMO_DESCRIPTION = "GFPGAN face restorer, DEMO with random weights: restored faces are noise"


def gfpgan_state_dict(seed: int = 0) -> dict:
    """A random GFPGANv1Clean state dict with GFPGANv1.4's tensor names and shapes."""
    import torch
    from spandrel.architectures.GFPGAN import GFPGAN

    torch.manual_seed(seed)
    net = GFPGAN(out_size=512, num_style_feat=512, channel_multiplier=2, decoder_load_path=None,
                 fix_decoder=False, num_mlp=8, input_is_latent=True, different_w=True, narrow=1,
                 sft_half=True)
    return {k: v.detach().contiguous() for k, v in net.state_dict().items()}


def write_demo_gfpgan(models_dir: Path, seed: int = 0, state_dict: dict | None = None) -> Path:
    """Writes models_dir/face_restorers/gfpgan-demo.safetensors (float16) and returns its path."""
    import torch
    from safetensors.torch import save_file

    folder = Path(models_dir) / RESTORERS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{DEMO_GFPGAN_NAME}.safetensors"
    tensors = {k: v.to(torch.float16) if v.is_floating_point() else v
               for k, v in (state_dict or gfpgan_state_dict(seed)).items()}
    partial = path.with_name(path.name + ".partial")  # never a half-written file under the real name
    save_file(tensors, str(partial), metadata={META_DEMO: "true", META_DESCRIPTION: DEMO_DESCRIPTION})
    partial.replace(path)
    return path
