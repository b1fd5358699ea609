"""The host kit's token counter: what a host shows under the prompt box."""

from __future__ import annotations

from underpaint_kit import prompts
from underpaint_kit.protocol import pb


def _response(*chunks, warnings=()):
    return pb.TokenizePromptResponse(
        chunks=[pb.PromptChunk(subprompt=part, token_count=len(tokens), capacity=75, tokens=tokens,
                               weights=[weight] * len(tokens)) for part, tokens, weight in chunks],
        warnings=list(warnings))


def test_counter_label():
    assert prompts.counter_label(pb.TokenizePromptResponse()) == "0/75"
    assert prompts.counter_label(_response((0, ["a", "cat"], 1.0))) == "2/75"
    full = (0, ["x"] * 75, 1.0)
    assert prompts.counter_label(_response(full, (0, ["y"] * 68, 1.0))) == "68/75 · 2 chunks"


def test_chunk_lines_mark_weights_parts_and_warnings():
    lines = prompts.chunk_lines(_response((0, ["a", "cat"], 1.0), (1, ["hat"], 1.3),
                                          warnings=["'(' at position 3 is not closed"]))
    assert lines == ["chunk 1 (AND part 1): 2/75  a cat", "chunk 2 (AND part 2): 1/75  (hat ×1.3)",
                     "warning: '(' at position 3 is not closed"]
