"""Submit-time checks of a request's controls (ControlNet and IP-Adapter inputs).

Every control is checked before the job is queued: its type, strength and schedule range, its
image, and the model that will read it, which must be made for the job's model family. The image
is framed to the generation and preprocessed here too (cheap next to a diffusion step), so the
worker gets ready RGB arrays. Controls with strength 0 are checked and then left out: they have
no effect at all, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import images
from ..controls import DEFAULT_PREPROCESSOR, PREPROCESSORS, frame_for_canvas, frame_for_size, preprocess
from ..controls.preprocess import ESTIMATORS
from ..errors import FailedPrecondition, InvalidArgument
from ..models.addon_detect import Unusable
from ..models.addons import ARCH_NAMES, FOLDERS
from ..models.control_detect import CONTROL_TYPES, encoder_for

MAX_CONTROLS = 8
MAX_STRENGTH = 2.0
REFERENCE = "reference"


@dataclass
class ControlUse:
    field: str                # "controls[0]"
    type: str                 # "canny", ..., "reference"
    entry: object             # models.addons.AddOnEntry: the ControlNet or IP-Adapter
    image: np.ndarray         # ControlNets: (gen_height, gen_width, 3) uint8; reference: the image as sent, RGB
    strength: float
    start: float
    end: float
    preprocessor: str
    encoder: object = None    # reference: the image encoder folder the IP-Adapter reads
    masked: np.ndarray | None = None  # "inpaint" ControlNets: (h, w) bool, True = to regenerate


def plan_controls(req, model, index, width: int, height: int, canvas_plan, max_pixels: int,
                  mask: np.ndarray | None = None) -> list[ControlUse]:
    """The active controls of `req` (strength > 0), in request order. `mask` is the job's inpaint
    mask at the generation size: an "inpaint" ControlNet reads it as pixels marked -1. Raises
    InvalidArgument / FailedPrecondition naming the control's field."""
    if not req.controls:
        return []
    if len(req.controls) > MAX_CONTROLS:
        raise InvalidArgument("controls", f"{len(req.controls)} controls given; at most {MAX_CONTROLS} at once")
    if index is None:
        raise InvalidArgument("controls", "this daemon has no add-on folders")
    uses = []
    for i, control in enumerate(req.controls):
        use = _check(control, f"controls[{i}]", model, index, width, height, canvas_plan, max_pixels)
        if use.strength > 0:
            if use.type == "inpaint" and mask is not None:
                use.masked = mask >= 128
            uses.append(use)
    return uses


def _check(c, field, model, index, width, height, canvas_plan, max_pixels) -> ControlUse:
    kind = c.type.strip().lower()
    if kind not in CONTROL_TYPES:
        raise InvalidArgument(f"{field}.type", f"'{c.type}' is not a control type; one of: {', '.join(CONTROL_TYPES)}")
    strength = c.strength if c.HasField("strength") else 1.0
    if not math.isfinite(strength) or not 0.0 <= strength <= MAX_STRENGTH:
        raise InvalidArgument(f"{field}.strength", f"{strength} is out of range; allowed 0 to {MAX_STRENGTH:g}")
    end = c.end if c.HasField("end") else 1.0
    for name, value in (("start", c.start), ("end", end)):
        if not math.isfinite(value) or not 0.0 <= value <= 1.0:
            raise InvalidArgument(f"{field}.{name}", f"{value} is out of range; allowed 0 to 1 (fractions of the schedule)")
    if c.start >= end:
        raise InvalidArgument(f"{field}.end", f"must be greater than start ({c.start:g}), got {end:g}")
    if not c.HasField("image"):
        raise InvalidArgument(f"{field}.image", "is missing: a control needs an image")
    if canvas_plan is None and (c.x or c.y):
        raise InvalidArgument(f"{field}.x", "x and y place a control in the document; they only apply to canvas "
                              "operations")
    entry = _model_for(c, kind, field, model, index)
    rgba = images.decode(c.image, f"{field}.image", 4, max_pixels)
    if kind == REFERENCE:  # IP-Adapter: the reference image is encoded whole, not framed
        return _reference(c, field, entry, rgba, float(strength), end)
    name = _preprocessor(c.preprocessor, kind, field)
    framed = frame_for_canvas(rgba, c.x, c.y, canvas_plan) if canvas_plan is not None else \
        frame_for_size(rgba, width, height)
    image = preprocess(framed, name, f"{field}.preprocessor")
    return ControlUse(field, kind, entry, image, float(strength), float(c.start), float(end), name)


def _reference(c, field, entry, rgba, strength: float, end: float) -> ControlUse:
    if c.preprocessor not in ("", "none"):
        raise InvalidArgument(f"{field}.preprocessor", "reference images take no preprocessor")
    if c.start != 0 or end != 1:
        raise InvalidArgument(f"{field}.start", "reference images act on the whole schedule; leave start and end "
                              "unset")
    try:
        encoder = encoder_for(entry.path, _type_folder(entry.path))
    except Unusable as e:
        raise FailedPrecondition(f"{field}: IP-Adapter '{entry.id}' cannot be used: {e}") from None
    rgb = _over_white(rgba) if (rgba[..., 3] < 255).any() else rgba[..., :3].copy()
    return ControlUse(field, REFERENCE, entry, rgb, strength, 0.0, 1.0, "none", encoder)


def _over_white(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4].astype(np.uint32)
    return ((rgba[..., :3].astype(np.uint32) * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def _type_folder(path):
    """The ipadapter/ folder an IP-Adapter file lies in (it may be in a subfolder of it)."""
    for parent in path.parents:
        if parent.name.lower() in FOLDERS:
            return parent
    return path.parent


def _preprocessor(name: str, kind: str, field: str) -> str:
    name = name.strip().lower()
    if not name:
        return DEFAULT_PREPROCESSOR.get(kind, "none")
    if name in PREPROCESSORS:
        return name
    if name in ESTIMATORS:
        raise FailedPrecondition(f"{field}.preprocessor: no '{name}' estimator is installed; send the {kind} map "
                                 "itself with preprocessor 'none' (or leave it empty)")
    raise InvalidArgument(f"{field}.preprocessor", f"unknown preprocessor '{name}'; one of: {', '.join(PREPROCESSORS)}")


def _model_for(c, kind: str, field: str, model, index):
    """The named ControlNet / IP-Adapter, or the installed one for this type and model family."""
    addon = "ipadapter" if kind == REFERENCE else "controlnet"
    if c.model:
        return index.get(addon, c.model, f"{field}.model", model)
    fitting = [e for e in index.of_type(addon) if e.fits(model)]
    if addon == "ipadapter":
        chosen = fitting[:1]
    else:  # exact type first; a ControlNet whose file does not say its type is the fallback
        chosen = [e for e in fitting if e.control_type == kind] or [e for e in fitting if not e.control_type]
    if chosen:
        return chosen[0]
    family = ARCH_NAMES.get(model.architecture, model.architecture)
    what = "IP-Adapter" if addon == "ipadapter" else f"'{kind}' ControlNet"
    others = [f"{e.id} ({ARCH_NAMES.get(e.architecture, e.architecture)}{', ' + e.control_type if e.control_type else ''})"
              for e in index.of_type(addon)]
    raise FailedPrecondition(f"{field}: no {what} for {family} is installed (model '{model.id}'); put one in "
                             f"{index.folder_hint(addon)}. Installed: {', '.join(others) or 'none'}")
