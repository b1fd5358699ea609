"""Weighted text -> CLIP chunks of 75 tokens, each read by the encoder as
<start> 75 tokens <end>, the way A1111 cuts long prompts (sd_hijack_clip.tokenize_line):

- a chunk holds 75 tokens; a longer prompt continues in the next chunk (nothing is cut);
- when a chunk fills up and a comma lies at most 20 tokens back, the words after that comma
  move to the next chunk, so a phrase is not split (A1111's comma_padding_backtrack);
- BREAK ends the chunk early (the rest is padding);
- an embedding's vectors stay together in one chunk;
- the padding of a chunk is the end token, and for OpenCLIP encoders (pad "!") the pad token
  after the first end token.
No torch here: TokenizePrompt uses it to show what the model will read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CHUNK_TOKENS = 75
COMMA_BACKTRACK = 20
_EMBEDDING_TOKEN = re.compile(r"^(.+)_ti(\d+)$")  # models/embedding_names.token_strings


@dataclass
class Chunk:
    ids: list[int] = field(default_factory=list)        # the tokens used, without start/end/padding
    weights: list[float] = field(default_factory=list)


def tokenize_fragments(tokenizer, fragments) -> list[Chunk]:
    """attention.Fragment list -> chunks (at least one, possibly empty)."""
    comma = tokenizer.get_vocab().get(",</w>")
    embedding_runs = _embedding_runs(tokenizer)
    chunks: list[Chunk] = []
    chunk = Chunk()
    last_comma = -1

    def next_chunk():
        nonlocal chunk, last_comma
        chunks.append(chunk)
        chunk, last_comma = Chunk(), -1

    texts = [f.text for f in fragments if not f.is_break]
    tokenized = iter(tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"] if texts else [])
    for fragment in fragments:
        if fragment.is_break:
            next_chunk()
            continue
        ids = next(tokenized)
        position = 0
        while position < len(ids):
            token = ids[position]
            if token == comma:
                last_comma = len(chunk.ids)
            elif (len(chunk.ids) == CHUNK_TOKENS and last_comma != -1
                  and len(chunk.ids) - last_comma <= COMMA_BACKTRACK):
                cut = last_comma + 1
                moved = Chunk(chunk.ids[cut:], chunk.weights[cut:])
                del chunk.ids[cut:], chunk.weights[cut:]
                next_chunk()
                chunk = moved
            if len(chunk.ids) == CHUNK_TOKENS:
                next_chunk()
            run = embedding_runs(ids, position)
            if run > 1 and len(chunk.ids) + run > CHUNK_TOKENS:
                next_chunk()  # an embedding's vectors are not split between chunks
            take = max(run, 1)
            chunk.ids.extend(ids[position:position + take])
            chunk.weights.extend([fragment.weight] * take)
            position += take
    if chunk.ids or not chunks:
        chunks.append(chunk)
    return chunks


def padded(chunk: Chunk, tokenizer) -> tuple[list[int], list[float]]:
    """The 77 ids and weights the encoder reads for one chunk."""
    start, end = tokenizer.bos_token_id, tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else end
    fill = CHUNK_TOKENS - len(chunk.ids)
    ids = [start, *chunk.ids, end] + [pad] * fill
    return ids, [1.0, *chunk.weights, 1.0] + [1.0] * fill


def token_texts(tokenizer, ids: list[int]) -> list[str]:
    """How each token reads: "cat", "," ... (CLIP's word-end mark removed)."""
    out = []
    for token_id, token in zip(ids, tokenizer.convert_ids_to_tokens(ids)):
        text = token if token in tokenizer.added_tokens_encoder else tokenizer.decode([token_id]).strip()
        out.append(text or token.replace("</w>", ""))
    return out


def _embedding_runs(tokenizer):
    """A function (ids, position) -> how many tokens of one embedding start there (0 = none)."""
    added = {i: t for t, i in tokenizer.added_tokens_encoder.items()} if tokenizer.added_tokens_encoder else {}
    if not added:
        return lambda ids, position: 0

    def run(ids, position):
        found = _EMBEDDING_TOKEN.match(added.get(ids[position], ""))
        if not found or found.group(2) != "0":
            return 0
        length = 1
        while position + length < len(ids):
            nxt = _EMBEDDING_TOKEN.match(added.get(ids[position + length], ""))
            if not nxt or nxt.group(1) != found.group(1) or int(nxt.group(2)) != length:
                break
            length += 1
        return length

    return run
