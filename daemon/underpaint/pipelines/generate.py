"""One generation: text-to-image, image-to-image or inpaint on a loaded model.

The caller (the GPU worker) gets a step callback after every denoising step, can stop the job
from it by raising JobCancelled, and receives (height, width, 3) uint8 RGB.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from PIL import Image

from underpaint.errors import InvalidArgument, ResourceExhausted
from underpaint.models.loader import LoadedModel
from underpaint.pipelines.accel import job_speedups
from underpaint.pipelines.addons import prepare_addons
from underpaint.pipelines.control_use import use_controls
from underpaint.pipelines.batching import batch_invariant
from underpaint.pipelines.noise import NoiseSettings, check_noise, cpu_generator, noise_hooks
from underpaint.pipelines.preview import make_preview
from underpaint.pipelines.samplers import check_sampler, make_scheduler
from underpaint.pipelines.tiling import set_tiling
from underpaint.prompts.conditioning import encode_job
from underpaint.prompts.errors import PromptError

DEFAULT_IMG2IMG_STRENGTH = 0.75
DEFAULT_INPAINT_STRENGTH = 1.0
MAX_STEPS = 1000
MAX_CLIP_SKIP = 12

StepCallback = Callable[[int, int, "np.ndarray | None"], None]


@dataclass
class GenerationSpec:
    prompt: str
    negative_prompt: str
    width: int
    height: int
    steps: int
    guidance: float
    sampler: str
    tiling: bool = False
    init_image: np.ndarray | None = None  # (height, width, 3) uint8 RGB
    strength: float | None = None  # img2img/inpaint strength, None for txt2img
    mask: np.ndarray | None = None  # (height, width) uint8, 255 = regenerate; needs init_image
    preview_max_size: int = 0  # 0 = no previews
    addons: object = None  # models.addons.AddonPlan: LoRAs, embeddings, VAE (checked at submit)
    controls: list = ()  # jobs.control_checks.ControlUse with strength > 0, images at width x height
    on_activity: Callable[[str, str, str], None] | None = None  # (kind, message, subject) for status lines
    clip_skip: int = 1         # A1111's meaning: 1 = the text encoder's last layer, 2 = the one before
    mean_restore: bool = True  # restore each chunk's mean after prompt weights (A1111's default)
    noise: NoiseSettings | None = None  # variation seed, resize-seed-from, frozen noise


def mode_of(spec: GenerationSpec) -> str:
    if spec.init_image is None:
        return "txt2img"
    return "img2img" if spec.mask is None else "inpaint"


def effective_strength(spec: GenerationSpec) -> float | None:
    """The strength that applies: None for txt2img (a stray strength is ignored there)."""
    mode = mode_of(spec)
    if mode == "txt2img":
        return None
    if spec.strength is not None:
        return float(spec.strength)
    return DEFAULT_IMG2IMG_STRENGTH if mode == "img2img" else DEFAULT_INPAINT_STRENGTH


def steps_to_run(spec: GenerationSpec) -> int:
    """Denoising steps diffusers will run (before a 2nd-order sampler doubles its model calls)."""
    strength = effective_strength(spec)
    if strength is None:
        return spec.steps
    return min(int(spec.steps * strength), spec.steps)


def validate(spec: GenerationSpec, size_multiple: int = 8) -> None:
    """Raise InvalidArgument naming the first bad field."""
    for name in ("width", "height"):
        value = getattr(spec, name)
        if not isinstance(value, int) or value <= 0 or value % size_multiple:
            raise InvalidArgument(name, f"must be a positive multiple of {size_multiple}, got {value}")
    if not isinstance(spec.steps, int) or not 1 <= spec.steps <= MAX_STEPS:
        raise InvalidArgument("steps", f"must be between 1 and {MAX_STEPS}, got {spec.steps}")
    if not math.isfinite(spec.guidance) or spec.guidance < 0:
        raise InvalidArgument("guidance", f"must be a finite number >= 0, got {spec.guidance}")
    check_sampler(spec.sampler)
    if not isinstance(spec.clip_skip, int) or not 0 <= spec.clip_skip <= MAX_CLIP_SKIP:
        raise InvalidArgument("clip_skip", f"must be between 1 and {MAX_CLIP_SKIP} (0 = 1), got {spec.clip_skip}")
    check_noise(spec.noise)
    if spec.preview_max_size < 0:
        raise InvalidArgument("preview_max_size", f"must be >= 0, got {spec.preview_max_size}")
    _check_array("init_image", spec.init_image, (spec.height, spec.width, 3))
    _check_array("mask", spec.mask, (spec.height, spec.width))
    if spec.mask is not None and spec.init_image is None:
        raise InvalidArgument("mask", "a mask needs an init_image to keep pixels from")
    if spec.strength is not None and spec.init_image is not None:
        if not 0 < spec.strength <= 1:
            raise InvalidArgument("strength", f"must be in (0, 1], got {spec.strength}")
    if steps_to_run(spec) < 1:
        raise InvalidArgument(
            "strength",
            f"strength {effective_strength(spec)} with {spec.steps} steps runs no step; "
            f"raise steps to at least {math.ceil(1 / effective_strength(spec))} or raise strength",
        )


def _check_array(name: str, array, shape: tuple) -> None:
    if array is None:
        return
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8 or array.shape != shape:
        got = f"{array.dtype} {array.shape}" if isinstance(array, np.ndarray) else type(array).__name__
        raise InvalidArgument(name, f"expected uint8 array of shape {shape}, got {got}")


def blend_by_mask(generated: np.ndarray, init: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Integer blend: mask 0 gives `init` bit for bit, 255 gives `generated`, soft values mix."""
    m = mask.astype(np.uint32)[..., None]
    mixed = generated.astype(np.uint32) * m + init.astype(np.uint32) * (255 - m)
    return ((mixed + 127) // 255).astype(np.uint8)


def _conditioning(pipe, spec: GenerationSpec, addons, architecture: str):
    try:
        return encode_job(
            pipe, addons.expand(spec.prompt), addons.expand(spec.negative_prompt), steps_to_run(spec),
            clip_skip=spec.clip_skip or 1, mean_restore=spec.mean_restore, is_sdxl=architecture == "sdxl",
            # SDXL models made so read an empty negative prompt as zeros (diffusers does the same)
            zero_negative=bool(getattr(pipe.config, "force_zeros_for_empty_prompt", False)))
    except PromptError as e:  # checked at submit; a face re-render's own prompt is read only here
        raise InvalidArgument("prompt", str(e)) from None


def _inject_test_fault(prompt: str) -> None:
    """Fault tests only: $UNDERPAINT_TEST_OOM_PROMPT makes a job whose prompt contains it run out of
    memory the way torch reports it, which no CPU machine can be made to do on purpose."""
    trigger = os.environ.get("UNDERPAINT_TEST_OOM_PROMPT")
    if trigger and trigger in prompt:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (injected by a fault test)")


def batchable(spec: GenerationSpec) -> bool:
    """Prompt editing and AND switch the UNet's text per step for one image at a time
    (prompts/conditioning.py), so such prompts run one image per call."""
    from underpaint.prompts.reading import read_prompt

    try:
        return (read_prompt(spec.prompt, spec.steps).is_plain
                and read_prompt(spec.negative_prompt, spec.steps, allow_and=False).is_plain)
    except Exception:  # refused at submit already; one at a time is always safe
        return False


def run_generation(model: LoadedModel, spec: GenerationSpec, seed: int, on_step: StepCallback) -> np.ndarray:
    return run_batch(model, spec, [seed], on_step)[0]


def run_batch(model: LoadedModel, spec: GenerationSpec, seeds: list[int], on_step: StepCallback) -> list[np.ndarray]:
    """One pipeline call for len(seeds) images. Each image has its own generator, so it is the
    image that seed gives alone; previews show the first image."""
    validate(spec, model.entry.size_multiple)
    mode = mode_of(spec)
    pipe = getattr(model, mode)
    architecture = model.architecture

    advance = [lambda index: None]  # set once the conditioning is ready: prompt switching per step

    def step_end(pipeline, index, _timestep, tensors):
        advance[0](index)
        preview = None
        if spec.preview_max_size > 0:
            preview = make_preview(tensors["latents"], architecture, spec.preview_max_size)
        on_step(index + 1, pipeline.num_timesteps, preview)
        return {}

    kwargs = dict(
        num_inference_steps=spec.steps,
        guidance_scale=spec.guidance,
        num_images_per_prompt=len(seeds),
        generator=[cpu_generator(seed) for seed in seeds] if len(seeds) > 1 else cpu_generator(seeds[0]),
        output_type="np",
        callback_on_step_end=step_end,
        callback_on_step_end_tensor_inputs=["latents"],
    )
    if mode == "txt2img":
        kwargs.update(width=spec.width, height=spec.height)
    else:
        kwargs.update(image=Image.fromarray(spec.init_image), strength=effective_strength(spec))
    if mode == "inpaint":
        # One copy per image: diffusers encodes a single inpaint image with the first generator
        # only, which would tie every image of a batch to the first seed.
        kwargs.update(image=[kwargs["image"]] * len(seeds), mask_image=[Image.fromarray(spec.mask)] * len(seeds),
                      width=spec.width, height=spec.height)

    with model.lock, prepare_addons(model, spec.addons, spec.on_activity) as addons, \
            use_controls(model, pipe, mode, spec.controls, spec.on_activity) as (pipe, control_kwargs):
        conditioning = _conditioning(pipe, spec, addons, architecture)
        if len(seeds) > 1 and not conditioning.plain:
            raise ValueError("a prompt with editing or AND runs one image per call (see batchable)")
        kwargs.update(conditioning.pipeline_kwargs())
        kwargs.update(control_kwargs)
        pipe.scheduler = make_scheduler(spec.sampler, model.base_scheduler_config or pipe.scheduler.config)
        set_tiling(pipe, spec.tiling)
        try:
            _inject_test_fault(spec.prompt)
            with job_speedups(model, spec.width, spec.height, len(seeds), spec.on_activity), \
                    conditioning.hooked(pipe.unet) as advance[0], batch_invariant(pipe, len(seeds)), \
                    noise_hooks(pipe, seeds, spec.noise, spec.width, spec.height):
                images = pipe(**kwargs).images
        except torch.OutOfMemoryError as e:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise ResourceExhausted(
                f"out of memory generating {spec.width}x{spec.height} on {model.device}; try a smaller size "
                "or fewer LoRAs, or close other programs using the device (the daemon goes on serving)"
            ) from e
        finally:
            set_tiling(pipe, False)
    results = [(np.clip(image, 0, 1) * 255).round().astype(np.uint8) for image in images]
    if mode == "inpaint":
        results = [blend_by_mask(image, spec.init_image, spec.mask) for image in results]
    return results
