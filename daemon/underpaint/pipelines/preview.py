"""Cheap progress previews: latents -> RGB by a fixed linear map, no VAE decode.

The factors are the widely used approximations (ComfyUI's latent_formats.py): each RGB channel
is a weighted sum of the four latent channels.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

_SD15_FACTORS = [
    [0.3512, 0.2297, 0.3227],
    [0.3250, 0.4974, 0.2350],
    [-0.2829, 0.1762, 0.2721],
    [-0.2120, -0.2616, -0.7177],
]
_SDXL_FACTORS = [
    [0.3651, 0.4232, 0.4341],
    [-0.2533, -0.0042, 0.1068],
    [0.1076, 0.1111, -0.0362],
    [-0.3165, -0.2492, -0.2188],
]
_SDXL_BIAS = [0.1084, -0.0175, -0.0011]
LATENT_FACTOR = 8  # pixels per latent cell; a preview is never larger than the image itself


def _factors(architecture: str) -> tuple[torch.Tensor, torch.Tensor]:
    if architecture.startswith("sdxl"):
        return torch.tensor(_SDXL_FACTORS), torch.tensor(_SDXL_BIAS)
    return torch.tensor(_SD15_FACTORS), torch.zeros(3)  # SD 1.x and 2.x share the latent space


def preview_size(latent_height: int, latent_width: int, max_size: int) -> tuple[int, int]:
    """(height, width) of the preview: the image's aspect, longest side min(max_size, image side)."""
    longest = max(latent_height, latent_width)
    target = min(max_size, longest * LATENT_FACTOR)
    scale = target / longest
    return max(1, round(latent_height * scale)), max(1, round(latent_width * scale))


def latents_to_preview(latents: torch.Tensor, architecture: str, max_size: int) -> np.ndarray:
    """(1, 4, h, w) latents -> (H, W, 4) uint8 RGBA, longest side at most max_size."""
    if latents.ndim != 4 or latents.shape[1] != 4:
        raise ValueError(f"expected latents of shape (1, 4, h, w), got {tuple(latents.shape)}")
    if max_size < 1:
        raise ValueError(f"max_size must be positive, got {max_size}")
    factors, bias = _factors(architecture)
    first = latents[:1].detach().to("cpu", torch.float32)
    rgb = torch.einsum("bchw,cr->brhw", first, factors) + bias[None, :, None, None]
    height, width = preview_size(first.shape[2], first.shape[3], max_size)
    if (height, width) != tuple(rgb.shape[2:]):
        shrinking = height < rgb.shape[2] or width < rgb.shape[3]
        rgb = F.interpolate(rgb, size=(height, width), mode="bilinear", align_corners=False, antialias=shrinking)
    rgb = ((rgb.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)[0].permute(1, 2, 0).numpy()
    alpha = np.full((height, width, 1), 255, np.uint8)
    return np.ascontiguousarray(np.concatenate([rgb, alpha], axis=2))


def make_preview(latents: torch.Tensor, architecture: str, max_size: int) -> np.ndarray:
    """TAESD when its weights are installed (pipelines/taesd.py), else the linear map."""
    from .taesd import decoder_for, taesd_preview

    decoder = decoder_for(architecture, latents.device, latents.dtype)
    if decoder is None:
        return latents_to_preview(latents, architecture, max_size)
    height, width = preview_size(latents.shape[2], latents.shape[3], max_size)
    return taesd_preview(decoder, latents, height, width)
