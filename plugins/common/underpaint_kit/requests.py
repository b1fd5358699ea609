"""Builders for the requests plugins send, so that every host fills them in the same way.

The daemon does all the real canvas math (context crop, grow/feather, scaling, blending);
these helpers only package what a host read from its document, and check sizes early with
errors that name the argument.
"""

from __future__ import annotations

from .addons import lora_weights
from .protocol import pb

_OPERATIONS = {
    "": pb.CANVAS_OPERATION_UNSPECIFIED,
    "generate": pb.CANVAS_OPERATION_GENERATE,
    "refine": pb.CANVAS_OPERATION_REFINE,
    "fill": pb.CANVAS_OPERATION_FILL,
    "expand": pb.CANVAS_OPERATION_EXPAND,
}

# context_rect padding: the daemon's default context is 0.5 x the selection's size on each side
# and at least the model's native size (up to 1024 for SDXL); send somewhat more than that.
CONTEXT_PADDING_FRACTION = 1.0
CONTEXT_MIN_SIZE = 1280


def rgba_image(width: int, height: int, data) -> pb.Image:
    _check_size("image", data, width, height, 4)
    return pb.Image(width=width, height=height, format=pb.PIXEL_FORMAT_RGBA8, data=bytes(data))


def gray_image(width: int, height: int, data) -> pb.Image:
    _check_size("image", data, width, height, 1)
    return pb.Image(width=width, height=height, format=pb.PIXEL_FORMAT_GRAY8, data=bytes(data))


def generate_request(prompt: str = "", negative_prompt: str = "", model: str = "",
                     width: int = 0, height: int = 0, steps: int = 0, guidance: float = 0.0,
                     seed: int = -1, sampler: str = "", count: int = 1, previews: bool = True,
                     tiling: bool = False, client: str = "", loras=(), vae: str = "") -> pb.GenerateRequest:
    """A plain text-to-image request (no canvas). loras: (name, weight) pairs, names or a
    {name: weight} dict (addons.lora_weights); vae: a VAE add-on id, "" = the model's own."""
    return pb.GenerateRequest(prompt=prompt, negative_prompt=negative_prompt, model=model,
                              width=width, height=height, steps=steps, guidance=guidance,
                              seed=seed, sampler=sampler, count=count, previews=previews,
                              tiling=tiling, client=client, loras=lora_weights(loras), vae=vae)


def canvas_request(operation: str = "fill", document_size=(0, 0), region_rgba=b"",
                   region_rect=(0, 0, 0, 0), selection=None, selection_rect=None,
                   prompt: str = "", negative_prompt: str = "", model: str = "",
                   strength: float = 0.0, steps: int = 0, guidance: float = 0.0, seed: int = -1,
                   count: int = 1, sampler: str = "", expand=(0, 0, 0, 0), grow: int = 0,
                   feather: int = 0, context: float = 0.0, previews: bool = True,
                   tiling: bool = False, client: str = "", loras=(), vae: str = "") -> pb.GenerateRequest:
    """A canvas-aware request: the host's document size, the pixels it read (RGBA8, top-down,
    straight alpha) at region_rect, and optionally the selection as GRAY8 at selection_rect.
    Raises ValueError naming the argument when sizes do not add up."""
    op = _OPERATIONS.get((operation or "").lower())
    if op is None:
        raise ValueError(f"operation: expected one of {sorted(k for k in _OPERATIONS if k)}, "
                         f"got {operation!r}")
    doc_w, doc_h = _pair("document_size", document_size)
    rx, ry, rw, rh = _rect("region_rect", region_rect)
    # The daemon refuses these as contradictions (a field it would not use): say so before sending.
    if op == pb.CANVAS_OPERATION_GENERATE and strength:
        raise ValueError(f"strength: {strength:g} is not used by generate, which starts from noise; "
                         "use refine or fill to rework existing pixels")
    if op == pb.CANVAS_OPERATION_EXPAND and selection is not None:
        raise ValueError("selection: expand paints the new margins and uses no selection; "
                         "use fill to repaint a selection")
    request = generate_request(prompt, negative_prompt, model, steps=steps, guidance=guidance,
                               seed=seed, sampler=sampler, count=count, previews=previews,
                               tiling=tiling, client=client, loras=loras, vae=vae)
    request.strength = strength
    canvas = request.canvas  # filled in place: the pixels are never copied between messages
    canvas.document_width, canvas.document_height, canvas.operation = doc_w, doc_h, op
    canvas.region_x, canvas.region_y = rx, ry
    if rw and rh:
        _check_size("region_rgba", region_rgba, rw, rh, 4)
        _fill_image(canvas.region, rw, rh, pb.PIXEL_FORMAT_RGBA8, region_rgba)
    if selection is not None:
        if selection_rect is None:
            raise ValueError("selection_rect: required when a selection is given")
        sx, sy, sw, sh = _rect("selection_rect", selection_rect)
        _check_size("selection", selection, sw, sh, 1)
        _fill_image(canvas.selection, sw, sh, pb.PIXEL_FORMAT_GRAY8, selection)
        canvas.selection_x, canvas.selection_y = sx, sy
    left, top, right, bottom = _ints("expand", expand, 4)
    if any((left, top, right, bottom)):
        canvas.expand.CopyFrom(pb.Margins(left=left, top=top, right=right, bottom=bottom))
    if grow or feather or context:
        canvas.mask_options.CopyFrom(pb.MaskOptions(grow=grow, feather=feather, context=context))
    return request


def context_rect(document_size, selection_rect=None, margins=None) -> tuple[int, int, int, int]:
    """The document area (x, y, w, h) a plugin should read pixels from for a canvas operation.

    The selection's bounds padded on each side by `margins` (left, top, right, bottom) or, by
    default, generously (its own size, and enough to make the area at least CONTEXT_MIN_SIZE
    wide and tall), clamped to the document. The whole document when there is no selection."""
    doc_w, doc_h = _pair("document_size", document_size)
    if selection_rect is None:
        return (0, 0, doc_w, doc_h)
    x, y, w, h = _rect("selection_rect", selection_rect)
    if margins is None:
        pad_x = max(int(w * CONTEXT_PADDING_FRACTION), (CONTEXT_MIN_SIZE - w + 1) // 2, 0)
        pad_y = max(int(h * CONTEXT_PADDING_FRACTION), (CONTEXT_MIN_SIZE - h + 1) // 2, 0)
        margins = (pad_x, pad_y, pad_x, pad_y)
    left, top, right, bottom = _ints("margins", margins, 4)
    x0, y0 = max(0, x - left), max(0, y - top)
    x1, y1 = min(doc_w, x + w + right), min(doc_h, y + h + bottom)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"selection_rect: {tuple(selection_rect)} lies outside the "
                         f"{doc_w}x{doc_h} document")
    return (x0, y0, x1 - x0, y1 - y0)


def _fill_image(image, width: int, height: int, pixel_format: int, data) -> None:
    # Filled in place rather than built and copied: canvases can be hundreds of MiB.
    image.width, image.height, image.format = width, height, pixel_format
    image.data = data if isinstance(data, bytes) else bytes(data)


# --- argument checks --------------------------------------------------------------------------

def _ints(name: str, value, count: int) -> tuple:
    try:
        items = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected {count} integers, got {value!r}") from None
    if len(items) != count:
        raise ValueError(f"{name}: expected {count} integers, got {value!r}")
    return items


def _pair(name: str, value) -> tuple:
    w, h = _ints(name, value, 2)
    if w <= 0 or h <= 0:
        raise ValueError(f"{name}: width and height must be positive, got {value!r}")
    return w, h


def _rect(name: str, value) -> tuple:
    x, y, w, h = _ints(name, value, 4)
    if w < 0 or h < 0:
        raise ValueError(f"{name}: width and height must not be negative, got {value!r}")
    return x, y, w, h


def _check_size(name: str, data, width: int, height: int, bytes_per_pixel: int) -> None:
    expected = width * height * bytes_per_pixel
    actual = memoryview(data).nbytes
    if actual != expected:
        raise ValueError(f"{name}: expected {width}x{height}x{bytes_per_pixel} = {expected} "
                         f"bytes, got {actual}")
