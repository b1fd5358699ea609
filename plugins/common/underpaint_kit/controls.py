"""Control layers as plugins send them: a layer's pixels steer a generation through a
ControlNet (canny, scribble, depth, ...) or an IP-Adapter (a reference image).

    request = requests.canvas_request("fill", ...)
    add_control(request, "scribble", layer_rgba, layer_rect=(x, y, w, h), strength=0.8)
    add_reference(request, photo_rgba, (w, h), strength=0.6)

On a canvas request the layer's document rectangle says where it lies; the daemon cuts out the
part the generation sees, scales it, and preprocesses it (edges for canny, lines as drawn for
scribble and line art). On a plain request the image is fitted to the output size. Pixels are
RGBA8, top-down, straight alpha: transparent parts are "no control" (black, no lines).
The daemon checks everything again at submit; these helpers fail early with the argument's name.
"""

from __future__ import annotations

import math

from .protocol import pb

CONTROL_TYPES = ("canny", "scribble", "lineart", "softedge", "depth", "normal", "pose", "segmentation",
                 "tile", "inpaint", "mlsd")
MAX_STRENGTH = 2.0


def add_control(request: "pb.GenerateRequest", control_type: str, rgba, layer_rect, strength: float = 1.0,
                start: float = 0.0, end: float = 1.0, model: str = "", preprocessor: str = "") -> "pb.Control":
    """Appends a control to `request` (filled in place: the pixels are copied once) and returns it.
    layer_rect: (x, y, width, height) of the layer's pixels in the document; on a plain request
    (x, y) must be (0, 0). preprocessor: "" = the type's default, "none" = use the pixels as given."""
    kind = (control_type or "").strip().lower()
    if kind not in CONTROL_TYPES:
        raise ValueError(f"control_type: expected one of {CONTROL_TYPES}, got {control_type!r}")
    x, y, width, height = _rect(layer_rect)
    if (x or y) and not request.HasField("canvas"):
        raise ValueError("layer_rect: a position only means something on a canvas request; use (0, 0, w, h)")
    _check_schedule(strength, start, end)
    control = request.controls.add(type=kind, strength=float(strength), start=float(start), end=float(end),
                                   model=model, preprocessor=preprocessor, x=x, y=y)
    _fill(control.image, width, height, rgba)
    return control


def add_reference(request: "pb.GenerateRequest", rgba, size, strength: float = 1.0, model: str = "") -> "pb.Control":
    """Appends a reference image (IP-Adapter: style or subject) of `size` (width, height)."""
    width, height = _rect((0, 0, *size))[2:]
    _check_schedule(strength, 0.0, 1.0)
    control = request.controls.add(type="reference", strength=float(strength), model=model)
    _fill(control.image, width, height, rgba)
    return control


def control_types_for_model(models: "pb.ListModelsResponse", model_id: str = "") -> dict:
    """{control type: [ControlNet ids]} usable with model `model_id` (empty: the daemon's default),
    plus "reference": [IP-Adapter ids]. A ControlNet whose file does not say its type is offered
    for every type (the daemon falls back to it)."""
    model_id = model_id or models.default_model
    model = next((m for m in models.models if m.id == model_id), None)
    if model is None:
        raise ValueError(f"model_id: no model {model_id!r} in the list")
    fitting = [a for a in models.add_ons if a.architecture == model.architecture and a.is_demo == model.is_demo]
    out: dict = {}
    for kind in CONTROL_TYPES:
        ids = [a.id for a in fitting if a.type == "controlnet" and a.control_type in (kind, "")]
        if ids:
            out[kind] = ids
    references = [a.id for a in fitting if a.type == "ipadapter"]
    if references:
        out["reference"] = references
    return out


def _check_schedule(strength, start, end) -> None:
    for name, value, low, high in (("strength", strength, 0.0, MAX_STRENGTH), ("start", start, 0.0, 1.0),
                                   ("end", end, 0.0, 1.0)):
        if not isinstance(value, (int, float)) or not math.isfinite(value) or not low <= value <= high:
            raise ValueError(f"{name}: expected {low:g} to {high:g}, got {value!r}")
    if start >= end:
        raise ValueError(f"end: must be greater than start ({start:g}), got {end:g}")


def _rect(value) -> tuple:
    try:
        x, y, w, h = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"layer_rect: expected (x, y, width, height), got {value!r}") from None
    if w <= 0 or h <= 0:
        raise ValueError(f"layer_rect: width and height must be positive, got {value!r}")
    return x, y, w, h


def _fill(image, width: int, height: int, rgba) -> None:
    expected = width * height * 4
    if memoryview(rgba).nbytes != expected:
        raise ValueError(f"rgba: expected {width}x{height}x4 = {expected} bytes, got {memoryview(rgba).nbytes}")
    image.width, image.height, image.format = width, height, pb.PIXEL_FORMAT_RGBA8
    image.data = rgba if isinstance(rgba, bytes) else bytes(rgba)
