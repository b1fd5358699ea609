"""Latent previews and sampler construction (no model needed)."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest
import torch

from underpaint.errors import InvalidArgument
from underpaint.pipelines.preview import latents_to_preview
from underpaint.pipelines.samplers import DEFAULT_SAMPLER, SAMPLERS, make_scheduler

REQUIRED = {"euler", "euler_a", "ddim", "dpmpp_2m", "dpmpp_2m_karras", "unipc", "lms", "heun", "pndm"}


def sd15_scheduler_config() -> dict:
    path = resources.files("underpaint.models").joinpath("configs", "sd15", "scheduler", "scheduler_config.json")
    return json.loads(path.read_text())


def test_preview_shape_dtype_and_size_limit():
    latents = torch.randn(1, 4, 8, 12)
    preview = latents_to_preview(latents, "sd15", 48)
    assert preview.shape == (32, 48, 4) and preview.dtype == np.uint8
    assert (preview[..., 3] == 255).all()
    # Never bigger than the image itself (8 px per latent cell).
    assert latents_to_preview(latents, "sd15", 4096).shape == (64, 96, 4)
    assert latents_to_preview(latents, "sd15", 6).shape == (4, 6, 4)


def test_preview_uses_the_linear_factors():
    zero = latents_to_preview(torch.zeros(1, 4, 2, 2), "sd15", 2)
    assert (zero[..., :3] == 128).all()  # (0 + 1) * 127.5 rounds to 128
    one = torch.zeros(1, 4, 1, 1)
    one[0, 0] = 1.0
    rgb = latents_to_preview(one, "sd15", 1)[0, 0, :3]
    expected = np.round((np.array([0.3512, 0.2297, 0.3227]) + 1) * 127.5)
    assert np.array_equal(rgb, expected.astype(np.uint8))
    xl = latents_to_preview(torch.zeros(1, 4, 1, 1), "sdxl", 1)[0, 0, :3]
    assert np.array_equal(xl, np.round((np.array([0.1084, -0.0175, -0.0011]) + 1) * 127.5).astype(np.uint8))


def test_preview_rejects_wrong_shapes():
    with pytest.raises(ValueError):
        latents_to_preview(torch.zeros(1, 3, 8, 8), "sd15", 32)


def test_sampler_ids():
    assert REQUIRED <= set(SAMPLERS)
    assert DEFAULT_SAMPLER == "euler_a" and DEFAULT_SAMPLER in SAMPLERS
    assert all(SAMPLERS[s] for s in SAMPLERS)  # display names


def test_unknown_sampler_names_the_field():
    with pytest.raises(InvalidArgument) as caught:
        make_scheduler("euler_x", sd15_scheduler_config())
    assert caught.value.field == "sampler" and "euler_x" in caught.value.message and "dpmpp_2m" in caught.value.message


def test_schedulers_keep_the_model_schedule_and_karras_flag():
    base = sd15_scheduler_config()
    for sampler_id in SAMPLERS:
        scheduler = make_scheduler(sampler_id, base)
        assert scheduler.config.beta_end == base["beta_end"], sampler_id
        if "use_karras_sigmas" in scheduler.config:
            assert scheduler.config.use_karras_sigmas == sampler_id.endswith("_karras"), sampler_id


def test_lms_coefficients_match_numeric_integration():
    """LMS runs without scipy; its exact quadrature must agree with a brute-force integral."""
    scheduler = make_scheduler("lms", sd15_scheduler_config())
    scheduler.set_timesteps(12)
    sigmas = scheduler.sigmas.double().numpy()
    order, t = 4, 6
    for current in range(order):
        taus = np.linspace(sigmas[t], sigmas[t + 1], 200_001)
        values = np.ones_like(taus)
        for k in range(order):
            if k != current:
                values *= (taus - sigmas[t - k]) / (sigmas[t - current] - sigmas[t - k])
        numeric = np.trapezoid(values, taus)
        assert scheduler.get_lms_coefficient(order, t, current) == pytest.approx(numeric, rel=1e-5, abs=1e-9)
