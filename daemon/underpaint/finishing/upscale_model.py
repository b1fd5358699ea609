"""Upscaling pixels: through a network (spandrel, in tiles) or with Lanczos, alpha on its own.

Colour and alpha stay straight (not premultiplied): the colour under transparent pixels is first
filled from its neighbours (canvas.pixels.fill_transparent), so no dark fringe grows along soft
edges, and alpha goes through the same network as a grey image. A fully opaque image keeps
alpha 255 everywhere without a second pass.
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
    planes = _planes(image)
    passes = _passes(image.shape[1], image.shape[0], width, height, scale)
    jobs = len(planes) * passes
    done_jobs = [0]

    def tile_callback(done: int, total: int) -> None:
        if on_tile is not None:
            on_tile(done_jobs[0] * total + done, jobs * total)

    run = tile_runner(descriptor, device)
    out = []
    for plane in planes:
        for _ in range(passes):
            plane = upscale_tiled(run, plane, scale, tile, overlap, needs.multiple_of, needs.minimum, tile_callback)
            done_jobs[0] += 1
        out.append(plane)
    return _merge(out, width, height)


def lanczos_upscale(image: np.ndarray, width: int, height: int) -> np.ndarray:
    planes = _planes(image)
    return _merge(planes, width, height)


def _passes(w: int, h: int, width: int, height: int, scale: int) -> int:
    passes = 1
    while scale > 1 and passes < MAX_PASSES and (w * scale ** passes < width or h * scale ** passes < height):
        passes += 1
    return passes


def _planes(image: np.ndarray) -> list[np.ndarray]:
    """[rgb] or, with real transparency, [rgb with transparent colour filled, alpha as grey rgb]."""
    from ..canvas.pixels import fill_transparent

    if image.shape[2] == 3 or image[..., 3].min() == 255:
        return [np.ascontiguousarray(image[..., :3])]
    alpha = image[..., 3]
    return [fill_transparent(image), np.ascontiguousarray(np.repeat(alpha[..., None], 3, axis=2))]


def _merge(planes: list[np.ndarray], width: int, height: int) -> np.ndarray:
    rgb = _resize(planes[0], width, height)
    if len(planes) == 1:
        return rgb
    grey = _resize(planes[1], width, height).astype(np.uint16).sum(axis=2)
    alpha = ((grey + 1) // 3).astype(np.uint8)
    return np.dstack([rgb, alpha])


def _resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    if rgb.shape[:2] == (height, width):
        return rgb
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.LANCZOS))
