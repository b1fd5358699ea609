"""One job's conditioning: the prompt and negative prompt read, encoded, and handed to diffusers.

A plain prompt (no AND, nothing switching during sampling) goes in as prompt_embeds /
negative_prompt_embeds (+ the pooled ones for SDXL) and the pipeline runs as usual.

Otherwise a hook on the UNet does what A1111's CFG denoiser does:
- prompt editing / alternation: before each step it puts in the embeddings of the text that
  applies at that step (the step counter advances from the pipeline's step-end callback, so a
  2nd-order sampler's two model calls in one step read the same text);
- AND (composable diffusion): the UNet runs on [uncond, cond_1 .. cond_k] and the cond row the
  pipeline sees is uncond + sum_i w_i (cond_i - uncond), so its guidance makes
  uncond + cfg * sum_i w_i (cond_i - uncond).

All embeddings of a job must have the same length for one UNet batch: shorter ones are padded
with the empty prompt's chunk (A1111's "pad prompt/negative prompt" option).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from .encoder import Encoded, encode
from .reading import ReadPrompt, read_prompt


@dataclass
class Stage:
    until_step: int
    encoded: Encoded


@dataclass
class Part:
    weight: float
    stages: list[Stage]

    def at(self, step: int) -> Encoded:
        return next((s.encoded for s in self.stages if step <= s.until_step), self.stages[-1].encoded)


@dataclass
class JobConditioning:
    parts: list[Part]
    negative: Part
    plain: bool

    def pipeline_kwargs(self) -> dict:
        """prompt_embeds & co. for the first step (all a plain prompt needs)."""
        first, negative = self.parts[0].at(1), self.negative.at(1)
        kwargs = dict(prompt=None, negative_prompt=None, prompt_embeds=first.embeds,
                      negative_prompt_embeds=negative.embeds)
        if first.pooled is not None:
            kwargs.update(pooled_prompt_embeds=first.pooled, negative_pooled_prompt_embeds=negative.pooled)
        return kwargs

    @contextlib.contextmanager
    def hooked(self, unet):
        """Yields a function the step-end callback calls with the finished step's index."""
        if self.plain:
            yield lambda index: None
            return
        hook = _SwitchingHook(self)
        handles = [unet.register_forward_pre_hook(hook.before, with_kwargs=True),
                   unet.register_forward_hook(hook.after, with_kwargs=True)]
        try:
            yield hook.step_done
        finally:
            for handle in handles:
                handle.remove()


def encode_job(pipe, prompt: str, negative_prompt: str, steps: int, *, clip_skip: int = 1,
               mean_restore: bool = True, is_sdxl: bool = False, zero_negative: bool = False) -> JobConditioning:
    """`zero_negative`: an empty negative prompt is all zeros (SDXL's force_zeros_for_empty_prompt)."""
    options = dict(clip_skip=clip_skip, mean_restore=mean_restore, is_sdxl=is_sdxl)
    cache: dict[str, Encoded] = {}

    def encoded(stage) -> Encoded:
        if stage.text not in cache:
            cache[stage.text] = encode(pipe, stage.fragments, **options)
        return cache[stage.text]

    read = read_prompt(prompt, steps)
    parts = [Part(p.weight, [Stage(s.until_step, encoded(s)) for s in p.stages]) for p in read.parts]
    read_negative = read_prompt(negative_prompt, steps, allow_and=False)
    zeros = zero_negative and not negative_prompt
    negative = Part(1.0, [] if zeros else [Stage(s.until_step, encoded(s)) for s in read_negative.parts[0].stages])
    _pad_to_one_length(pipe, [*parts, negative], options)
    if zeros:
        like = parts[0].stages[0].encoded
        negative.stages = [Stage(steps, Encoded(torch.zeros_like(like.embeds),
                                                None if like.pooled is None else torch.zeros_like(like.pooled)))]
    plain = read.is_plain and len(negative.stages) == 1
    return JobConditioning(parts, negative, plain)


def _pad_to_one_length(pipe, parts: list[Part], options: dict) -> None:
    stages = [s for p in parts for s in p.stages]
    longest = max(s.encoded.embeds.shape[1] for s in stages)
    if all(s.encoded.embeds.shape[1] == longest for s in stages):
        return
    from .attention import Fragment

    empty = encode(pipe, [Fragment("", 1.0)], **options).embeds
    for stage in stages:
        missing = (longest - stage.encoded.embeds.shape[1]) // empty.shape[1]
        if missing:
            stage.encoded = Encoded(torch.cat([stage.encoded.embeds, empty.repeat(1, missing, 1)], dim=1),
                                    stage.encoded.pooled)


class _SwitchingHook:
    def __init__(self, conditioning: JobConditioning):
        self.conditioning = conditioning
        self.step = 1
        self.split: tuple[int, list[float], bool] | None = None

    def step_done(self, index: int) -> None:
        self.step = index + 2  # the next step, 1-based

    def before(self, module, args, kwargs):
        args = list(args)
        sample = args[0] if args else kwargs["sample"]
        rows = sample.shape[0]
        guided = rows == 2
        parts = [(p.weight, p.at(self.step)) for p in self.conditioning.parts]
        negative = self.conditioning.negative.at(self.step)
        combine = len(parts) > 1 or parts[0][0] != 1.0
        if combine:  # the UNet reads [uncond, cond_1 .. cond_k]; after() folds them back
            conds = [negative] + [e for _, e in parts]
        else:        # only the text changes: the rows the pipeline made, new contents
            conds = ([negative] if guided else []) + [parts[0][1]]
        self.split = (len(conds), [w for w, _ in parts], guided) if combine else None
        if combine:
            sample = torch.cat([sample[:1]] + [sample[-1:]] * len(parts))
        if args:
            args[0] = sample
        else:
            kwargs["sample"] = sample
        timestep = args[1] if len(args) > 1 else kwargs.get("timestep")
        if isinstance(timestep, torch.Tensor) and timestep.ndim == 1 and timestep.shape[0] == rows and combine:
            timestep = torch.cat([timestep[:1]] + [timestep[-1:]] * len(parts))
            if len(args) > 1:
                args[1] = timestep
            else:
                kwargs["timestep"] = timestep
        reference = kwargs["encoder_hidden_states"] if "encoder_hidden_states" in kwargs else args[2]
        states = torch.cat([c.embeds for c in conds]).to(reference.device, reference.dtype)
        if "encoder_hidden_states" in kwargs:
            kwargs["encoder_hidden_states"] = states
        else:
            args[2] = states
        added = kwargs.get("added_cond_kwargs")
        if added and "text_embeds" in added:
            time_ids = added["time_ids"]
            added = dict(added, text_embeds=torch.cat([c.pooled for c in conds]).to(added["text_embeds"].dtype))
            if combine:
                added["time_ids"] = torch.cat([time_ids[:1]] + [time_ids[-1:]] * len(parts))
            kwargs["added_cond_kwargs"] = added
        return tuple(args), kwargs

    def after(self, module, args, kwargs, output):
        if self.split is None:
            return output
        count, weights, guided = self.split
        noise = output[0] if isinstance(output, tuple) else output.sample
        uncond = noise[:1]
        combined = uncond + sum(w * (noise[i + 1:i + 2] - uncond) for i, w in enumerate(weights))
        result = torch.cat([uncond, combined]) if guided else combined
        if isinstance(output, tuple):
            return (result, *output[1:])
        output.sample = result
        return output
