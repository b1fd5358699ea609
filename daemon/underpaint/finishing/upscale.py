"""The upscale finishing step: a network from models/upscalers/ (or Lanczos) brings the image to
its new size, then, with `diffusion`, the job's model re-renders it tile by tile (GOBIG).

Size: `scale` (0 = the network's own factor, 2 with Lanczos; else 1 < scale <= 16) or a target
`width` x `height` (both or neither, not smaller than the input). The result may not pass the
daemon's canvas limit; a request that would is refused at submit, naming the field.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidArgument
from . import CHECKS, SIZES, STEPS, report_tiles
from .upscale_models import upscaler_models

MAX_SCALE = 16.0
LANCZOS_SCALE = 2.0
MIN_INPUT_SIDE = 8        # nothing useful comes out of fewer pixels; a 1x1 image is a mistake
MAX_SIDE = 65_536


def check_options(options, field: str = "upscale") -> None:
    """Submit-time checks that need no image size (the model is looked up, so a wrong id fails
    before queueing)."""
    if not math.isfinite(options.scale) or (options.scale != 0 and not 1.0 < options.scale <= MAX_SCALE):
        raise InvalidArgument(f"{field}.scale", f"{options.scale:g} is out of range; allowed above 1 up to "
                              f"{MAX_SCALE:g} (0 = the upscaler's own factor, {LANCZOS_SCALE:g} with Lanczos)")
    if bool(options.width) != bool(options.height):
        raise InvalidArgument(f"{field}.width", "give both width and height for a target size, or neither")
    for name in ("width", "height"):
        value = getattr(options, name)
        if not 0 <= value <= MAX_SIDE:
            raise InvalidArgument(f"{field}.{name}", f"{value} is out of range; allowed 1 to {MAX_SIDE} (0 = use scale)")
    if options.width and options.scale:
        raise InvalidArgument(f"{field}.scale", "give a scale or a target width x height, not both")
    if options.model:
        upscaler_models().get(options.model, f"{field}.model")
    if options.diffusion or options.strength or options.tile_size or options.tile_padding or options.seam_pass:
        from .upscale_diffusion import check_options as check_diffusion

        check_diffusion(options, field)


def output_size(options, width: int, height: int, field: str = "upscale") -> tuple[int, int]:
    """The size the step turns a width x height image into."""
    if min(width, height) < MIN_INPUT_SIDE:
        raise InvalidArgument(field, f"the image is {width}x{height}; upscaling needs at least "
                              f"{MIN_INPUT_SIDE}x{MIN_INPUT_SIDE} pixels")
    if options.width:
        if options.width < width or options.height < height:
            raise InvalidArgument(f"{field}.width", f"{options.width}x{options.height} is smaller than the image "
                                  f"({width}x{height}); upscaling only enlarges")
        return options.width, options.height
    scale = options.scale or (upscaler_models().get(options.model, f"{field}.model").scale if options.model
                              else LANCZOS_SCALE)
    return max(width, round(width * scale)), max(height, round(height * scale))


def upscale(ctx, image: np.ndarray, options, index: int) -> np.ndarray:
    """(h, w, 3|4) uint8 -> the upscaled image with the same channels."""
    from .upscale_model import lanczos_upscale, network_upscale

    height, width = image.shape[:2]
    out_w, out_h = output_size(options, width, height)
    if options.model:
        models = upscaler_models()
        entry = models.get(options.model)
        ctx.activity("upscaling", f"loading upscaler {entry.id}", subject=entry.id)
        descriptor = models.load(entry, ctx.cache.device)
        message = f"upscaling {width}x{height} to {out_w}x{out_h} with {entry.id}"

        def on_tile(done: int, total: int) -> None:
            report_tiles(ctx, done, total, message, entry.id)

        image = network_upscale(descriptor, ctx.cache.device, image, out_w, out_h, on_tile)
    else:
        ctx.activity("upscaling", f"upscaling {width}x{height} to {out_w}x{out_h} (Lanczos)", fraction=0.0)
        image = lanczos_upscale(image, out_w, out_h)
    if options.diffusion:
        from .upscale_diffusion import rerender_tiles

        rgb = rerender_tiles(ctx, np.ascontiguousarray(image[..., :3]), options, index)
        image = rgb if image.shape[2] == 3 else np.dstack([rgb, image[..., 3]])
    ctx.activity("upscaling", f"upscaled to {out_w}x{out_h}", fraction=1.0)
    return image


STEPS["upscale"] = upscale
CHECKS["upscale"] = check_options
SIZES["upscale"] = output_size
