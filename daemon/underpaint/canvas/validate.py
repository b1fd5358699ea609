"""Checks on a CanvasInput before any math: every refusal names the protocol field at fault."""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidArgument
from .boxes import Box
from .model import EXPAND, FILL, GENERATE, OPERATIONS, CanvasInput

MARGIN_NAMES = ("left", "top", "right", "bottom")
MAX_CONTEXT = 16.0  # padding of 16x the selection's size already means "the whole document"


def _check_pixels(field: str, what: str, width: int, height: int, limit: int) -> None:
    if width * height > limit:
        raise InvalidArgument(field, f"{what} of {width}x{height} = {width * height} pixels is "
                                     f"over the limit of {limit} pixels")


def _check_array(field: str, array, channels: int | None) -> None:
    shape = "(height, width)" if channels is None else f"(height, width, {channels})"
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8:
        raise InvalidArgument(field, f"must be a uint8 array shaped {shape}")
    wrong_shape = array.ndim != 2 if channels is None else (
        array.ndim != 3 or array.shape[2] != channels)
    if wrong_shape:
        raise InvalidArgument(field, f"must be shaped {shape}, got {array.shape}")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise InvalidArgument(field, f"is empty ({array.shape[1]}x{array.shape[0]} pixels)")


def resolve_operation(inp: CanvasInput) -> str:
    operation = (inp.operation or "").strip().lower()
    if operation in ("", "unspecified"):
        return GENERATE if inp.selection is None else FILL
    if operation not in OPERATIONS:
        raise InvalidArgument("canvas.operation", f"unknown operation {inp.operation!r}; "
                                                  f"expected one of {', '.join(OPERATIONS)}")
    return operation


def validate(inp: CanvasInput, max_canvas_pixels: int) -> str:
    """Raise InvalidArgument for anything the planner cannot work with; return the operation."""
    for name in ("document_width", "document_height"):
        value = getattr(inp, name)
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidArgument(f"canvas.{name}",
                                  f"must be a positive number of pixels, got {value}")
    _check_pixels("canvas.document_width", "the document", inp.document_width, inp.document_height,
                  max_canvas_pixels)
    operation = resolve_operation(inp)
    document = Box(0, 0, inp.document_width, inp.document_height)

    if inp.region is not None:
        _check_array("canvas.region", inp.region, 4)
        height, width = inp.region.shape[:2]
        _check_pixels("canvas.region", "the region", width, height, max_canvas_pixels)
        if Box.at(inp.region_x, inp.region_y, width, height).intersect(document).empty:
            raise InvalidArgument("canvas.region",
                                  f"the region at ({inp.region_x}, {inp.region_y}) of "
                                  f"{width}x{height} lies outside the document")
    elif operation != GENERATE:
        raise InvalidArgument("canvas.region", f"the {operation} operation needs the document's "
                                               "pixels; send them as the region")

    if inp.selection is not None and operation != EXPAND:
        _check_array("canvas.selection", inp.selection, None)
        height, width = inp.selection.shape
        _check_pixels("canvas.selection", "the selection", width, height, max_canvas_pixels)
        if Box.at(inp.selection_x, inp.selection_y, width, height).intersect(document).empty:
            raise InvalidArgument("canvas.selection",
                                  f"the selection at ({inp.selection_x}, {inp.selection_y}) of "
                                  f"{width}x{height} lies outside the document")

    _validate_margins(inp, operation, max_canvas_pixels)
    _validate_mask_options(inp)
    return operation


def _validate_margins(inp: CanvasInput, operation: str, max_canvas_pixels: int) -> None:
    if len(inp.expand) != 4:
        raise InvalidArgument("canvas.expand", "needs four margins: left, top, right, bottom")
    for name, value in zip(MARGIN_NAMES, inp.expand):
        if value < 0:
            raise InvalidArgument(f"canvas.expand.{name}", f"must be >= 0, got {value}")
    if operation != EXPAND:
        if any(inp.expand):
            raise InvalidArgument("canvas.expand", f"margins are only used by the expand "
                                                   f"operation, not {operation}")
        return
    left, top, right, bottom = inp.expand
    if not any(inp.expand):
        raise InvalidArgument("canvas.expand", "expand needs at least one margin above 0")
    _check_pixels("canvas.expand", "the expanded document", inp.document_width + left + right,
                  inp.document_height + top + bottom, max_canvas_pixels)


def _validate_mask_options(inp: CanvasInput) -> None:
    if inp.grow < 0:
        raise InvalidArgument("canvas.mask_options.grow", f"must be >= 0, got {inp.grow}")
    if inp.feather < -1:
        raise InvalidArgument("canvas.mask_options.feather",
                              f"must be >= 0 (or -1 for a hard edge), got {inp.feather}")
    if not math.isfinite(inp.context) or not 0 <= inp.context <= MAX_CONTEXT:
        raise InvalidArgument("canvas.mask_options.context",
                              f"must be between 0 and {MAX_CONTEXT:g}, got {inp.context}")
    if inp.min_context_size < 0:
        raise InvalidArgument("canvas.mask_options.min_context_size",
                              f"must be >= 0, got {inp.min_context_size}")
