"""Weights, chunks and clip skip on the demo model's real CLIP text encoder (random weights)."""

from __future__ import annotations

import pytest
import torch

from underpaint.errors import InvalidArgument
from underpaint.prompts.attention import parse_attention
from underpaint.prompts.encoder import encode

PROMPT = "a red cat, sitting"


def enc(model, text, **options):
    return encode(model.txt2img, parse_attention(text), **options).embeds


def test_weight_one_equals_the_plain_prompt_bit_for_bit(demo_model):
    pipe = demo_model.txt2img
    reference, _ = pipe.encode_prompt(PROMPT, "cpu", 1, False)
    for text in (PROMPT, f"({PROMPT}:1.0)", "a (red:1) cat, sitting", "a [(red:1.1)] cat, sitting"):
        assert torch.equal(enc(demo_model, text), reference), text


def _rows(model, text, word):
    """Rows (positions in the 77) of `word`'s tokens when `text` is encoded."""
    tokenizer = model.txt2img.tokenizer
    before = text.split(word)[0]
    start = 1 + len(tokenizer(before.replace("(", "").replace(")", ""), add_special_tokens=False)["input_ids"])
    return list(range(start, start + len(tokenizer(word, add_special_tokens=False)["input_ids"])))


def test_weight_zero_changes_only_that_words_tokens(demo_model):
    plain = enc(demo_model, "a red cat", mean_restore=False)
    zeroed = enc(demo_model, "a (red:0) cat", mean_restore=False)
    rows = _rows(demo_model, "a red cat", "red")
    changed = sorted(set(torch.nonzero((plain != zeroed).any(-1))[:, 1].tolist()))
    assert changed == rows
    assert torch.count_nonzero(zeroed[0, rows]) == 0


def test_with_the_mean_restore_every_other_token_scales_by_one_factor(demo_model):
    plain = enc(demo_model, "a red cat")
    zeroed = enc(demo_model, "a (red:0) cat")
    rows = _rows(demo_model, "a red cat", "red")
    others = [i for i in range(77) if i not in rows]
    ratio = zeroed[0, others] / plain[0, others]
    assert torch.allclose(ratio, ratio.flatten()[0].expand_as(ratio), rtol=1e-4)
    assert abs(ratio.flatten()[0].item() - 1) > 1e-4                          # it did rescale
    assert torch.isclose(zeroed.mean(), plain.mean(), rtol=1e-4, atol=1e-6)  # to the same mean


def test_minus_one_flips_before_the_mean_restore(demo_model):
    rows = _rows(demo_model, "a red cat", "red")
    plain = enc(demo_model, "a red cat", mean_restore=False)
    flipped = enc(demo_model, "a (red:-1) cat", mean_restore=False)
    assert torch.equal(flipped[0, rows], -plain[0, rows])
    restored = enc(demo_model, "a (red:-1) cat")
    assert torch.allclose(restored, flipped * (plain.mean() / flipped.mean()), atol=1e-6)


def test_long_prompts_are_encoded_chunk_by_chunk(demo_model):
    # The demo tokenizer reads one token per character: 40 five-letter words = 200 tokens,
    # 15 words (75 tokens) a chunk.
    embeds = enc(demo_model, " ".join(["abcde"] * 40))
    assert embeds.shape == (1, 3 * 77, 32)
    assert torch.equal(embeds[:, :77], enc(demo_model, " ".join(["abcde"] * 15)))
    assert torch.equal(embeds[:, 77:154], embeds[:, :77])
    assert torch.equal(embeds[:, 154:], enc(demo_model, " ".join(["abcde"] * 10)))


def test_break_fills_the_chunk_and_starts_another(demo_model):
    embeds = enc(demo_model, "red cat BREAK blue sky")
    assert embeds.shape == (1, 2 * 77, 32)
    assert torch.equal(embeds[:, 77:], enc(demo_model, "blue sky"))


def test_clip_skip_two_reads_the_layer_before_the_last(demo_model):
    pipe = demo_model.txt2img
    ids = torch.tensor([pipe.tokenizer(PROMPT, padding="max_length", max_length=77)["input_ids"]])
    hidden = pipe.text_encoder(ids, output_hidden_states=True).hidden_states[-2]
    expected = pipe.text_encoder.final_layer_norm(hidden)
    assert torch.equal(enc(demo_model, PROMPT, clip_skip=2), expected)
    assert torch.equal(enc(demo_model, PROMPT, clip_skip=1), enc(demo_model, PROMPT, clip_skip=0))
    assert not torch.equal(enc(demo_model, PROMPT, clip_skip=2), enc(demo_model, PROMPT))


def test_clip_skip_beyond_the_encoders_layers_is_refused(demo_model):
    layers = demo_model.txt2img.text_encoder.config.num_hidden_layers
    with pytest.raises(InvalidArgument, match=rf"clip_skip: .*allowed 1 to {layers}"):
        enc(demo_model, PROMPT, clip_skip=layers + 1)
