"""Batched count and frozen noise on a full-size SD 1.5 (random weights, the shipped configs):
the real layer shapes give the CPU's kernels other blockings than the demo's, so the bit-for-bit
claims are checked here too. Heavy: run it alone, e.g.

    flock /tmp/underpaint-heavy.lock .venv/bin/python -m pytest tests/pipelines/test_noise_fullsize.py
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from underpaint.pipelines.generate import GenerationSpec, run_batch, run_generation
from underpaint.pipelines.noise import NoiseSettings

pytestmark = pytest.mark.slow


def test_full_size_batch_equals_one_by_one_and_frozen_noise_ignores_the_batch(tmp_path):
    from tests.addons.test_full_size import random_pipeline

    model = random_pipeline("sd15", tmp_path, torch.float32)
    spec = GenerationSpec(prompt="a lighthouse", negative_prompt="", width=64, height=64, steps=2, guidance=7.0,
                          sampler="euler_a")
    batch = run_batch(model, spec, [5, 6], lambda *a: None)
    assert np.array_equal(batch[0], run_generation(model, spec, 5, lambda *a: None))
    assert np.array_equal(batch[1], run_generation(model, spec, 6, lambda *a: None))
    frozen = GenerationSpec(**{**spec.__dict__, "noise": NoiseSettings(freeze=True)})
    assert np.array_equal(run_batch(model, frozen, [1, 6], lambda *a: None)[1],
                          run_generation(model, frozen, 6, lambda *a: None))
