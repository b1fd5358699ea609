"""Emphasis: (x) ×1.1, [x] ÷1.1, (x:w) ×w, nesting multiplies, \\( \\) \\[ \\] are literal,
BREAK starts a new 75-token chunk. Brackets left open apply to the end of the text and
closing brackets without an opening one are plain text, exactly as in A1111
(modules/prompt_parser.py, parse_prompt_attention), whose examples tests/prompts states as a table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import PromptError

ROUND = 1.1
SQUARE = 1 / 1.1
MAX_WEIGHT = 100.0  # |w| per (x:w); any real value inside that, 0 and negative ones included
BREAK = "BREAK"

# The alternatives of A1111's tokenizer regex, in its order: escapes, a lone backslash, openers,
# ":w)" weights, closers, plain text, a lone colon.
_TOKENS = re.compile(r"""
    \\\( | \\\) | \\\[ | \\\] | \\\\ | \\ |
    \( | \[ |
    :\s*(?P<weight>[+-]?[.\d]+)\s*\) |
    \) | \] |
    [^\\()\[\]:]+ |
    :
""", re.X)
_BREAK = re.compile(r"\s*\bBREAK\b\s*", re.S)


@dataclass
class Fragment:
    text: str
    weight: float
    is_break: bool = False


def parse_weight(text: str, position: int, token: str) -> float:
    try:
        weight = float(text)
    except ValueError:
        raise PromptError(token, position, f"'{text}' is not a number; write a weight such as 1.2, "
                          "0.5, 0 or -1") from None
    if not math.isfinite(weight) or abs(weight) > MAX_WEIGHT:
        raise PromptError(token, position, f"weight {text} is out of range; allowed "
                          f"-{MAX_WEIGHT:g} to {MAX_WEIGHT:g}")
    return weight


def parse_attention(text: str, offset: int = 0) -> list[Fragment]:
    """Fragments with their weights, runs of equal weight merged; `offset` is added to the
    positions errors report (where `text` starts in the prompt as sent)."""
    out: list[Fragment] = []
    round_open: list[int] = []
    square_open: list[int] = []

    def multiply(start: int, factor: float) -> None:
        for fragment in out[start:]:
            if not fragment.is_break:
                fragment.weight *= factor

    for m in _TOKENS.finditer(text):
        token, weight = m.group(0), m.group("weight")
        if token.startswith("\\"):
            out.append(Fragment(token[1:], 1.0))
        elif token == "(":
            round_open.append(len(out))
        elif token == "[":
            square_open.append(len(out))
        elif weight is not None and round_open:
            multiply(round_open.pop(), parse_weight(weight, offset + m.start(), token))
        elif token == ")" and round_open:
            multiply(round_open.pop(), ROUND)
        elif token == "]" and square_open:
            multiply(square_open.pop(), SQUARE)
        else:
            for i, part in enumerate(_BREAK.split(token)):
                if i:
                    out.append(Fragment(BREAK, -1.0, is_break=True))
                out.append(Fragment(part, 1.0))
    for start in round_open:
        multiply(start, ROUND)
    for start in square_open:
        multiply(start, SQUARE)
    if not out:
        out = [Fragment("", 1.0)]
    merged = [out[0]]
    for fragment in out[1:]:
        last = merged[-1]
        if not fragment.is_break and not last.is_break and fragment.weight == last.weight:
            last.text += fragment.text
        else:
            merged.append(fragment)
    return merged


def unbalanced(text: str) -> list[str]:
    """Warnings for brackets A1111 would silently close at the end or read as text."""
    warnings, stack = [], []
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "([":
            stack.append((ch, i))
        elif ch in ")]":
            if stack and stack[-1][0] == {")": "(", "]": "["}[ch]:
                stack.pop()
            else:
                warnings.append(f"'{ch}' at position {i} closes nothing and is read as text")
    for ch, i in stack:
        warnings.append(f"'{ch}' at position {i} is not closed; it applies to the end of the prompt")
    return warnings
