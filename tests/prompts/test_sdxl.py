"""SDXL: both text encoders chunked side by side, pooled embedding from the first chunk,
clip skip on both, and the prompt language through the SDXL pipelines (tiny random SDXL)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.pipelines.test_sdxl_path import write_tiny_sdxl
from underpaint.models.loader import load_model
from underpaint.models.registry import ModelRegistry
from underpaint.pipelines.generate import GenerationSpec, run_generation
from underpaint.prompts.attention import parse_attention
from underpaint.prompts.encoder import encode

SIZE = 64


@pytest.fixture(scope="module")
def sdxl(tmp_path_factory):
    root = tmp_path_factory.mktemp("sdxl-prompts")
    write_tiny_sdxl(root)
    registry = ModelRegistry(root)
    registry.scan()
    return load_model(registry.get("tiny-sdxl"), "cpu", torch.float32)


def enc(model, text, **options):
    return encode(model.txt2img, parse_attention(text), is_sdxl=True, **options)


def test_plain_prompt_equals_diffusers_encode_prompt(sdxl):
    theirs = sdxl.txt2img.encode_prompt("a red cat", device="cpu", do_classifier_free_guidance=False)
    ours = enc(sdxl, "a red cat")
    assert torch.equal(ours.embeds, theirs[0]) and torch.equal(ours.pooled, theirs[2])


def test_long_prompt_chunks_both_encoders_and_pools_the_first_chunk(sdxl):
    first = " ".join(["abcde"] * 15)  # 75 tokens with the byte-level demo tokenizer
    ours = enc(sdxl, first + " " + " ".join(["fghij"] * 10))
    assert ours.embeds.shape == (1, 2 * 77, 32 + 64)
    alone = enc(sdxl, first)
    assert torch.equal(ours.embeds[:, :77], alone.embeds)
    assert torch.allclose(ours.pooled, alone.pooled, atol=1e-6)  # (a batch of 2 rounds differently)


def test_clip_skip_keeps_at_least_one_layer(sdxl):
    # SDXL already reads the layer before the last; this tiny model has 2 layers, so the
    # default (1) is all it allows: skipping to the token embeddings is refused by name.
    from underpaint.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="clip_skip: 2 is more than .*allowed 1 to 1"):
        enc(sdxl, "a red cat", clip_skip=2)


def test_prompt_language_runs_through_sdxl(sdxl):
    def gen(prompt, negative=""):
        return run_generation(sdxl, GenerationSpec(prompt=prompt, negative_prompt=negative, width=SIZE, height=SIZE,
                                                   steps=3, guidance=6.0, sampler="euler"), 3, lambda *a: None)

    cat = gen("a cat")
    assert np.array_equal(gen("a [cat:dog:3]"), cat)
    assert not np.array_equal(gen("a [cat|dog]"), cat)
    assert not np.array_equal(gen("a cat AND a dog :0.7"), cat)
    assert not np.array_equal(gen("a (cat:1.5)"), cat)
    assert not np.array_equal(gen("a cat", "(blurry:1.2)"), cat)
