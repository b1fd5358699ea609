"""plan_canvas: from what a host sent to what the model generates and where the result goes.

The flow for every operation is the same:
1. the target: the part of the output document that may change (the grown selection, the new
   margins of an expand, or the whole document);
2. the work area: the target plus context, at least the model's native size, inside the document;
3. the generation size: the work area scaled to the model's pixel count, in size multiples;
4. the masks over the work area: the result alpha (never beyond the target) and the diffusion
   mask (a little beyond, so seams are regenerated with the picture around them);
5. the init image: the document's pixels in the work area, transparent parts filled sensibly.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgument
from .boxes import Box, context_box, nonzero_box
from .masks import (default_feather, diffusion_mask, feather_inside, feather_outside,
                    feather_radius, grow)
from .model import EXPAND, FILL, GENERATE, CanvasInput, CanvasPlan
from .pixels import cut, extend_edges, fill_transparent, resize_rgba, scaled_box
from .scale import generation_size
from .validate import validate

# Documents, regions and selections above this are refused (an 8k square; the service layer
# passes Info.max_canvas_pixels). Separate from max_pixels: big documents are normal, they are
# scaled down to the model's size.
DEFAULT_MAX_CANVAS_PIXELS = 8192 * 8192
DEFAULT_CONTEXT = 0.5
# Outpainting lives on what lies next to the seam: show the model as much old picture as new.
DEFAULT_EXPAND_CONTEXT = 1.0
# Blur of the edge-extended prefill, as a fraction of the widest margin.
EXPAND_PREFILL_BLUR = 0.25


def plan_canvas(inp: CanvasInput, native_size: tuple[int, int], multiple: int, max_pixels: int,
                *, max_canvas_pixels: int = DEFAULT_MAX_CANVAS_PIXELS) -> CanvasPlan:
    """Plan one canvas operation.

    native_size: the model's (width, height); multiple: its size multiple (VAE factor);
    max_pixels: the most pixels one generated image may have (gen_width * gen_height).
    max_canvas_pixels: the most pixels the document (grown, for expand), region or selection
    may have.
    Raises InvalidArgument naming the request field for bad input.
    """
    operation = validate(inp, max_canvas_pixels)
    if operation == EXPAND:
        return _plan_expand(inp, native_size, multiple, max_pixels)
    if inp.selection is None:
        return _plan_whole_document(inp, operation, native_size, multiple, max_pixels)
    return _plan_selection(inp, operation, native_size, multiple, max_pixels)


def _plan_whole_document(inp: CanvasInput, operation: str, native_size, multiple: int,
                         max_pixels: int) -> CanvasPlan:
    document = Box(0, 0, inp.document_width, inp.document_height)
    alpha = np.full((document.height, document.width), 255, np.uint8)
    gen_size = generation_size(document.width, document.height, native_size, multiple, max_pixels)
    return _finish(inp, operation, document, alpha, 0, gen_size, multiple,
                   offset=(0, 0), pixels=_document_pixels(inp, document))


def _plan_selection(inp: CanvasInput, operation: str, native_size, multiple: int,
                    max_pixels: int) -> CanvasPlan:
    document = Box(0, 0, inp.document_width, inp.document_height)
    height, width = inp.selection.shape
    placed = Box.at(inp.selection_x, inp.selection_y, width, height)
    inside = placed.intersect(document)
    selected = nonzero_box(inp.selection[inside.relative_to(placed).slices()], inside.x0, inside.y0)
    if selected is None:
        raise InvalidArgument("canvas.selection", "the selection is empty"
                              + ("" if inside == placed else " inside the document"))
    grow_px = min(inp.grow, max(document.width, document.height))
    target = selected.pad(grow_px, grow_px, grow_px, grow_px).intersect(document)
    feather = _feather(inp.feather, target)
    work = _work_area(inp, target, inp.context or DEFAULT_CONTEXT, native_size, document)

    # The filters replicate the array border, so at the document border the selection continues.
    # Inside the document the work area already has context around the selection; one more pixel
    # of (unselected) margin keeps that true whatever the context rules become.
    calc = work.pad(1, 1, 1, 1).intersect(document)
    grown = grow(cut(inp.selection, inp.selection_x, inp.selection_y, calc), grow_px)
    alpha = feather_inside(grown, feather_radius(feather))[work.relative_to(calc).slices()]
    gen_size = generation_size(work.width, work.height, native_size, multiple, max_pixels)
    return _finish(inp, operation, work, alpha, feather, gen_size, multiple,
                   offset=(0, 0), pixels=_document_pixels(inp, work))


def _plan_expand(inp: CanvasInput, native_size, multiple: int, max_pixels: int) -> CanvasPlan:
    left, top, right, bottom = inp.expand
    document = Box(0, 0, inp.document_width + left + right, inp.document_height + top + bottom)
    old = Box.at(left, top, inp.document_width, inp.document_height)
    target = _new_area_box(document, old, inp.expand)
    feather = _feather(inp.feather, target)
    work = _work_area(inp, target, inp.context or DEFAULT_EXPAND_CONTEXT, native_size, document)

    calc = work.pad(1, 1, 1, 1).intersect(document)
    new_area = np.full((calc.height, calc.width), 255, np.uint8)
    new_area[old.intersect(calc).relative_to(calc).slices()] = 0
    # 255 on the new area, fading over the feather into the old picture.
    alpha = feather_outside(new_area, feather_radius(feather))[work.relative_to(calc).slices()]
    gen_size = generation_size(work.width, work.height, native_size, multiple, max_pixels)

    # The old picture (clipped to the old document) at its place in the grown one.
    old_pixels = cut(inp.region, inp.region_x, inp.region_y, Box(0, 0, old.width, old.height))
    pixels = cut(old_pixels, left, top, work)
    plan = _finish(inp, EXPAND, work, alpha, feather, gen_size, multiple,
                   offset=(left, top), pixels=pixels, document=document)
    plan.init_image = _expand_prefill(pixels, old.intersect(work).relative_to(work), gen_size,
                                      max(inp.expand))
    return plan


def _new_area_box(document: Box, old: Box, margins: tuple[int, int, int, int]) -> Box:
    """Bounding box of the grown document minus the old picture."""
    left, top, right, bottom = margins
    return Box(0 if top or bottom or left else old.x1, 0 if left or right or top else old.y1,
               document.x1 if top or bottom or right else old.x0,
               document.y1 if left or right or bottom else old.y0)


def _expand_prefill(pixels: np.ndarray, old_in_work: Box, gen_size: tuple[int, int],
                    widest_margin: int) -> np.ndarray:
    """The init image of an expand, at generation size: the old picture (holes filled) as it
    is, the new margins edge-extended from it and blurred. Done at generation size because it
    is cheap there and the model sees nothing finer."""
    gen_width, gen_height = gen_size
    scale_x, scale_y = gen_width / pixels.shape[1], gen_height / pixels.shape[0]
    old = scaled_box(old_in_work, scale_x, scale_y, gen_width, gen_height)
    # The old picture is scaled on its own: Lanczos across its edge into the transparent
    # margins would ring, and the edge row is what gets extended.
    old_rgb = fill_transparent(resize_rgba(pixels[old_in_work.slices()], old.width, old.height))
    blur = max(1, round(EXPAND_PREFILL_BLUR * widest_margin * max(scale_x, scale_y)))
    return extend_edges(old_rgb, old, gen_width, gen_height, blur)


def _feather(requested: int, target: Box) -> int:
    """Feather width in pixels: -1 = hard edge (0), 0 = default, capped at the target's size."""
    if requested < 0:
        return 0
    feather = requested or default_feather(target.width, target.height)
    return min(feather, max(target.width, target.height))


def _work_area(inp: CanvasInput, target: Box, context: float, native_size, document: Box) -> Box:
    minimum = (inp.min_context_size,) * 2 if inp.min_context_size else tuple(native_size)
    return context_box(target, context, minimum, document.width, document.height)


def _document_pixels(inp: CanvasInput, box: Box) -> np.ndarray:
    return cut(inp.region, inp.region_x, inp.region_y, box)


def _finish(inp: CanvasInput, operation: str, work: Box, alpha_work: np.ndarray, feather: int,
            gen_size: tuple[int, int], multiple: int, *, offset: tuple[int, int],
            pixels: np.ndarray, document: Box | None = None) -> CanvasPlan:
    """Cut the alpha (over the work area) to the placement box, derive the init image (from
    `pixels`: the work area's RGBA) and the diffusion mask at generation size, build the plan."""
    if document is None:
        document = Box(0, 0, inp.document_width, inp.document_height)
    # The layer only needs to cover what it changes; feather_inside guarantees some alpha > 0.
    placement = nonzero_box(alpha_work, work.x0, work.y0)
    gen_width, gen_height = gen_size
    init_image = None
    if operation not in (GENERATE, EXPAND):
        # Scale first, then fill holes: the same result for the model, at a fraction of the cost.
        init_image = fill_transparent(resize_rgba(pixels, gen_width, gen_height))
    mask = None
    if operation in (FILL, EXPAND):
        mask = diffusion_mask(alpha_work, gen_width, gen_height, seam=max(1, multiple // 2))
    return CanvasPlan(
        gen_width=gen_width, gen_height=gen_height, init_image=init_image, mask=mask,
        x=placement.x0, y=placement.y0, width=placement.width, height=placement.height,
        alpha=np.ascontiguousarray(alpha_work[placement.relative_to(work).slices()]),
        document_width=document.width, document_height=document.height,
        offset_x=offset[0], offset_y=offset[1], operation=operation,
        work_x=work.x0, work_y=work.y0, work_width=work.width, work_height=work.height,
        feather=feather,
    )
