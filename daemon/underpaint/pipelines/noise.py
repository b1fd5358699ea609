"""The noise as a first-class object: variation seeds, resize-seed-from and frozen noise.

diffusers draws two kinds of noise from the generator it is given: the initial noise (once, in the
pipeline's prepare_latents) and, for ancestral/SDE samplers, fresh noise inside every
scheduler.step. `noise_hooks` takes over both for one pipeline call:

- the initial noise of image i is A1111's: randn(seed_i) at the (old) size, slerped towards
  randn(variation_seed_i), the old-size noise centred in the new-size one;
- with `freeze`, the generator a scheduler step sees is a fresh one seeded from (seed_i, step), so
  the per-step noise depends on nothing but the seed and the step: not on the image, the batch
  position, or how many numbers the sampler (or the VAE) drew before.

Without any setting nothing is hooked and diffusers' own draws stand, bit for bit.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
import numpy as np
import torch

from underpaint.jobs.noise_options import NoiseSettings, check_noise  # noqa: F401 (re-exported)

# A1111 modules/rng.py: below this angle the slerp is numerically meaningless; blend linearly.
PARALLEL_DOT = 0.9995


def slerp(value: float, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of two (C, H, W) noises, normalised along dim 1 as A1111 does;
    a linear blend when they are nearly parallel. value 0 gives `low`, 1 gives `high`, exactly."""
    low_norm = low / torch.norm(low, dim=1, keepdim=True)
    high_norm = high / torch.norm(high, dim=1, keepdim=True)
    dot = (low_norm * high_norm).sum(1)
    if dot.mean() > PARALLEL_DOT:
        # A1111 writes low * value + high * (1 - value) here, which swaps the ends; for nearly
        # parallel vectors it hardly matters, but 0 must stay the seed's noise.
        return low * (1 - value) + high * value
    omega = torch.acos(dot)
    so = torch.sin(omega)
    return (torch.sin((1.0 - value) * omega) / so).unsqueeze(1) * low + (torch.sin(value * omega) / so).unsqueeze(1) * high


def cpu_generator(seed: int) -> torch.Generator:
    return torch.Generator("cpu").manual_seed(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)


def seed_randn(seed: int, shape: tuple[int, ...]) -> torch.Tensor:
    """The noise diffusers draws first from a CPU generator seeded with `seed` (float32, CPU)."""
    return torch.randn(shape, generator=cpu_generator(seed), dtype=torch.float32)


def step_seed(seed: int, step: int) -> int:
    """A well-mixed seed for the noise of `step`, from the image's seed alone."""
    return int(np.random.SeedSequence([int(seed) & 0xFFFF_FFFF_FFFF_FFFF, step]).generate_state(1, np.uint64)[0])


def initial_noise(seed: int, shape: tuple[int, int, int], settings: NoiseSettings, factor: int) -> torch.Tensor:
    """A1111's first noise for one image: shape is (C, h, w) in latent cells, `factor` pixels each."""
    old = shape
    if settings.resize_from is not None:
        width, height = settings.resize_from
        old = (shape[0], max(1, height // factor), max(1, width // factor))
    noise = seed_randn(seed, old)
    if settings.variation_strength > 0:
        noise = slerp(settings.variation_strength, noise, seed_randn(settings.variation_seed, old))
    if old == shape:
        return noise
    canvas = seed_randn(seed, shape)  # where the old size does not reach: the seed's own noise
    dx, dy = (shape[2] - old[2]) // 2, (shape[1] - old[1]) // 2
    w = old[2] if dx >= 0 else old[2] + 2 * dx
    h = old[1] if dy >= 0 else old[1] + 2 * dy
    tx, ty, sx, sy = max(dx, 0), max(dy, 0), max(-dx, 0), max(-dy, 0)
    canvas[:, ty:ty + h, tx:tx + w] = noise[:, sy:sy + h, sx:sx + w]
    return canvas


@contextlib.contextmanager
def noise_hooks(pipe, seeds: list[int], settings: NoiseSettings | None, width: int, height: int):
    """Install the initial-noise and frozen-step hooks on `pipe` (and its scheduler) for one call."""
    if settings is None or not settings.hooks_needed(width, height):
        yield
        return
    factor = int(getattr(pipe, "vae_scale_factor", 8))
    module = sys.modules[type(pipe).__module__]
    original = module.randn_tensor
    used = []

    def first_noise(shape, generator=None, device=None, dtype=None, layout=None):
        # Draw as diffusers would, so the generator is left where it would be, then replace.
        drawn = original(shape, generator=generator, device=device, dtype=dtype, layout=layout)
        if used or shape[0] != len(seeds):
            return drawn
        used.append(True)
        noise = torch.stack([initial_noise(s, tuple(shape[1:]), settings, factor) for s in seeds])
        return noise.to(device=drawn.device, dtype=drawn.dtype)

    module.randn_tensor = first_noise
    scheduler = pipe.scheduler
    if settings.freeze:
        scheduler.step = _frozen_step(scheduler.step, seeds)
    try:
        yield
    finally:
        module.randn_tensor = original
        scheduler.__dict__.pop("step", None)


def _frozen_step(step, seeds: list[int]):
    """scheduler.step with a generator per image seeded from (seed, call number)."""
    calls = [0]
    signature = inspect.signature(step)

    @functools.wraps(step)
    def frozen(*args, **kwargs):
        if "generator" in signature.parameters:
            generators = [cpu_generator(step_seed(s, calls[0])) for s in seeds]
            kwargs["generator"] = generators if len(generators) > 1 else generators[0]
        calls[0] += 1
        return step(*args, **kwargs)

    frozen.__signature__ = signature
    return frozen
