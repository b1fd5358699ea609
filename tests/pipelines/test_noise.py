"""Noise settings on the demo model: variation seeds, resize-seed-from, frozen noise, and a
count run as one batch giving the images one-by-one runs give, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from underpaint.errors import InvalidArgument
from underpaint.pipelines.generate import GenerationSpec, run_batch, run_generation
from underpaint.pipelines.noise import NoiseSettings, initial_noise, seed_randn, slerp
from underpaint.pipelines.samplers import SAMPLERS

SIZE = 64


def spec(**changes) -> GenerationSpec:
    base = dict(prompt="a lighthouse at dusk", negative_prompt="", width=SIZE, height=SIZE, steps=4,
                guidance=7.0, sampler="euler_a")
    base.update(changes)
    return GenerationSpec(**base)


def quiet(*_args):
    pass


def picture(shift: int = 0) -> np.ndarray:
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    rgb = np.stack([x, y, 1 - x * y], axis=2) * 255
    return np.roll(rgb.astype(np.uint8), shift, axis=1)


def mean_abs(a, b) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


def test_slerp_ends_are_exact_and_the_middle_keeps_the_norm():
    low, high = seed_randn(1, (4, 8, 8)), seed_randn(2, (4, 8, 8))
    assert torch.equal(slerp(0.0, low, high), low)
    assert torch.equal(slerp(1.0, low, high), high)
    middle = slerp(0.5, low, high)
    # A linear blend of two independent noises shrinks by ~1/sqrt(2); a slerp does not.
    assert abs(middle.std().item() - low.std().item()) < 0.1
    assert (low * 0.5 + high * 0.5).std().item() < 0.8 * low.std().item()


def test_slerp_of_nearly_parallel_noises_blends_linearly():
    low = seed_randn(1, (4, 8, 8))
    high = low + 1e-4 * seed_randn(2, (4, 8, 8))
    assert torch.allclose(slerp(0.25, low, high), 0.75 * low + 0.25 * high, atol=1e-7)
    assert torch.isfinite(slerp(0.25, low, low)).all()  # acos(1) would divide by sin(0) = 0


def test_resize_seed_from_centres_the_old_noise():
    old = initial_noise(7, (4, 8, 8), NoiseSettings(), 8)
    grown = initial_noise(7, (4, 8, 12), NoiseSettings(resize_from=(64, 64)), 8)
    assert torch.equal(grown[:, :, 2:10], old)                      # wider: old noise in the middle
    shrunk = initial_noise(7, (4, 8, 4), NoiseSettings(resize_from=(64, 64)), 8)
    assert torch.equal(shrunk, old[:, :, 2:6])                      # narrower: its centre
    assert torch.equal(initial_noise(7, (4, 8, 8), NoiseSettings(resize_from=(64, 64)), 8), old)


def test_variation_strength_zero_is_the_seed_and_one_is_the_variation_seed(demo_model):
    base = run_generation(demo_model, spec(sampler="euler"), 11, quiet)
    other = run_generation(demo_model, spec(sampler="euler"), 99, quiet)
    at = {s: run_generation(demo_model, spec(sampler="euler", noise=NoiseSettings(99, s)), 11, quiet)
          for s in (0.0, 0.1, 0.5, 1.0)}
    assert np.array_equal(at[0.0], base)
    assert np.array_equal(at[1.0], other)  # Euler draws no noise after the first
    assert 0 < mean_abs(at[0.1], base) < mean_abs(at[0.5], base)
    assert mean_abs(at[0.5], base) > 1 and mean_abs(at[0.5], other) > 1


def test_small_variation_with_an_ancestral_sampler_stays_close(demo_model):
    """The per-step noise stays the seed's, so a small strength changes the image a little."""
    base = run_generation(demo_model, spec(), 11, quiet)
    near = run_generation(demo_model, spec(noise=NoiseSettings(99, 0.05)), 11, quiet)
    far = run_generation(demo_model, spec(), 99, quiet)
    assert 0 < mean_abs(near, base) < 0.5 * mean_abs(far, base)


def test_resize_seed_from_keeps_the_composition(demo_model):
    small = run_generation(demo_model, spec(sampler="euler"), 5, quiet)
    wide = run_generation(demo_model, spec(sampler="euler", width=96), 5, quiet)
    kept = run_generation(demo_model, spec(sampler="euler", width=96, noise=NoiseSettings(resize_from=(64, 64))), 5, quiet)
    centre = slice(16, 80)
    assert mean_abs(kept[:, centre], small) < 0.6 * mean_abs(wide[:, centre], small)


@pytest.mark.parametrize("sampler", list(SAMPLERS))
def test_frozen_noise_depends_on_seed_and_step_only(demo_model, sampler):
    """Same seed, frozen: every frame gets the same initial and per-step noise, whatever its
    content; we record the noise each step draws and compare it between two inputs."""
    drawn = {}

    def record(key):
        seen = []
        original = torch.randn

        def spy(*args, **kwargs):
            out = original(*args, **kwargs)
            if kwargs.get("generator") is not None:
                seen.append(out.clone())
            return out

        torch.randn = spy
        try:
            run_generation(demo_model, spec(sampler=sampler, init_image=picture(key), strength=0.75, steps=4,
                                            noise=NoiseSettings(freeze=True)), 3, quiet)
        finally:
            torch.randn = original
        drawn[key] = seen

    record(0)
    record(20)
    assert len(drawn[0]) == len(drawn[20]) >= 2  # the VAE's sample and the initial noise, at least
    assert all(torch.equal(a, b) for a, b in zip(drawn[0], drawn[20]))


def test_frozen_step_noise_is_the_same_in_a_batch_and_alone(demo_model):
    frozen = NoiseSettings(freeze=True)
    alone = run_generation(demo_model, spec(noise=frozen), 4, quiet)
    in_batch = run_batch(demo_model, spec(noise=frozen), [9, 4], quiet)
    assert np.array_equal(in_batch[1], alone)
    unfrozen = run_generation(demo_model, spec(), 4, quiet)
    assert mean_abs(unfrozen, alone) > 0  # frozen step noise is keyed on (seed, step), not the stream


@pytest.mark.parametrize("sampler", ["euler_a", "dpmpp_2m_sde_karras", "euler"])
@pytest.mark.parametrize("mode", ["txt2img", "img2img", "inpaint"])
def test_a_batch_equals_one_by_one_bit_for_bit(demo_model, sampler, mode):
    extra = {}
    if mode != "txt2img":
        extra = dict(init_image=picture(), strength=0.7)
    if mode == "inpaint":
        mask = np.zeros((SIZE, SIZE), np.uint8)
        mask[8:40, 16:56] = 255
        extra["mask"] = mask
    s = spec(sampler=sampler, **extra)
    seeds = [21, 22, 23]
    batch = run_batch(demo_model, s, seeds, quiet)
    one_by_one = [run_generation(demo_model, s, seed, quiet) for seed in seeds]
    assert all(np.array_equal(a, b) for a, b in zip(batch, one_by_one))
    assert mean_abs(batch[0], batch[1]) > 1  # each its own seed


def test_variation_strength_out_of_range_is_refused(demo_model):
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(InvalidArgument) as caught:
            run_generation(demo_model, spec(noise=NoiseSettings(1, bad)), 1, quiet)
        assert caught.value.field == "noise.variation_strength"
