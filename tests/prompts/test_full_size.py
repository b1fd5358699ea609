"""The encoder on a full-size SD-1.5 text encoder (12 layers, 768 wide, the real 49,408-token
CLIP vocabulary; random weights): a 200-token prompt in three chunks, weights and clip skip."""

from __future__ import annotations

import json
from importlib import resources
from types import SimpleNamespace

import pytest
import torch

from underpaint.prompts.attention import parse_attention
from underpaint.prompts.chunks import tokenize_fragments
from underpaint.prompts.encoder import encode

pytestmark = pytest.mark.slow

WORDS = ["red", "fox", "snow", "forest", "night", "moon", "light", "tree"]
PROMPT_200 = " ".join(WORDS[i % len(WORDS)] for i in range(200))


@pytest.fixture(scope="module")
def sd15_text(clip_tokenizer):
    from transformers import CLIPTextConfig, CLIPTextModel

    config = json.loads(resources.files("underpaint.models").joinpath("configs", "sd15", "text_encoder",
                                                                     "config.json").read_text())
    torch.manual_seed(0)
    encoder = CLIPTextModel(CLIPTextConfig(**config)).eval()
    return SimpleNamespace(tokenizer=clip_tokenizer, text_encoder=encoder)


def test_a_200_token_prompt_is_three_chunks(sd15_text):
    assert [len(c.ids) for c in tokenize_fragments(sd15_text.tokenizer, parse_attention(PROMPT_200))] == [75, 75, 50]
    embeds = encode(sd15_text, parse_attention(PROMPT_200)).embeds
    assert embeds.shape == (1, 3 * 77, 768) and torch.isfinite(embeds).all()
    # the third chunk is the last 50 words encoded on their own
    tail = " ".join(WORDS[i % len(WORDS)] for i in range(150, 200))
    assert torch.allclose(embeds[:, 154:], encode(sd15_text, parse_attention(tail)).embeds, atol=1e-5)


def test_weights_and_clip_skip_at_full_size(sd15_text):
    plain = encode(sd15_text, parse_attention("a red fox in snow")).embeds
    ids = torch.tensor([sd15_text.tokenizer("a red fox in snow", padding="max_length", max_length=77)["input_ids"]])
    with torch.no_grad():
        out = sd15_text.text_encoder(ids, output_hidden_states=True)
    assert torch.equal(plain, out.last_hidden_state)
    skipped = encode(sd15_text, parse_attention("a red fox in snow"), clip_skip=2).embeds
    assert torch.equal(skipped, sd15_text.text_encoder.final_layer_norm(out.hidden_states[-2]))
    weighted = encode(sd15_text, parse_attention("a (red fox:1.5) in snow")).embeds
    assert torch.isclose(weighted.mean(), plain.mean(), atol=1e-6)
    assert not torch.allclose(weighted[0, 2:4], plain[0, 2:4])
