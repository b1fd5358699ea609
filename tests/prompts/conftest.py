from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread_on_small_machines():
    """Tiny models on a shared 2-core machine: one torch thread each is faster for everybody."""
    if (os.cpu_count() or 1) <= 4:
        import torch

        torch.set_num_threads(1)
    yield


@pytest.fixture(scope="session")
def clip_tokenizer(tmp_path_factory):
    """The real CLIP tokenizer (49,408 tokens), rebuilt offline from open_clip's merges."""
    from transformers import CLIPTokenizer

    from underpaint.models.tokenizers import clip_vocab, write_tokenizer

    vocab, merges = clip_vocab()
    return CLIPTokenizer.from_pretrained(write_tokenizer(tmp_path_factory.mktemp("clip-tok"), vocab, merges))


@pytest.fixture(scope="session")
def demo_model(demo_models_dir):
    import torch

    from underpaint.models.loader import load_model
    from underpaint.models.registry import ModelRegistry

    registry = ModelRegistry(demo_models_dir)
    registry.scan()
    return load_model(registry.get("underpaint-demo"), "cpu", torch.float32)
