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

# Input window side (pixels, overlap included) and overlap: a x4 RealESRGAN window of 256 px peaks
# at about 1 GB of activations on the CPU; GPUs take bigger ones. 32 px of overlap reproduces the
# untiled result of ESRGAN (tests/upscale/test_tiles.py, test_full_size.py).
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
    on_tile(done, total) is called before every tile of every pass, and at the end."""
    from .upscale_tiles import plan_tiles, upscale_tiled

    tile = tile or (TILE_GPU if device.startswith("cuda") else TILE_CPU)
    scale = int(descriptor.scale)
    needs = descriptor.size_requirements
    rgb, alpha = _split(image)
    passes = _passes(image.shape[1], image.shape[0], width, height, scale)
    # `tile` bounds the window the network sees (core + overlap on both sides), so the peak is
    # the same for every image larger than one window.
    sizes = [(image.shape[1] * scale ** i, image.shape[0] * scale ** i) for i in range(passes)]
    cores = [tile if max(w, h) <= tile else max(tile - 2 * overlap, tile // 2) for w, h in sizes]
    counts = [len(plan_tiles(w, h, core, overlap)) for (w, h), core in zip(sizes, cores)]
    run = tile_runner(descriptor, device)
    for number, core in enumerate(cores):
        before = sum(counts[:number])

        def tile_callback(done: int, total: int, before=before) -> None:
            if on_tile is not None:
                on_tile(before + done, sum(counts))

        rgb = upscale_tiled(run, rgb, scale, core, overlap, needs.multiple_of, needs.minimum, tile_callback)
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
