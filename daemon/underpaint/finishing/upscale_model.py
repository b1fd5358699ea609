"""Upscaling pixels: through a network (spandrel, in tiles) or with Lanczos, alpha on its own.

Colour and alpha stay straight (not premultiplied): the colour under transparent pixels is first
filled from its neighbours (canvas.pixels.fill_transparent), so no dark fringe grows along soft
edges, and alpha is resized on its own with Lanczos. Not through the network: super-resolution
networks are trained on photographs and invent texture, which in a mask shows as speckled
transparency; a Lanczos mask keeps its edges where they were (and costs nothing). A fully opaque
image keeps alpha 255 everywhere.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

# Input tile side (pixels) and overlap: a x4 RealESRGAN tile of 256 px peaks at about 1 GB of
# activations on the CPU; GPUs take bigger tiles. 32 px of overlap covers ESRGAN's receptive field.
TILE_CPU = 256
TILE_GPU = 512
OVERLAP = 32
MAX_PASSES = 4   # a x2 network reaches x16 in four passes


def tile_runner(descriptor, device: str):
    """float32 (h, w, 3) numpy in [0, 1] -> the network's output as float32 numpy (h*s, w*s, 3)."""
    import torch

    def run(tile: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(tile)).permute(2, 0, 1).unsqueeze(0).to(device)
        with torch.inference_mode():
            y = descriptor(x)
        return y[0].permute(1, 2, 0).float().cpu().numpy()

    return run


def network_upscale(descriptor, device: str, image: np.ndarray, width: int, height: int,
                    on_tile=None, tile: int | None = None, overlap: int = OVERLAP) -> np.ndarray:
    """(h, w, 3|4) uint8 -> (height, width, same channels): as many network passes as it takes to
    reach the size (at most MAX_PASSES), then Lanczos to the exact size.
    on_tile(done, total) is called around every tile of every pass and channel group."""
    from .upscale_tiles import upscale_tiled

    tile = tile or (TILE_GPU if device.startswith("cuda") else TILE_CPU)
    scale = int(descriptor.scale)
    needs = descriptor.size_requirements
    rgb, alpha = _split(image)
    passes = _passes(image.shape[1], image.shape[0], width, height, scale)
    done_passes = 0

    def tile_callback(done: int, total: int) -> None:
        if on_tile is not None:
            on_tile(done_passes * total + done, passes * total)

    run = tile_runner(descriptor, device)
    for _ in range(passes):
        rgb = upscale_tiled(run, rgb, scale, tile, overlap, needs.multiple_of, needs.minimum, tile_callback)
        done_passes += 1
    return _merge(rgb, alpha, width, height)


def lanczos_upscale(image: np.ndarray, width: int, height: int) -> np.ndarray:
    return _merge(*_split(image), width, height)


def _passes(w: int, h: int, width: int, height: int, scale: int) -> int:
    passes = 1
    while scale > 1 and passes < MAX_PASSES and (w * scale ** passes < width or h * scale ** passes < height):
        passes += 1
    return passes


def _split(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(rgb with the colour under transparent pixels filled, alpha) or (rgb, None) when there is
    no alpha channel; an opaque alpha channel stays (it comes back as 255 everywhere)."""
    from ..canvas.pixels import fill_transparent

    if image.shape[2] == 3:
        return np.ascontiguousarray(image), None
    alpha = np.ascontiguousarray(image[..., 3])
    if alpha.min() == 255:
        return np.ascontiguousarray(image[..., :3]), alpha
    return fill_transparent(image), alpha


def _merge(rgb: np.ndarray, alpha: np.ndarray | None, width: int, height: int) -> np.ndarray:
    rgb = _resize(rgb, width, height)
    if alpha is None:
        return rgb
    if alpha.min() == 255:
        return np.dstack([rgb, np.full((height, width), 255, np.uint8)])
    return np.dstack([rgb, _resize(alpha, width, height)])


def _resize(plane: np.ndarray, width: int, height: int) -> np.ndarray:
    if plane.shape[:2] == (height, width):
        return plane
    return np.asarray(Image.fromarray(plane).resize((width, height), Image.LANCZOS))
