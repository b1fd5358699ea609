"""Diffusion upscale (GOBIG / "SD upscale"): after the image has reached its new size, the job's
model re-renders it tile by tile with img2img at its native resolution, adding the detail a
network or Lanczos cannot invent; tiles cross-fade over their overlap (upscale_blend.py) and an
optional seam pass re-renders a band across every tile edge.

Defaults follow the tools users know: tile 768 px for SD 1.x/2.x and 1024 for SDXL (about 1.5x
and 1x the native side, as krita-ai-diffusion), padding 16 + 64 x strength rounded to 8
(krita-ai-diffusion), denoise 0.35, seam band 64 px at denoise 0.35 (Ultimate SD Upscale).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidArgument
from . import report_tiles

DEFAULT_STRENGTH = 0.35
SEAM_BAND = 64
SEAM_STRENGTH = 0.35
MIN_TILE = 64
MAX_TILE = 2048
MAX_PADDING = 512
MAX_GENERATION_PIXELS = 2048 * 2048


def check_options(options, field: str = "upscale") -> None:
    if not (math.isfinite(options.strength) and 0.0 <= options.strength <= 1.0):
        raise InvalidArgument(f"{field}.strength", f"{options.strength:g} is out of range; allowed (0, 1] "
                              f"(0 = the default, {DEFAULT_STRENGTH:g})")
    if options.tile_size and not MIN_TILE <= options.tile_size <= MAX_TILE:
        raise InvalidArgument(f"{field}.tile_size", f"{options.tile_size} is out of range; allowed {MIN_TILE} "
                              f"to {MAX_TILE} (0 = by model)")
    if not 0 <= options.tile_padding <= MAX_PADDING:
        raise InvalidArgument(f"{field}.tile_padding", f"{options.tile_padding} is out of range; allowed 0 to "
                              f"{MAX_PADDING} (0 = 16 + 64 x strength)")
    if not options.diffusion:
        for name in ("strength", "tile_size", "tile_padding", "seam_pass"):
            if getattr(options, name):
                raise InvalidArgument(f"{field}.{name}", "only applies with diffusion: set diffusion too")


def default_tile(entry) -> int:
    side = max(entry.native_width, entry.native_height)
    factor = 1.0 if entry.architecture == "sdxl" else 1.5
    multiple = entry.size_multiple
    return max(multiple, round(side * factor / multiple) * multiple)


def default_padding(strength: float) -> int:
    return int(round((16 + 64 * strength) / 8) * 8)


def rerender_tiles(ctx, rgb: np.ndarray, options, index: int) -> np.ndarray:
    """(h, w, 3) uint8 at its final size -> the same, re-rendered tile by tile."""
    from .upscale_blend import rerender, seam_regions, tile_regions

    r = ctx.request
    strength = options.strength or DEFAULT_STRENGTH
    for value in (strength, SEAM_STRENGTH if options.seam_pass else strength):
        if int(r.steps * value) < 1:
            raise InvalidArgument("upscale.strength", f"{value:g} with {r.steps} steps runs no step; "
                                  "raise steps or strength")
    loaded = ctx.load_model()
    entry = loaded.entry
    tile = options.tile_size or default_tile(entry)
    padding = options.tile_padding or default_padding(strength)
    height, width = rgb.shape[:2]
    rgb = rgb if rgb.flags.writeable else rgb.copy()  # Pillow's arrays are read-only
    regions = tile_regions(width, height, tile, padding, feather=max(padding // 2, 1))
    seams = seam_regions(width, height, tile, padding, SEAM_BAND) if options.seam_pass else []
    render = _renderer(ctx, loaded, index, strength)
    message = f"re-rendering {width}x{height} with {entry.id}"

    def on_region(done: int, total: int) -> None:
        report_tiles(ctx, done, len(regions) + len(seams), message, entry.id)

    rerender(rgb, regions, render, on_region)
    if seams:
        seam_render = _renderer(ctx, loaded, index, SEAM_STRENGTH)

        def on_seam(done: int, total: int) -> None:
            report_tiles(ctx, len(regions) + done, len(regions) + len(seams), message + " (seams)", entry.id)

        rerender(rgb, seams, seam_render, on_seam, first_number=len(regions))
    return rgb


def _renderer(ctx, loaded, index: int, strength: float):
    from ..canvas.pixels import resize_rgb
    from ..canvas.scale import generation_size
    from ..pipelines.generate import GenerationSpec, run_generation  # torch: import lazily

    r = ctx.request
    entry = loaded.entry

    def render(crop: np.ndarray, number: int) -> np.ndarray:
        h, w = crop.shape[:2]
        gen_w, gen_h = generation_size(w, h, (entry.native_width, entry.native_height), entry.size_multiple,
                                       MAX_GENERATION_PIXELS)
        spec = GenerationSpec(prompt=r.prompt, negative_prompt=r.negative_prompt, width=gen_w, height=gen_h,
                              steps=r.steps, guidance=r.guidance, sampler=r.sampler,
                              init_image=resize_rgb(crop, gen_w, gen_h), strength=strength, addons=r.addons)
        seed = (r.seed + index + number) & 0x7FFF_FFFF_FFFF_FFFF

        def on_step(done: int, total: int, _preview) -> None:
            ctx.check_cancelled()

        return resize_rgb(run_generation(loaded, spec, seed, on_step), w, h)

    return render
