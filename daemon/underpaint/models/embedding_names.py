"""Embedding names in prompt text: finding them, and spelling them as the tokens a model holds.

A prompt uses an embedding by its file name, as in A1111: as a whole word, in any letter case,
anywhere in the prompt or negative prompt (inside weights too: "(easynegative:1.2)"), but never
inside an extra-network tag such as <lora:...>. On a model, an embedding with n vectors is n
added tokens, "<slug>_ti0" ... "<slug>_ti<n-1>": distinctive, so a plain word never turns into
one, and lower case, because CLIP's tokenizer lower-cases text before matching added tokens.
`expand` rewrites each use into those tokens; the text encoder path then reads one token per
vector (and a 75-token chunk counts each vector, as A1111 does).
"""

from __future__ import annotations

import re

_TAG = re.compile(r"(<[^<>]*>)")
_SLUG = re.compile(r"[^a-z0-9]+")


def _pattern(names) -> re.Pattern | None:
    names = sorted({n for n in names if n}, key=len, reverse=True)  # longest first: "bad-hands" before "bad"
    if not names:
        return None
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])", re.IGNORECASE)


def find_embeddings(text: str, names) -> list[tuple[str, int]]:
    """(name as installed, character position) for each use of an embedding in `text`."""
    pattern = _pattern(names)
    if pattern is None or not text:
        return []
    by_lower = {n.lower(): n for n in names}
    found, offset = [], 0
    for part in _TAG.split(text):
        if not _TAG.fullmatch(part):
            found += [(by_lower[m.group(1).lower()], offset + m.start()) for m in pattern.finditer(part)]
        offset += len(part)
    return found


def expand(text: str, tokens: dict[str, list[str]]) -> str:
    """`text` with each embedding name (keys of `tokens`, any case) replaced by its tokens."""
    pattern = _pattern(tokens)
    if pattern is None or not text:
        return text
    by_lower = {n.lower(): t for n, t in tokens.items()}
    parts = _TAG.split(text)
    return "".join(part if _TAG.fullmatch(part) else
                   pattern.sub(lambda m: " ".join(by_lower[m.group(1).lower()]), part) for part in parts)


def slug(name: str) -> str:
    return _SLUG.sub("_", name.lower()).strip("_") or "embedding"


def token_strings(token_slug: str, vectors: int) -> list[str]:
    return [f"{token_slug}_ti{i}" for i in range(vectors)]
