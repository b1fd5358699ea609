"""Progress previews through TAESD (a tiny distilled VAE decoder) when its weights are installed,
the linear latent map otherwise.

Weights live in `<models>/vae-approx/` as diffusers AutoencoderTiny folders, as published:
`taesd/` for SD 1.x/2.x and `taesdxl/` for SDXL (config.json + diffusion_pytorch_model.safetensors).
A TAESD preview looks like the final image at a fraction of a VAE decode; without the weights
the linear map still shows composition and colour. Decoders load once, on first use.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)

_FOLDERS = {"sdxl": "taesdxl"}  # every other family shares SD 1.x's latent space: "taesd"
_lock = threading.Lock()
_root: Path | None = None
_decoders: dict[tuple, object] = {}


def configure(vae_approx_dir: Path | None) -> None:
    """Where to look (the daemon sets `<models>/vae-approx`); forgets decoders loaded before."""
    global _root
    with _lock:
        _root = Path(vae_approx_dir) if vae_approx_dir else None
        _decoders.clear()


def installed() -> list[tuple[str, str, Path]]:
    """(id, family, folder) of every installed decoder, for ListModels (AddOn type "vae_approx")."""
    if _root is None:
        return []
    found = [("taesd", "sd15", _root / "taesd")] + [(name, family, _root / name) for family, name in _FOLDERS.items()]
    return [entry for entry in found if (entry[2] / "config.json").is_file()]


def folder_for(architecture: str) -> Path | None:
    if _root is None:
        return None
    name = _FOLDERS.get("sdxl" if architecture.startswith("sdxl") else architecture, "taesd")
    folder = _root / name
    return folder if (folder / "config.json").is_file() else None


def decoder_for(architecture: str, device, dtype):
    """The AutoencoderTiny for this family on `device`, or None when none is installed or it
    cannot be read (logged once; previews fall back to the linear map)."""
    folder = folder_for(architecture)
    if folder is None:
        return None
    key = (str(folder), str(device), dtype)
    with _lock:
        if key not in _decoders:
            try:
                from diffusers import AutoencoderTiny

                _decoders[key] = AutoencoderTiny.from_pretrained(str(folder), torch_dtype=dtype).to(device).eval()
                log.info("previews through TAESD from %s", folder)
            except Exception as e:  # noqa: BLE001 - a broken download must not stop jobs
                log.warning("ignoring %s for previews: %s", folder, e)
                _decoders[key] = None
        return _decoders[key]


def taesd_preview(decoder, latents: torch.Tensor, height: int, width: int) -> np.ndarray:
    """(1, 4, h, w) pipeline latents -> (height, width, 4) uint8 RGBA through the decoder."""
    with torch.no_grad():
        param = next(decoder.parameters())
        rgb = decoder.decode(latents[:1].to(param.device, param.dtype)).sample.float().cpu()
    if (height, width) != tuple(rgb.shape[2:]):
        rgb = F.interpolate(rgb, size=(height, width), mode="bilinear", align_corners=False, antialias=True)
    rgb = ((rgb.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)[0].permute(1, 2, 0).numpy()
    alpha = np.full((height, width, 1), 255, np.uint8)
    return np.ascontiguousarray(np.concatenate([rgb, alpha], axis=2))
