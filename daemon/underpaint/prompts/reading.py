"""A whole prompt, read: its LoRA tags, its AND sub-prompts with weights, and for each
sub-prompt the weighted text that applies at each sampling step.

    read_prompt("a <lora:ink:0.8> [cat|dog] AND hat :0.5", steps=20)

Tags are blanked (extra_networks.py), so every position an error names is one in the text as sent.
The negative prompt has no AND (A1111 reads it literally there) but may use everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidArgument
from .attention import Fragment, parse_attention, unbalanced
from .composable import SubPrompt as Piece, split_and
from .errors import PromptError
from .extra_networks import LoraTag, extract
from .schedule import schedule


@dataclass
class Stage:
    until_step: int                 # applies up to and including this step (1-based)
    text: str                       # with emphasis brackets
    fragments: list[Fragment]


@dataclass
class SubPrompt:
    weight: float
    stages: list[Stage]


@dataclass
class ReadPrompt:
    text: str
    loras: list[LoraTag] = field(default_factory=list)
    parts: list[SubPrompt] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def is_plain(self) -> bool:
        """One sub-prompt of weight 1 whose text never changes: encode once, no sampling hook."""
        return len(self.parts) == 1 and self.parts[0].weight == 1.0 and len(self.parts[0].stages) == 1


def read_prompt(text: str, steps: int = 1, allow_and: bool = True) -> ReadPrompt:
    """Raises PromptError naming the token and its position."""
    steps = max(1, steps)
    extracted = extract(text)
    plain = extracted.text
    read = ReadPrompt(text, extracted.loras, warnings=list(extracted.warnings) + unbalanced(plain))
    pieces = split_and(plain) if allow_and else [Piece(plain, 1.0, 0)]
    for piece in pieces:
        parse_attention(piece.text, piece.position)  # errors with positions in the text as sent
        stages = [Stage(end, t, parse_attention(t, piece.position)) for end, t in schedule(piece.text, steps)]
        read.parts.append(SubPrompt(piece.weight, stages))
    return read


def read_or_refuse(text: str, field_name: str, steps: int = 1, allow_and: bool = True) -> ReadPrompt:
    """read_prompt for request checks: a PromptError becomes InvalidArgument on the field."""
    try:
        return read_prompt(text, steps, allow_and)
    except PromptError as e:
        raise InvalidArgument(field_name, str(e)) from None
