"""Prompt helpers for the hosts: the token counter under the prompt box.

    response = daemon.tokenize_prompt(text, model_id)
    label.setText(prompts.counter_label(response))      # "68/75 · 2 chunks"
    tooltip = prompts.chunk_lines(response)             # what each chunk holds, weights marked

A host calls TokenizePrompt a moment after the user stops typing (say 300 ms), not per key.
"""

from __future__ import annotations


def counter_label(response) -> str:
    """The last chunk's fill and the chunk count; several AND parts count all their chunks."""
    chunks = list(response.chunks)
    if not chunks:
        return "0/75"
    last = chunks[-1]
    text = f"{last.token_count}/{last.capacity}"
    return text + (f" · {len(chunks)} chunks" if len(chunks) > 1 else "")


def chunk_lines(response) -> list[str]:
    """One line per chunk: "chunk 2: 68/75  a red (cat ×1.3) ...", then the warnings."""
    parts = len({c.subprompt for c in response.chunks})
    lines = []
    for number, chunk in enumerate(response.chunks, 1):
        where = f" (AND part {chunk.subprompt + 1})" if parts > 1 else ""
        words = " ".join(t if w == 1.0 else f"({t} ×{w:.3g})" for t, w in zip(chunk.tokens, chunk.weights))
        lines.append(f"chunk {number}{where}: {chunk.token_count}/{chunk.capacity}  {words}")
    return lines + [f"warning: {w}" for w in response.warnings]
