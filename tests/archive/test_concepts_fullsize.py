"""The concept check with real shapes: the real CLIP vocabulary (49,408 tokens, from open_clip's
merges) and a full-size SD 1.5 text encoder (768-wide token table, random weights)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from underpaint.archive.concepts import ConceptChecker
from underpaint.v1 import archive_pb2 as apb


@pytest.mark.slow
def test_words_tokens_and_neighbours_with_the_real_vocabulary(tmp_path):
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    from underpaint.models.tokenizers import clip_vocab, write_tokenizer

    vocab, merges = clip_vocab()
    tokenizer = CLIPTokenizer.from_pretrained(write_tokenizer(tmp_path / "tok", vocab, merges))
    torch.manual_seed(0)
    encoder = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072,
                                           num_hidden_layers=1, num_attention_heads=12, max_position_embeddings=77))
    entry = SimpleNamespace(id="sd15-full")
    loaded = SimpleNamespace(entry=entry, model_hash="h", txt2img=SimpleNamespace(tokenizer=tokenizer,
                                                                                   text_encoder=encoder))
    registry = SimpleNamespace(default_id="sd15-full", get=lambda model_id: entry)
    checker = ConceptChecker(registry, SimpleNamespace(get=lambda e: loaded))

    cat = checker.check(apb.CheckConceptRequest(text="cat", neighbours=5))
    assert cat.single_token and [(t.token, t.id) for t in cat.tokens] == [("cat</w>", vocab["cat</w>"])]
    rare = checker.check(apb.CheckConceptRequest(text="Zdzislaw Beksinski"))
    assert not rare.single_token and len(rare.tokens) > 2  # an unknown name falls apart into pieces

    table = encoder.get_input_embeddings().weight.detach().numpy()
    unit = table / np.linalg.norm(table, axis=1, keepdims=True)
    sims = unit @ unit[vocab["cat</w>"]]
    sims[[vocab["cat</w>"], 49406, 49407]] = -2
    assert [n.id for n in cat.tokens[0].neighbours] == np.argsort(-sims)[:5].tolist()
    assert all(n.token == tokenizer.convert_ids_to_tokens(n.id) for n in cat.tokens[0].neighbours)
