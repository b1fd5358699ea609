"""A random-weight ESRGAN in RealESRGAN's published layout (conv_first, body.N.rdbK.convJ,
conv_body, conv_up1/2, conv_hr, conv_last), so model upscaling runs end to end with nothing
downloaded. spandrel recognises it as ESRGAN(num_filters=8, num_blocks=1, scale=4); the file is
about 0.9 MB. Its output is noise-like: for testing only, and labelled so in every list.
"""

from __future__ import annotations

import re
from pathlib import Path

from .upscale_models import META_DEMO, META_DESCRIPTION, UPSCALERS_FOLDER

DEMO_ESRGAN_NAME = "esrgan-demo-x4"
DEMO_DESCRIPTION = "ESRGAN x4 upscaler, DEMO with random weights (8 features, 1 block): output is noise-like"

# spandrel's internal (old ESRGAN) names -> RealESRGAN's RRDBNet names, for scale 4
_RENAMES = [(r"model\.0\.", "conv_first."), (r"model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.", r"body.\1.rdb\2.conv\3."),
            (r"model\.3\.", "conv_up1."), (r"model\.6\.", "conv_up2."), (r"model\.8\.", "conv_hr."),
            (r"model\.10\.", "conv_last.")]


def esrgan_state_dict(seed: int = 0, num_filters: int = 8, num_blocks: int = 1) -> dict:
    """A random x4 ESRGAN state dict with RealESRGAN's tensor names."""
    import torch
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(seed)
    net = ESRGAN(in_nc=3, out_nc=3, num_filters=num_filters, num_blocks=num_blocks, scale=4)
    out = {}
    for key, value in net.state_dict().items():
        new = key.replace(f"model.1.sub.{num_blocks}.", "conv_body.")
        for pattern, replacement in _RENAMES:
            new = re.sub("^" + pattern, replacement, new)
        out[new] = value.detach().clone().contiguous()
    return out


def write_demo_esrgan(models_dir: Path, seed: int = 0) -> Path:
    """Writes models_dir/upscalers/esrgan-demo-x4.safetensors and returns its path."""
    from safetensors.torch import save_file

    folder = Path(models_dir) / UPSCALERS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{DEMO_ESRGAN_NAME}.safetensors"
    partial = path.with_name(path.name + ".partial")  # never a half-written file under the real name
    save_file(esrgan_state_dict(seed), str(partial), metadata={META_DEMO: "true", META_DESCRIPTION: DEMO_DESCRIPTION})
    partial.replace(path)
    return path
