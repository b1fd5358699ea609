"""The tokenizer a model reads prompts with, without loading the model (TokenizePrompt).

A diffusers folder has its own tokenizer files; a single-file checkpoint uses the CLIP
vocabulary the loader would build (the demo file: its byte-level one). One copy per model file
is kept, private to token counting, so adding embedding tokens here never touches a pipeline.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from ..models.embedding_names import slug, token_strings

_cache: dict[tuple, object] = {}
_lock = threading.Lock()


def tokenizer_for(entry):
    path = Path(entry.path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    key = (str(path), stamp)
    with _lock:
        if key in _cache:
            return _cache[key]
    tokenizer = _load(entry)
    with _lock:
        _cache[key] = tokenizer
    return tokenizer


def _load(entry):
    from transformers import CLIPTokenizer

    path = Path(entry.path)
    if entry.kind == "diffusers" and (path / "tokenizer").is_dir():
        return CLIPTokenizer.from_pretrained(str(path), subfolder="tokenizer", local_files_only=True)
    from ..models.tokenizers import clip_vocab, demo_vocab, write_tokenizer

    vocab, merges = demo_vocab() if entry.is_demo else clip_vocab()
    with tempfile.TemporaryDirectory(prefix="underpaint-tokenizer-") as tmp:
        return CLIPTokenizer.from_pretrained(str(write_tokenizer(Path(tmp), vocab, merges)))


def with_embeddings(tokenizer, embeddings: dict[str, int]) -> dict[str, list[str]]:
    """Adds tokens for each embedding (name -> vector count) to this private tokenizer; returns
    name -> its token strings, for embedding_names.expand."""
    tokens = {name: token_strings(slug(name), max(count, 1)) for name, count in embeddings.items()}
    with _lock:
        missing = [t for group in tokens.values() for t in group if t not in tokenizer.added_tokens_encoder]
        if missing:
            tokenizer.add_tokens(missing)
    return tokens
