"""AND: "a cat AND a hat :0.6" is two sub-prompts, combined as composable diffusion
(each one's cond - uncond, scaled by its weight; a negative weight pushes away).
As A1111: AND must be a whole word in capitals; a trailing ":number" is the weight (default 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .attention import parse_weight

_AND = re.compile(r"\bAND\b")
_WEIGHT = re.compile(r"^(.*?)(?:\s*:\s*([-+]?(?:\d+\.?\d*|\.\d+)))?\s*$", re.S)


@dataclass
class SubPrompt:
    text: str
    weight: float
    position: int  # where its text starts in the prompt


def split_and(text: str) -> list[SubPrompt]:
    parts, start = [], 0
    for m in list(_AND.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        piece = text[start:end]
        found = _WEIGHT.match(piece)
        weight = 1.0
        if found.group(2) is not None:
            weight = parse_weight(found.group(2), start + found.start(2), found.group(2))
            piece = found.group(1)
        parts.append(SubPrompt(piece, weight, start))
        if m:
            start = m.end()
    return parts
