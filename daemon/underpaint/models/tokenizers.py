"""CLIP tokenizer files written locally, so no model load ever needs the network.

Two flavours: the byte-level toy vocabulary of the demo model (514 tokens, no merges) and the
real CLIP BPE vocabulary rebuilt from the merges file that open_clip ships inside its wheel.
"""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path

START_TOKEN = "<|startoftext|>"
END_TOKEN = "<|endoftext|>"
CLIP_MERGE_COUNT = 48_894  # 49,408 tokens = 512 byte tokens + merges + 2 specials


def byte_unicode_chars() -> list[str]:
    """GPT-2/CLIP's reversible byte -> printable-character table, in byte-token order."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return [chr(c) for c in chars]


def _byte_tokens() -> list[str]:
    chars = byte_unicode_chars()
    return chars + [c + "</w>" for c in chars]


def demo_vocab() -> tuple[dict[str, int], list[str]]:
    """Byte-level vocabulary: every byte alone and word-final, then the two specials (512, 513)."""
    tokens = _byte_tokens() + [START_TOKEN, END_TOKEN]
    return {t: i for i, t in enumerate(tokens)}, []


def clip_vocab() -> tuple[dict[str, int], list[str]]:
    """The real CLIP vocabulary (49,408 tokens) from open_clip's bundled merges file."""
    lines = gzip.decompress(_open_clip_merges().read_bytes()).decode("utf-8").split("\n")
    merges = lines[1 : 1 + CLIP_MERGE_COUNT]  # the first line is a header
    tokens = _byte_tokens() + ["".join(m.split()) for m in merges] + [START_TOKEN, END_TOKEN]
    return {t: i for i, t in enumerate(tokens)}, merges


def _open_clip_merges() -> Path:
    """open_clip's merges file, found without importing open_clip (its import pulls in torch
    and timm: tens of seconds on a busy machine)."""
    import importlib.util

    spec = importlib.util.find_spec("open_clip")
    if spec is not None and spec.submodule_search_locations:
        candidate = Path(next(iter(spec.submodule_search_locations))) / "bpe_simple_vocab_16e6.txt.gz"
        if candidate.is_file():
            return candidate
    return Path(str(resources.files("open_clip").joinpath("bpe_simple_vocab_16e6.txt.gz")))


def write_tokenizer(out_dir: Path, vocab: dict[str, int], merges: list[str], pad_token: str = END_TOKEN) -> Path:
    """Write a CLIPTokenizer folder (vocab.json, merges.txt, configs); returns out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (out_dir / "merges.txt").write_text("\n".join(["#version: 0.2", *merges]) + "\n", encoding="utf-8")
    specials = {"bos_token": START_TOKEN, "eos_token": END_TOKEN, "unk_token": END_TOKEN, "pad_token": pad_token}
    config = {"tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "do_lower_case": True, **specials}
    (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    (out_dir / "special_tokens_map.json").write_text(json.dumps(specials, indent=1), encoding="utf-8")
    return out_dir
