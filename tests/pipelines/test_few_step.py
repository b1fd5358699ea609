"""Few-step samplers (LCM, TCD, Turbo, Lightning, Hyper-SD) on the demo model, and an LCM LoRA
in the layout it is published in, through the ordinary LoRA support."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from underpaint.models.addons import AddOnIndex, AddonPlan, LoraUse
from underpaint.models.loader import load_model
from underpaint.models.registry import ModelRegistry
from underpaint.pipelines.generate import GenerationSpec, run_generation
from underpaint.pipelines.samplers import FEW_STEP_SAMPLERS, SAMPLERS

from safetensors.torch import save_file

from tests.addons.addon_files import lcm_lora_state

FEW = sorted(FEW_STEP_SAMPLERS)


def spec(sampler: str, steps: int = 2, guidance: float = 1.0, **kw) -> GenerationSpec:
    return GenerationSpec("a lighthouse", "", 64, 64, steps, guidance, sampler, **kw)


def count_unet_batches(model):
    """Records the batch size of every UNet call (2 = with classifier-free guidance)."""
    unet = model.txt2img.unet
    batches = []
    handle = unet.register_forward_pre_hook(lambda _m, args, kwargs: batches.append(args[0].shape[0]),
                                            with_kwargs=True)
    return batches, handle


def test_few_step_samplers_are_listed():
    assert set(FEW) == {"lcm", "tcd", "turbo", "lightning", "hyper"} and set(FEW) <= set(SAMPLERS)


@pytest.mark.parametrize("sampler", FEW)
def test_each_few_step_sampler_runs_the_asked_steps_reproducibly(demo_model, sampler):
    steps_seen = []
    batches, handle = count_unet_batches(demo_model)
    try:
        a = run_generation(demo_model, spec(sampler), 5, lambda done, total, _p: steps_seen.append((done, total)))
    finally:
        handle.remove()
    assert steps_seen == [(1, 2), (2, 2)]
    assert batches == [1, 1]  # guidance 1: no unconditional pass, one UNet call per step
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8 and a.std() > 0
    assert np.array_equal(a, run_generation(demo_model, spec(sampler), 5, lambda *_: None))


@pytest.mark.parametrize("steps", [1, 8])
def test_lcm_accepts_one_to_eight_steps_and_guidance_up_to_one_and_a_half(demo_model, steps):
    seen = []
    batches, handle = count_unet_batches(demo_model)
    try:
        run_generation(demo_model, spec("lcm", steps, 1.5), 3, lambda done, total, _p: seen.append(done))
    finally:
        handle.remove()
    assert seen == list(range(1, steps + 1))
    assert batches == [2] * steps  # guidance above 1 keeps classifier-free guidance


@pytest.mark.parametrize("sampler", ["turbo", "lightning", "hyper"])
def test_trailing_schedules_start_at_the_last_training_timestep(demo_model, sampler):
    """Distilled models expect steps at 999, 499 for two steps ('trailing'); SD's own spacings
    (linspace 999, 0; leading 501, 1) are not what they were trained for."""
    from underpaint.pipelines.samplers import make_scheduler

    config = demo_model.base_scheduler_config or demo_model.txt2img.scheduler.config
    few = make_scheduler(sampler, config)
    few.set_timesteps(2)
    plain = make_scheduler({"turbo": "euler_a", "lightning": "euler", "hyper": "ddim"}[sampler], config)
    plain.set_timesteps(2)
    assert [int(t) for t in few.timesteps] == [999, 499]
    assert [int(t) for t in plain.timesteps] != [999, 499]
    assert not np.array_equal(run_generation(demo_model, spec(sampler), 9, lambda *_: None),
                              run_generation(demo_model, spec({"turbo": "euler_a", "lightning": "euler",
                                                               "hyper": "ddim"}[sampler]), 9, lambda *_: None))


@pytest.mark.parametrize("sampler", ["lcm", "tcd"])
def test_img2img_and_inpaint_with_few_steps(demo_model, sampler):
    init = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[16:48, 16:48] = 255
    seen = []
    out = run_generation(demo_model, spec(sampler, 4, init_image=init, strength=0.5), 2,
                         lambda done, total, _p: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]  # strength 0.5 of 4 steps
    assert not np.array_equal(out, init)
    inpainted = run_generation(demo_model, spec(sampler, 4, init_image=init, mask=mask, strength=1.0), 2,
                               lambda *_: None)
    assert np.array_equal(inpainted[mask == 0], init[mask == 0])


def test_an_lcm_lora_loads_through_the_lora_support_and_acts_on_convolutions(demo_models_dir, tmp_path):
    registry = ModelRegistry(demo_models_dir)
    registry.scan()
    model = load_model(registry.get("underpaint-demo"), "cpu", torch.float32)
    state = lcm_lora_state(model.txt2img.unet, 4, torch.Generator().manual_seed(0))
    assert any(k.endswith("conv1.lora_down.weight") for k in state) and any("attn1_to_q" in k for k in state)
    (tmp_path / "loras").mkdir()
    save_file(state, str(tmp_path / "loras" / "lcm-lora-sdv1-5.safetensors"),
              metadata={"underpaint.demo": "true", "underpaint.architecture": "sd15"})  # demo widths fit no real family
    index = AddOnIndex(tmp_path)
    index.scan()
    lora = index.find("lora", "lcm-lora-sdv1-5")
    base = run_generation(model, spec("lcm", 4), 1, lambda *_: None)
    with_lora = run_generation(model, spec("lcm", 4, addons=AddonPlan(loras=[LoraUse(lora, 1.0, "loras[0]")])),
                               1, lambda *_: None)
    assert not np.array_equal(base, with_lora)
    adapted = [n for n, m in model.txt2img.unet.named_modules() if n.endswith("resnets.0.conv1") and hasattr(m, "lora_A")]
    assert adapted  # the 3x3 convolutions carry the LoRA too
    assert np.array_equal(run_generation(model, spec("lcm", 4), 1, lambda *_: None), base)
