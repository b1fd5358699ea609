"""Any text either reads as a prompt or is refused with a PromptError (token and position):
never another exception, and the stages of each sub-prompt cover every step."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from underpaint.prompts.errors import PromptError
from underpaint.prompts.reading import read_prompt

PIECES = st.sampled_from(list("()[]:|\\ ab,.-+0159<>") + ["AND", "BREAK", "<lora:x", ":1.5)", ":0.5]", "é"])


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join), st.integers(1, 40), st.booleans())
def test_reads_or_refuses_with_a_position(text, steps, allow_and):
    try:
        read = read_prompt(text, steps, allow_and)
    except PromptError as e:
        assert 0 <= e.position < len(text) and e.token
        return
    for part in read.parts:
        ends = [s.until_step for s in part.stages]
        assert ends == sorted(ends) and ends[-1] == steps
