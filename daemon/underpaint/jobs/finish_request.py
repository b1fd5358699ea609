"""Checks a FINISH request (finishing steps on a given image, no generation of its own).

The input is `init_image` (any size up to the canvas limit, alpha kept) or a canvas area
(finishing/canvas_area.py). The job's prompt, model, steps, guidance and sampler are what the
diffusion steps (re-render faces, diffusion upscale) use.
"""

from __future__ import annotations

from .. import images
from ..errors import InvalidArgument

MIN_SIDE = 8


def resolve_finish(req, resolved, limits) -> None:
    """Fills resolved.init_image ((h, w, 4) straight RGBA), width, height (and canvas) for FINISH."""
    if not req.finishing:
        raise InvalidArgument("finishing", "a FINISH job needs at least one step (upscale, restore_faces, "
                              "rerender_faces)")
    for name in ("mask", "strength", "width", "height"):
        if req.HasField(name) if name == "mask" else getattr(req, name):
            raise InvalidArgument(name, "does not apply to a FINISH job: the steps take the image as it is "
                                  "(their options set strength and size)")
    if req.count > 1:
        raise InvalidArgument("count", f"{req.count}: a FINISH job makes one image")
    if req.HasField("canvas") == req.HasField("init_image"):
        raise InvalidArgument("init_image", "a FINISH job needs the picture: set init_image or canvas, one of them")
    if req.HasField("canvas"):
        from ..finishing.canvas_area import plan_area

        resolved.canvas = plan_area(req.canvas, limits.max_canvas_pixels)
        rgba = resolved.canvas.pixels
    else:
        rgba = images.decode(req.init_image, "init_image", 4, limits.max_canvas_pixels)
    height, width = rgba.shape[:2]
    field = "canvas.selection" if req.HasField("canvas") else "init_image"
    if min(width, height) < MIN_SIDE:
        raise InvalidArgument(field, f"is {width}x{height}; finishing needs at least {MIN_SIDE}x{MIN_SIDE} pixels")
    resolved.init_image = rgba
    resolved.width, resolved.height = width, height
    resolved.count = 1
