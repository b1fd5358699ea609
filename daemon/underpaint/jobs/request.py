"""Checks a GenerateRequest and resolves it into what the worker runs.

Everything a client can get wrong is caught here, before the job is queued, with a message that
names the field and the allowed range. Defaults live here too, so every transport shares them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import images
from ..errors import InvalidArgument
from ..finishing import check_finishing
from ..v1 import underpaint_pb2 as pb
from ..models.sidecar import MAX_CLIP_SKIP, read_defaults
from ..pipelines.samplers import (FEW_STEP_DEFAULT_GUIDANCE, FEW_STEP_DEFAULT_STEPS, FEW_STEP_SAMPLERS,
                                  MAX_STEPS_BY_SAMPLER)
from ..prompts.reading import read_or_refuse
from .addon_checks import plan_addons
from .control_checks import plan_controls
from .noise_jobs import check_job_fields, resolve_edit, resolve_keyframes
from .noise_options import random_seed, resolve_noise
from .unsupported import refuse_unsupported

DEFAULT_STEPS = 25
DEFAULT_GUIDANCE = 7.0
DEFAULT_STRENGTH = 0.75
DEFAULT_PREVIEW_SIZE = 256
MAX_STEPS = 150
MAX_GUIDANCE = 30.0
MAX_COUNT = 16
MAX_PREVIEW_SIZE = 1024
MAX_PROMPT_CHARS = 10_000
MAX_CLIENT_CHARS = 200  # `client` is free text for logs
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Limits:
    max_generation_pixels: int = 2048 * 2048
    max_canvas_pixels: int = 8192 * 8192


@dataclass
class ResolvedRequest:
    request: pb.GenerateRequest       # as sent, images stripped (kept for logs and parameters)
    model: object                     # models.registry.ModelEntry
    prompt: str
    negative_prompt: str
    width: int
    height: int
    steps: int
    guidance: float
    sampler: str
    seed: int                         # the first seed; variation i uses seed + i
    count: int
    strength: float | None            # None = txt2img
    init_image: np.ndarray | None     # (h, w, 3) uint8
    mask: np.ndarray | None           # (h, w) uint8
    tiling: bool
    preview_max_size: int             # 0 = no previews
    output_format: int
    canvas: object | None = None      # canvas.CanvasPlan for canvas operations
    finishing: list = field(default_factory=list)  # FinishingStep messages, applied in order
    defaults: object = None           # models.sidecar.ModelDefaults of the model (clip_skip, no_mean_restore, ...)
    clip_skip: int = 1                # 1 = the text encoder's last layer (A1111's meaning)
    mean_restore: bool = True         # prompt weights restore each chunk's mean (off: sidecar no_mean_restore)
    addons: object = None             # models.addons.AddonPlan: LoRAs, embeddings, VAE
    controls: list = field(default_factory=list)  # jobs.control_checks.ControlUse, strength > 0 only
    image_check: str = "off"          # the content policy's check of each result: off, blur, block
    noise: object = None              # jobs.noise_options.NoiseSettings, None = plain seeds
    frames: list = field(default_factory=list)  # KEYFRAMES: (h, w, 3) uint8 frames, in order
    edit: object = None               # EDIT: jobs.noise_jobs.EditPlan
    train: object = None              # jobs.train_request.TrainSpec for TRAIN_EMBEDDING jobs


def _check_range(field: str, value, low, high, what: str = "") -> None:
    if not (low <= value <= high):
        raise InvalidArgument(field, f"{value} is out of range; allowed {low} to {high}{what}")


def resolve(req: pb.GenerateRequest, registry, samplers: dict, default_sampler: str,
            limits: Limits, addons=None, allow_pickle: bool = False, archive=None) -> ResolvedRequest:
    """Validates `req` and fills in defaults. Raises InvalidArgument / NotFound.

    A field left at 0 / "" takes the model's sidecar default (models/sidecar.py), else the
    daemon's own: request > model sidecar > built-in."""
    refuse_unsupported(req)
    check_job_fields(req)
    check_finishing(req.finishing)  # the steps' own fields first; their sizes once the input's is known
    if len(req.prompt) > MAX_PROMPT_CHARS:
        raise InvalidArgument("prompt", f"is {len(req.prompt)} characters; the limit is {MAX_PROMPT_CHARS}")
    if len(req.negative_prompt) > MAX_PROMPT_CHARS:
        raise InvalidArgument("negative_prompt", f"is too long; the limit is {MAX_PROMPT_CHARS} characters")
    if len(req.client) > MAX_CLIENT_CHARS:
        raise InvalidArgument("client", f"is {len(req.client)} characters; the limit is {MAX_CLIENT_CHARS} "
                              "(a name and version such as \"krita 5.2.9\")")
    model = registry.get(req.model) if req.model else registry.get(registry.default_id)
    multiple = model.size_multiple
    defaults = read_defaults(model, samplers)

    sampler = req.sampler or defaults.sampler or default_sampler
    if sampler not in samplers:
        raise InvalidArgument("sampler", f"unknown sampler '{sampler}'; one of: {', '.join(samplers)}")
    few_step = sampler in FEW_STEP_SAMPLERS  # distilled models: few steps, little or no guidance
    steps = req.steps or defaults.steps or (FEW_STEP_DEFAULT_STEPS if few_step else DEFAULT_STEPS)
    _check_range("steps", steps, 1, MAX_STEPS_BY_SAMPLER.get(sampler, MAX_STEPS),
                 f" with sampler '{sampler}'" if sampler in MAX_STEPS_BY_SAMPLER else "")
    guidance = req.guidance or defaults.guidance or (FEW_STEP_DEFAULT_GUIDANCE if few_step else DEFAULT_GUIDANCE)
    if not np.isfinite(guidance):
        raise InvalidArgument("guidance", "must be a finite number")
    _check_range("guidance", guidance, 1.0, MAX_GUIDANCE)
    clip_skip = req.clip_skip or defaults.clip_skip or 1
    _check_range("clip_skip", clip_skip, 1, MAX_CLIP_SKIP, " (0 = the model's default)")
    count = req.count or 1
    _check_range("count", count, 1, MAX_COUNT)
    if req.seed < -1:
        raise InvalidArgument("seed", f"{req.seed} is invalid; use -1 for random or 0 to {MAX_SEED}")
    seed = req.seed if req.seed >= 0 else random_seed(count)
    seed = min(seed, MAX_SEED - count)
    preview = 0
    if req.previews:
        preview = req.preview_max_size or DEFAULT_PREVIEW_SIZE
        _check_range("preview_max_size", preview, 16, MAX_PREVIEW_SIZE)
    if req.output_format not in (pb.PIXEL_FORMAT_UNSPECIFIED, pb.PIXEL_FORMAT_RGBA8,
                                 pb.PIXEL_FORMAT_PNG, pb.PIXEL_FORMAT_WEBP, pb.PIXEL_FORMAT_RGB8):
        raise InvalidArgument("output_format", "must be RGBA8, RGB8, PNG or WEBP")
    if not np.isfinite(req.strength):
        raise InvalidArgument("strength", "must be a finite number")

    stripped = pb.GenerateRequest()
    stripped.CopyFrom(req)
    stripped.ClearField("init_image")
    stripped.ClearField("mask")
    stripped.ClearField("canvas")
    for control in stripped.controls:
        control.ClearField("image")
    stripped.ClearField("frames")
    if req.HasField("train"):
        stripped.train.ClearField("images")  # pixels stay out of logs and parameters
    resolved = ResolvedRequest(
        request=stripped, model=model, prompt=req.prompt, negative_prompt=req.negative_prompt,
        width=0, height=0, steps=steps, guidance=float(guidance), sampler=sampler, seed=seed,
        count=count, strength=None, init_image=None, mask=None, tiling=req.tiling,
        preview_max_size=preview, output_format=req.output_format or pb.PIXEL_FORMAT_RGBA8,
        finishing=list(req.finishing), defaults=defaults, clip_skip=clip_skip,
        mean_restore=not defaults.no_mean_restore,
        noise=resolve_noise(req.noise if req.HasField("noise") else None, multiple))

    if req.HasField("train") and req.type != pb.JOB_TYPE_TRAIN_EMBEDDING:
        raise InvalidArgument("train", "only applies to a TRAIN_EMBEDDING job (set type)")
    if req.type == pb.JOB_TYPE_FINISH and req.controls:
        raise InvalidArgument("controls", "steer a generation; a FINISH job generates nothing to steer "
                              "(send them with a GENERATE job)")
    if req.type == pb.JOB_TYPE_FINISH:
        from .finish_request import resolve_finish

        resolve_finish(req, resolved, limits)
    elif req.type == pb.JOB_TYPE_KEYFRAMES:
        resolve_keyframes(req, resolved, limits)
    elif req.type == pb.JOB_TYPE_TRAIN_EMBEDDING:
        from .train_request import resolve_train

        resolve_train(req, resolved, limits, addons, archive)  # archive: train.archive_ids' pictures
    elif req.HasField("canvas"):
        _resolve_canvas(req, resolved, limits)
    else:
        _resolve_plain(req, resolved, limits)
    if req.type == pb.JOB_TYPE_EDIT:
        resolve_edit(req, resolved)
    check_finishing(req.finishing, resolved.width, resolved.height, limits.max_canvas_pixels)
    if resolved.strength is not None and int(resolved.steps * resolved.strength) < 1:
        raise InvalidArgument("strength", f"{resolved.strength:g} with {resolved.steps} steps runs no step; "
                              f"raise steps to at least {math.ceil(1 / resolved.strength)} or raise strength")
    # The prompt language is checked before queuing: errors name the token and its position.
    prompt = read_or_refuse(req.prompt, "prompt", steps)
    read_or_refuse(req.negative_prompt, "negative_prompt", steps, allow_and=False)
    prompt_loras = [(t.name, t.weight, "prompt", t.where) for t in prompt.loras]
    resolved.addons = plan_addons(req, model, registry, addons, defaults, prompt_loras=prompt_loras,
                                  allow_pickle=allow_pickle)
    resolved.controls = plan_controls(req, model, addons, resolved.width, resolved.height, resolved.canvas,
                                      limits.max_canvas_pixels, resolved.mask)
    return resolved


def _resolve_plain(req: pb.GenerateRequest, resolved: ResolvedRequest, limits: Limits) -> None:
    model = resolved.model
    multiple = model.size_multiple

    width = req.width or (req.init_image.width if req.HasField("init_image") else model.native_width)
    height = req.height or (req.init_image.height if req.HasField("init_image") else model.native_height)
    _check_size(width, height, multiple, limits)
    resolved.width, resolved.height = width, height

    if req.HasField("init_image"):
        init = images.decode(req.init_image, "init_image", 3, limits.max_generation_pixels)
        if init.shape[:2] != (height, width):
            raise InvalidArgument("init_image", f"is {init.shape[1]}x{init.shape[0]} but width x height "
                                  f"is {width}x{height}; send them equal")
        resolved.init_image = init
        strength = req.strength or DEFAULT_STRENGTH
        if not (0.0 < strength <= 1.0):
            raise InvalidArgument("strength", f"{strength} is out of range; allowed (0, 1]")
        resolved.strength = float(strength)
    elif req.strength:
        raise InvalidArgument("strength", "only applies with an init_image (img2img)")
    if req.HasField("mask"):
        if resolved.init_image is None:
            raise InvalidArgument("mask", "needs an init_image to inpaint into")
        mask = images.decode(req.mask, "mask", 1, limits.max_generation_pixels)
        if mask.shape[:2] != (height, width):
            raise InvalidArgument("mask", f"is {mask.shape[1]}x{mask.shape[0]} but the init_image is "
                                  f"{width}x{height}; they must be the same size")
        resolved.mask = mask


def _check_size(width: int, height: int, multiple: int, limits: Limits) -> None:
    for name, value in (("width", width), ("height", height)):
        if value < multiple or value % multiple:
            raise InvalidArgument(name, f"{value} must be a positive multiple of {multiple}")
    if width * height > limits.max_generation_pixels:
        raise InvalidArgument("width", f"{width}x{height} = {width * height} pixels is over the limit of "
                              f"{limits.max_generation_pixels} pixels per image")


_OPERATIONS = {pb.CANVAS_OPERATION_GENERATE: "generate", pb.CANVAS_OPERATION_REFINE: "refine",
               pb.CANVAS_OPERATION_FILL: "fill", pb.CANVAS_OPERATION_EXPAND: "expand"}


def _refuse_canvas_contradictions(req: pb.GenerateRequest, op: int) -> None:
    """With `canvas` set the daemon plans size, init image and mask itself: a field that would be
    ignored is refused, so nobody believes it was used."""
    for name in ("width", "height"):
        if getattr(req, name):
            raise InvalidArgument(name, f"{getattr(req, name)} is not used with canvas: the daemon picks the "
                                        "generation size from the canvas and the model; leave it 0")
    if req.HasField("init_image"):
        raise InvalidArgument("init_image", "is not used with canvas: send the document's pixels as canvas.region")
    if req.HasField("mask"):
        raise InvalidArgument("mask", "is not used with canvas: send the selection as canvas.selection")
    if op == pb.CANVAS_OPERATION_GENERATE and req.strength:
        raise InvalidArgument("strength", f"{req.strength:g} is not used by the canvas generate operation, which "
                                          "starts from noise; use refine or fill to rework existing pixels")
    if op == pb.CANVAS_OPERATION_EXPAND and req.canvas.HasField("selection"):
        raise InvalidArgument("canvas.selection", "is not used by expand, which paints the new margins; "
                                                  "use fill to repaint a selection")


def _resolve_canvas(req: pb.GenerateRequest, resolved: ResolvedRequest, limits: Limits) -> None:
    from .. import canvas  # numpy-only; imported late to keep this module light

    c = req.canvas
    if c.document_width <= 0 or c.document_height <= 0:
        raise InvalidArgument("canvas.document_width", f"document size must be positive, got "
                              f"{c.document_width}x{c.document_height}")
    if c.document_width * c.document_height > limits.max_canvas_pixels:
        raise InvalidArgument("canvas.document_width", f"{c.document_width}x{c.document_height} is over "
                              f"the canvas limit of {limits.max_canvas_pixels} pixels")
    op = c.operation
    if op == pb.CANVAS_OPERATION_UNSPECIFIED:
        op = pb.CANVAS_OPERATION_FILL if c.HasField("selection") else pb.CANVAS_OPERATION_GENERATE
    if op not in _OPERATIONS:
        raise InvalidArgument("canvas.operation", f"unknown operation {c.operation}")
    _refuse_canvas_contradictions(req, op)
    region = images.decode(c.region, "canvas.region", 4, limits.max_canvas_pixels) if c.HasField("region") else None
    selection = (images.decode(c.selection, "canvas.selection", 1, limits.max_canvas_pixels)
                 if c.HasField("selection") else None)
    if op in (pb.CANVAS_OPERATION_REFINE, pb.CANVAS_OPERATION_FILL, pb.CANVAS_OPERATION_EXPAND) and region is None:
        raise InvalidArgument("canvas.region", f"{_OPERATIONS[op]} needs the document's pixels")
    mo = c.mask_options
    inp = canvas.CanvasInput(
        document_width=c.document_width, document_height=c.document_height,
        region=region, region_x=c.region_x, region_y=c.region_y,
        selection=selection, selection_x=c.selection_x, selection_y=c.selection_y,
        operation=_OPERATIONS[op],
        expand=(c.expand.left, c.expand.top, c.expand.right, c.expand.bottom),
        grow=mo.grow, feather=mo.feather, context=mo.context, min_context_size=mo.min_context_size)
    model = resolved.model
    plan = canvas.plan_canvas(inp, (model.native_width, model.native_height), model.size_multiple,
                              limits.max_generation_pixels, max_canvas_pixels=limits.max_canvas_pixels)
    resolved.canvas = plan
    resolved.width, resolved.height = plan.gen_width, plan.gen_height
    resolved.init_image = plan.init_image
    resolved.mask = plan.mask
    if plan.init_image is not None:
        default = DEFAULT_STRENGTH if op == pb.CANVAS_OPERATION_REFINE else 1.0
        strength = req.strength or default
        if not (0.0 < strength <= 1.0):
            raise InvalidArgument("strength", f"{strength} is out of range; allowed (0, 1]")
        resolved.strength = float(strength)
