"""run_generation on the demo model: determinism, modes, steps, cancellation, tiling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from underpaint.errors import InvalidArgument, JobCancelled
from underpaint.pipelines.generate import GenerationSpec, run_generation
from underpaint.pipelines.samplers import SAMPLERS
from underpaint.pipelines.tiling import is_tiling, set_tiling

SIZE = 64


def spec(**changes) -> GenerationSpec:
    base = dict(prompt="a lighthouse at dusk", negative_prompt="", width=SIZE, height=SIZE, steps=4,
                guidance=7.0, sampler="euler_a")
    base.update(changes)
    return GenerationSpec(**base)


def quiet(*_args):
    pass


def init_image(seed: int = 0) -> np.ndarray:
    """A smooth colourful picture (gradients), unlike the noise the demo makes."""
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    rgb = np.stack([x, y, 1 - x * y], axis=2) * 255
    return np.roll(rgb.astype(np.uint8), seed, axis=1)


def mean_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


def test_txt2img_is_deterministic_per_seed(demo_model):
    first = run_generation(demo_model, spec(), 11, quiet)
    again = run_generation(demo_model, spec(), 11, quiet)
    other = run_generation(demo_model, spec(), 12, quiet)
    assert first.shape == (SIZE, SIZE, 3) and first.dtype == np.uint8
    assert np.array_equal(first, again)
    assert mean_abs(first, other) > 5


def test_non_square_size(demo_model):
    assert run_generation(demo_model, spec(width=96, height=64, steps=2), 1, quiet).shape == (64, 96, 3)


def test_img2img_strength_moves_away_from_the_init(demo_model):
    init = init_image()
    results = {s: run_generation(demo_model, spec(init_image=init, strength=s, steps=10, sampler="euler"), 5, quiet)
               for s in (0.1, 0.4, 0.7, 1.0)}
    # The random VAE cannot reproduce the init, so measure against the lightest touch.
    reference = results[0.1]
    distances = [mean_abs(results[s], reference) for s in (0.4, 0.7, 1.0)]
    assert distances[0] < distances[1] < distances[2], distances
    # ...and the init matters at low strength: another init gives another result.
    moved = run_generation(demo_model, spec(init_image=init_image(32), strength=0.4, steps=10, sampler="euler"), 5, quiet)
    assert mean_abs(moved, results[0.4]) > 1


def test_inpaint_keeps_unmasked_pixels_bit_exact(demo_model):
    init = init_image()
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[16:48, 8:40] = 255
    mask[0:8, :] = 128  # a soft band
    out = run_generation(demo_model, spec(init_image=init, mask=mask, steps=4), 3, quiet)
    keep = mask == 0
    assert np.array_equal(out[keep], init[keep])
    assert mean_abs(out[mask == 255], init[mask == 255]) > 5  # regenerated where asked
    soft = mask == 128  # halfway blend: between the init and the generated pixels
    assert mean_abs(out[soft], init[soft]) > 0


def test_on_step_gets_every_step_with_totals_and_previews(demo_model):
    calls = []
    run_generation(demo_model, spec(steps=5, preview_max_size=32), 1,
                   lambda done, total, preview: calls.append((done, total, preview)))
    assert [(d, t) for d, t, _ in calls] == [(i, 5) for i in range(1, 6)]
    assert all(p.shape == (32, 32, 4) and p.dtype == np.uint8 for _, _, p in calls)
    assert not np.array_equal(calls[0][2], calls[-1][2])  # previews follow the latents

    calls.clear()
    run_generation(demo_model, spec(steps=10, init_image=init_image(), strength=0.5), 1,
                   lambda done, total, preview: calls.append((done, total, preview)))
    assert [(d, t) for d, t, _ in calls] == [(i, 5) for i in range(1, 6)]  # int(10 * 0.5) steps
    assert all(p is None for _, _, p in calls)  # previews off


def test_job_cancelled_stops_within_one_step(demo_model):
    seen = []

    def cancel_at_two(done, total, preview):
        seen.append(done)
        if done == 2:
            raise JobCancelled()

    with pytest.raises(JobCancelled):
        run_generation(demo_model, spec(steps=8, tiling=True), 1, cancel_at_two)
    assert seen == [1, 2]
    assert not is_tiling(demo_model)  # restored even when the job stops early
    assert run_generation(demo_model, spec(steps=2), 1, quiet).shape == (SIZE, SIZE, 3)  # still usable


def test_tiling_makes_the_model_shift_equivariant(demo_model):
    """Roll the initial latents by (dy, dx) cells and, with circular convolutions, the picture
    rolls by (8 dy, 8 dx) pixels; without tiling it does not."""
    pipe = demo_model.txt2img
    from underpaint.pipelines.samplers import make_scheduler

    latents = torch.randn((1, 4, 8, 8), generator=torch.Generator().manual_seed(0))
    dy, dx = 2, 4  # even: the demo UNet halves the latents once

    def render(lat):
        pipe.scheduler = make_scheduler("euler", demo_model.base_scheduler_config)
        return pipe("a tiled floor", num_inference_steps=3, guidance_scale=5.0, latents=lat.clone(),
                    height=SIZE, width=SIZE, output_type="np").images[0]

    try:
        set_tiling(demo_model, True)
        assert is_tiling(demo_model)
        base = render(latents)
        shifted = render(torch.roll(latents, (dy, dx), dims=(2, 3)))
        assert np.abs(np.roll(base, (8 * dy, 8 * dx), axis=(0, 1)) - shifted).max() < 1e-4
    finally:
        set_tiling(demo_model, False)
    assert not is_tiling(demo_model)
    base = render(latents)
    shifted = render(torch.roll(latents, (dy, dx), dims=(2, 3)))
    assert np.abs(np.roll(base, (8 * dy, 8 * dx), axis=(0, 1)) - shifted).max() > 1e-2


def test_tiling_job_restores_plain_padding(demo_model):
    tiled = run_generation(demo_model, spec(steps=2, tiling=True), 4, quiet)
    plain = run_generation(demo_model, spec(steps=2), 4, quiet)
    assert not is_tiling(demo_model)
    assert mean_abs(tiled, plain) > 0.5


@pytest.mark.parametrize("sampler", list(SAMPLERS))
def test_each_sampler_runs_two_steps(demo_model, sampler):
    calls = []
    out = run_generation(demo_model, spec(steps=2, sampler=sampler), 9, lambda d, t, p: calls.append((d, t)))
    assert out.shape == (SIZE, SIZE, 3)
    total = calls[0][1]
    assert total >= 2 and calls == [(i, total) for i in range(1, total + 1)]


@pytest.mark.parametrize("changes,field", [
    (dict(width=65), "width"),
    (dict(height=0), "height"),
    (dict(steps=0), "steps"),
    (dict(guidance=float("nan")), "guidance"),
    (dict(sampler="warp_drive"), "sampler"),
    (dict(init_image=np.zeros((8, 8, 3), np.uint8)), "init_image"),
    (dict(mask=np.zeros((SIZE, SIZE), np.uint8)), "mask"),
    (dict(init_image=np.zeros((SIZE, SIZE, 3), np.uint8), strength=1.5), "strength"),
    (dict(init_image=np.zeros((SIZE, SIZE, 3), np.uint8), strength=0.05, steps=4), "strength"),
    (dict(preview_max_size=-1), "preview_max_size"),
])
def test_bad_input_names_the_field(demo_model, changes, field):
    with pytest.raises(InvalidArgument) as caught:
        run_generation(demo_model, spec(**changes), 1, quiet)
    assert caught.value.field == field
