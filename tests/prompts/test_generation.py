"""The prompt language through run_generation on the demo model: what reaches the UNet.

Float outputs of the same embeddings are compared bit for bit; where the math differs only in
rounding (composable diffusion with one part), within one grey level."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from underpaint.pipelines.generate import GenerationSpec, run_generation
from underpaint.pipelines.samplers import make_scheduler
from underpaint.prompts.conditioning import JobConditioning, Part, Stage, _SwitchingHook
from underpaint.prompts.encoder import Encoded

SIZE = 64


def spec(**changes) -> GenerationSpec:
    base = dict(prompt="a red cat", negative_prompt="ugly", width=SIZE, height=SIZE, steps=4, guidance=7.0,
                sampler="euler")
    base.update(changes)
    return GenerationSpec(**base)


def gen(model, **changes) -> np.ndarray:
    return run_generation(model, spec(**changes), 7, lambda *a: None)


def differ(a, b) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


def init_image():
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    return (np.stack([x, y, 1 - x * y], axis=2) * 255).astype(np.uint8)


def test_a_plain_prompt_gives_what_diffusers_gives_for_the_text(demo_model):
    pipe = demo_model.txt2img
    pipe.scheduler = make_scheduler("euler", demo_model.base_scheduler_config or pipe.scheduler.config)
    theirs = pipe(prompt="a red cat", negative_prompt="ugly", num_inference_steps=4, guidance_scale=7.0,
                  width=SIZE, height=SIZE, generator=torch.Generator("cpu").manual_seed(7), output_type="np").images[0]
    theirs = (np.clip(theirs, 0, 1) * 255).round().astype(np.uint8)
    assert np.array_equal(gen(demo_model), theirs)
    assert np.array_equal(gen(demo_model, prompt="(a red cat:1.0)"), theirs)


def test_weights_change_the_image(demo_model):
    assert differ(gen(demo_model, prompt="a (red:1.6) cat"), gen(demo_model)) > 1
    assert differ(gen(demo_model, negative_prompt="(ugly:-1)"), gen(demo_model)) > 1


def test_tokens_past_77_are_read(demo_model):
    head = " ".join(["abcde"] * 15)  # exactly one chunk (the demo tokenizer: one token per letter)
    assert differ(gen(demo_model, prompt=head + " red cat"), gen(demo_model, prompt=head + " blue sky")) > 1


def test_clip_skip_changes_the_image(demo_model):
    assert differ(gen(demo_model, clip_skip=2), gen(demo_model)) > 1
    assert np.array_equal(gen(demo_model, clip_skip=1), gen(demo_model, clip_skip=0))


def test_mean_restore_off_only_matters_with_weights(demo_model):
    assert np.array_equal(gen(demo_model, mean_restore=False), gen(demo_model))
    weighted = "a (red:1.8) cat"
    assert differ(gen(demo_model, prompt=weighted, mean_restore=False), gen(demo_model, prompt=weighted)) > 0.5


def test_prompt_editing_switches_at_its_step(demo_model):
    cat, dog = gen(demo_model, prompt="a cat"), gen(demo_model, prompt="a dog")
    assert np.array_equal(gen(demo_model, prompt="a [cat:dog:4]"), cat)     # after the last step: never
    assert np.array_equal(gen(demo_model, prompt="a [cat:dog:0]"), dog)     # from the start
    # Switching after step 2 of 4: the late steps of the random demo move pixels little, but
    # they do move them, and the result lies between the two prompts'.
    halfway = gen(demo_model, prompt="a [cat:dog:0.5]")
    assert not np.array_equal(halfway, cat) and not np.array_equal(halfway, dog)
    assert differ(halfway, cat) < differ(dog, cat) and differ(halfway, dog) < differ(dog, cat)
    assert differ(gen(demo_model, prompt="a [dog:cat:2]"), cat) > differ(halfway, cat)
    assert np.array_equal(gen(demo_model, prompt="a [cat|cat]"), cat)       # alternation of one text
    assert not np.array_equal(gen(demo_model, prompt="a [cat|dog]"), cat)
    # the negative prompt may switch too
    assert np.array_equal(gen(demo_model, negative_prompt="[ugly:blurry:4]"), gen(demo_model))


def test_editing_in_img2img_and_inpaint(demo_model):
    init = init_image()
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[16:48, 16:48] = 255
    for extra in (dict(init_image=init, strength=0.75, steps=8), dict(init_image=init, mask=mask, steps=4)):
        cat = gen(demo_model, prompt="a cat", **extra)
        assert np.array_equal(gen(demo_model, prompt="a [cat:dog:8]", **extra), cat)
        assert not np.array_equal(gen(demo_model, prompt="a [cat:dog:0.5]", **extra), cat)
        assert differ(gen(demo_model, prompt="a (cat:1.8)", **extra), cat) > 0.1


def test_and_combines_sub_prompts(demo_model):
    cat = gen(demo_model, prompt="a cat")
    assert differ(gen(demo_model, prompt="a cat AND a dog :0"), cat) < 0.05  # a 0 part adds nothing
    both = gen(demo_model, prompt="a cat AND a dog")
    assert differ(both, cat) > 0.5
    assert differ(gen(demo_model, prompt="a cat AND a dog :-1"), both) > 0.5


class _Probe(torch.nn.Module):
    """A stand-in UNet: its output row r is sample_r + (sum of encoder_hidden_states row r)."""

    def forward(self, sample, timestep, encoder_hidden_states=None, added_cond_kwargs=None, return_dict=True):
        self.rows = sample.shape[0]
        return (sample + encoder_hidden_states.sum(dim=(1, 2)).reshape(-1, 1, 1, 1),)


def _cond(value: float, length: int = 2) -> Encoded:
    return Encoded(torch.full((1, length, 3), value), None)


def test_the_hook_computes_composable_diffusion():
    # uncond sums to 6 * 1, cond_a to 6 * 2, cond_b to 6 * 5; weights 0.5 and -1
    conditioning = JobConditioning([Part(0.5, [Stage(4, _cond(2.0))]), Part(-1.0, [Stage(4, _cond(5.0))])],
                                   Part(1.0, [Stage(4, _cond(1.0))]), plain=False)
    unet = _Probe()
    sample = torch.zeros(2, 1, 1, 1)
    with conditioning.hooked(unet):
        out = unet(sample, 1, encoder_hidden_states=torch.zeros(2, 2, 3), return_dict=False)[0]
    assert unet.rows == 3
    assert out.flatten().tolist() == [6.0, 6.0 + 0.5 * (12 - 6) - 1.0 * (30 - 6)]


def test_the_hook_follows_steps_not_model_calls():
    conditioning = JobConditioning([Part(1.0, [Stage(1, _cond(2.0)), Stage(3, _cond(3.0))])],
                                   Part(1.0, [Stage(3, _cond(1.0))]), plain=False)
    unet = _Probe()
    seen = []
    with conditioning.hooked(unet) as step_done:
        for index in range(3):
            for _ in range(2):  # a 2nd-order sampler calls the model twice per step
                seen.append(unet(torch.zeros(2, 1, 1, 1), 1, encoder_hidden_states=torch.zeros(2, 2, 3))[0][1].item())
            step_done(index)
    assert seen == [12.0, 12.0, 18.0, 18.0, 18.0, 18.0]
    assert isinstance(_SwitchingHook, type)
