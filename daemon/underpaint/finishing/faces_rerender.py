"""The rerender_faces finishing step (what ADetailer does in A1111): each face found is cut out
with some context, inpainted by the job's own model at its native resolution with the prompt (or
a face prompt) at a low denoise, and blended back with a soft mask.

Small faces in a large picture get the whole of the model's attention this way: a 90 px face in a
1024 px image is redrawn at 512 px and scaled back. Pixels beyond the feathered mask (the face
box grown by DILATE, then faded out over mask_blur) are returned bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidArgument
from . import CHECKS, STEPS
from .face_crop import blend, context_crop, face_mask
from .face_models import face_models
from .faces_detect import DEFAULT_MIN_CONFIDENCE, Face

DEFAULT_STRENGTH = 0.4      # ADetailer's defaults: denoise 0.4, padding 32, mask blur 4, dilate 4
DEFAULT_PADDING = 32
DEFAULT_MASK_BLUR = 4
DILATE = 4
MAX_PADDING = 1024
MAX_MASK_BLUR = 256
MAX_STEPS = 150
MAX_PROMPT_CHARS = 10_000
MAX_GENERATION_PIXELS = 2048 * 2048


def check_options(options, field: str = "rerender_faces") -> None:
    if not (math.isfinite(options.strength) and 0.0 <= options.strength <= 1.0):
        raise InvalidArgument(f"{field}.strength", f"{options.strength:g} is out of range; allowed (0, 1] "
                              f"(0 = the default, {DEFAULT_STRENGTH:g})")
    for name, low, high in (("padding", 0, MAX_PADDING), ("mask_blur", 0, MAX_MASK_BLUR), ("steps", 0, MAX_STEPS)):
        value = getattr(options, name)
        if not (low <= value <= high):
            raise InvalidArgument(f"{field}.{name}", f"{value} is out of range; allowed {low} to {high} "
                                  "(0 = the default)")
    if not (math.isfinite(options.min_confidence) and 0.0 <= options.min_confidence <= 1.0):
        raise InvalidArgument(f"{field}.min_confidence", f"{options.min_confidence:g} is out of range; "
                              f"allowed 0 to 1 (0 = the default, {DEFAULT_MIN_CONFIDENCE:g})")
    for name in ("prompt", "negative_prompt"):
        if len(getattr(options, name)) > MAX_PROMPT_CHARS:
            raise InvalidArgument(f"{field}.{name}", f"is too long; the limit is {MAX_PROMPT_CHARS} characters")


def rerender_faces(ctx, rgb: np.ndarray, options, index: int) -> np.ndarray:
    from .faces_result import note_faces

    faces = face_models().detector().detect(rgb, options.min_confidence or DEFAULT_MIN_CONFIDENCE)
    note_faces(ctx, index, faces, rgb.shape)
    if not faces:
        return rgb
    r = ctx.request
    steps = options.steps or r.steps
    strength = options.strength or DEFAULT_STRENGTH
    if int(steps * strength) < 1:
        raise InvalidArgument("rerender_faces.strength", f"{strength:g} with {steps} steps runs no step; "
                              "raise steps or strength")
    loaded = ctx.load_model()
    for number, face in enumerate(faces):
        ctx.check_cancelled()
        rgb = _rerender_one(ctx, loaded, rgb, face, options, index, number, len(faces), steps, strength)
    ctx.activity("faces", f"re-rendered {len(faces)} face{'s' if len(faces) > 1 else ''}", fraction=1.0)
    return rgb


def _rerender_one(ctx, loaded, rgb: np.ndarray, face: Face, options, index: int, number: int,
                  count: int, steps: int, strength: float) -> np.ndarray:
    from ..canvas.pixels import resize_rgb
    from ..canvas.scale import generation_size
    from ..pipelines.generate import GenerationSpec, run_generation  # torch: import lazily

    r = ctx.request
    entry = loaded.entry
    blur = options.mask_blur or DEFAULT_MASK_BLUR
    reach = DILATE + 2 * blur  # the mask is exactly 0 beyond this distance from the face box
    support = (max(0, face.x - reach), max(0, face.y - reach),
               min(rgb.shape[1], face.x + face.width + reach), min(rgb.shape[0], face.y + face.height + reach))
    padding = max(options.padding or DEFAULT_PADDING, 0)
    x0, y0, x1, y1 = context_crop(support, padding, entry.native_width / entry.native_height, rgb.shape[:2])
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1, :3])
    local = Face(face.x - x0, face.y - y0, face.width, face.height, face.score)
    mask = face_mask(crop.shape[:2], local, DILATE, blur)
    gen_w, gen_h = generation_size(x1 - x0, y1 - y0, (entry.native_width, entry.native_height),
                                   entry.size_multiple, MAX_GENERATION_PIXELS)
    spec = GenerationSpec(
        prompt=options.prompt or r.prompt, negative_prompt=options.negative_prompt or r.negative_prompt,
        width=gen_w, height=gen_h, steps=steps, guidance=r.guidance, sampler=r.sampler,
        init_image=resize_rgb(crop, gen_w, gen_h), strength=strength,
        mask=_resize_mask(mask, gen_w, gen_h), addons=r.addons,  # the job's LoRAs, embeddings, VAE
        clip_skip=r.clip_skip, mean_restore=r.mean_restore)

    def on_step(done: int, total: int, _preview) -> None:
        ctx.check_cancelled()
        ctx.activity("faces", f"re-rendering face {number + 1} of {count}",
                     fraction=(number + done / max(total, 1)) / count)

    ctx.activity("faces", f"re-rendering face {number + 1} of {count}", fraction=number / count)
    seed = (r.seed + index + number) & 0x7FFF_FFFF_FFFF_FFFF
    redrawn = run_generation(loaded, spec, seed, on_step)
    back = resize_rgb(redrawn, x1 - x0, y1 - y0)
    out = rgb.copy()
    out[y0:y1, x0:x1, :3] = blend(back, crop, mask)
    return out


def _resize_mask(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    from PIL import Image

    if mask.shape == (height, width):
        return mask.copy()
    return np.asarray(Image.fromarray(mask).resize((width, height), Image.BILINEAR))


STEPS["rerender_faces"] = rerender_faces
CHECKS["rerender_faces"] = check_options
