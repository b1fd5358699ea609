"""Mask-free edits: find the noise that makes an image under the model, then sample from it with
another prompt (the K-diffusion "img2img alternative" idea, done with DDIM inversion).

diffusers 0.42 ships DDIMInverseScheduler (also DPMSolverMultistepInverseScheduler and the
LEDITS++ pipelines); DDIM inversion is the route that works with every SD 1.x / SDXL pipeline we
load. The inversion runs the model's own text-to-image pipeline with the inverse scheduler,
guidance 1 (guidance breaks the inversion's reversibility) and the source prompt, starting from
the image's latents, for `strength` of the schedule. The re-sampling runs the image-to-image
pipeline with DDIM on those latents at the same strength, with its "add noise" step made the
identity: the latents already hold the noise, found rather than drawn. Both run the same DDIM
timesteps, so re-sampling with the source prompt and guidance 1 gives the image back up to the
inversion's error, and a changed prompt changes what the prompt change touches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from underpaint.errors import ResourceExhausted
from underpaint.models.loader import LoadedModel
from underpaint.pipelines.addons import prepare_addons
from underpaint.pipelines.batching import batch_invariant
from underpaint.pipelines.generate import GenerationSpec, StepCallback, validate
from underpaint.pipelines.noise import cpu_generator
from underpaint.pipelines.preview import latents_to_preview
from underpaint.pipelines.tiling import set_tiling

INVERSION_GUIDANCE = 1.0


@dataclass
class EditSpec:
    generation: GenerationSpec  # the target prompt, init_image, strength, steps, guidance
    source_prompt: str
    inversion_steps: int


def image_latents(pipe, rgb: np.ndarray) -> torch.Tensor:
    """The VAE's mean latents of an image (no sampling: the inversion starts from the image)."""
    vae = pipe.vae
    pixels = pipe.image_processor.preprocess(Image.fromarray(rgb)).to(vae.device, vae.dtype)
    with torch.no_grad():
        latents = vae.encode(pixels).latent_dist.mode()
    return latents * vae.config.scaling_factor


def run_edit(model: LoadedModel, edit: EditSpec, seed: int, on_step: StepCallback, output_type: str = "np"):
    """Invert edit.generation.init_image under the source prompt, re-sample with the target
    prompt. on_step sees inversion and re-sampling steps as one count. Returns (h, w, 3) uint8,
    or with output_type "latent" the final latents (for measuring the round trip)."""
    from diffusers import DDIMInverseScheduler, DDIMScheduler

    spec = edit.generation
    validate(spec, model.entry.size_multiple)
    strength = float(spec.strength if spec.strength is not None else 1.0)
    forward_steps = max(1, int(spec.steps * strength))
    inverse_steps = max(1, int(edit.inversion_steps * strength))
    total = inverse_steps + forward_steps
    config = model.base_scheduler_config or model.txt2img.scheduler.config
    architecture = model.architecture

    def preview(latents):
        return latents_to_preview(latents, architecture, spec.preview_max_size) if spec.preview_max_size else None

    def inverse_step(pipeline, index, _t, tensors):
        on_step(index + 1, total, preview(tensors["latents"]))
        if index + 1 >= inverse_steps:
            pipeline._interrupt = True  # the rest of the schedule is skipped: strength < 1
        return {}

    def forward_step(pipeline, index, _t, tensors):
        on_step(inverse_steps + index + 1, total, preview(tensors["latents"]))
        return {}

    with model.lock, prepare_addons(model, spec.addons, spec.on_activity) as addons:
        source = addons.expand(edit.source_prompt)
        target = addons.expand(spec.prompt)
        negative = addons.expand(spec.negative_prompt) or None
        set_tiling(model.txt2img, spec.tiling)
        try:
            with batch_invariant(model.txt2img):
                latents = image_latents(model.txt2img, spec.init_image)
                model.txt2img.scheduler = DDIMInverseScheduler.from_config(dict(config))
                noise = model.txt2img(
                    prompt=source, negative_prompt=None, num_inference_steps=edit.inversion_steps,
                    guidance_scale=INVERSION_GUIDANCE, latents=latents, width=spec.width, height=spec.height,
                    output_type="latent", callback_on_step_end=inverse_step,
                    callback_on_step_end_tensor_inputs=["latents"]).images
                pipe = model.img2img
                scheduler = DDIMScheduler.from_config(dict(config))
                scheduler.add_noise = lambda original, _noise, _t: original  # the noise is found, not drawn
                pipe.scheduler = scheduler
                images = pipe(
                    prompt=target, negative_prompt=negative, image=noise, strength=min(1.0, (forward_steps + 0.5) / spec.steps),
                    num_inference_steps=spec.steps, guidance_scale=spec.guidance, eta=0.0,
                    generator=cpu_generator(seed), output_type=output_type, callback_on_step_end=forward_step,
                    callback_on_step_end_tensor_inputs=["latents"]).images
        except torch.OutOfMemoryError as e:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise ResourceExhausted(f"out of memory editing {spec.width}x{spec.height} on {model.device}; "
                                    "try a smaller size") from e
        finally:
            set_tiling(model.txt2img, False)
    if output_type == "latent":
        return images
    return (np.clip(images[0], 0, 1) * 255).round().astype(np.uint8)
