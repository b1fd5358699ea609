"""<lora:NAME:WEIGHT> tags (A1111's extra networks) in prompt text.

They are taken out of the text the model reads (blanked with spaces of the same length, so
positions stay those of the text as sent; the tokenizer reads a run of spaces like one); the LoRAs they name go to the add-on checks
(jobs/addon_checks.py). WEIGHT is optional (1.0); A1111's further unet/te fields are read as
the same weight. Other tag kinds (<hypernet:...>) are removed with a warning: this daemon has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .attention import parse_weight
from .errors import PromptError

_TAG = re.compile(r"<(\w+):([^>]+)>")


@dataclass
class LoraTag:
    name: str
    weight: float
    position: int
    tag: str        # as written

    @property
    def where(self) -> str:
        return f"{self.tag} at position {self.position}"


@dataclass
class Extracted:
    text: str                           # the tags blanked
    loras: list[LoraTag] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def extract(text: str, offset: int = 0) -> Extracted:
    out = Extracted("")
    pieces, last = [], 0
    for m in _TAG.finditer(text):
        pieces.append(text[last:m.start()] + " " * len(m.group(0)))
        last = m.end()
        kind, args = m.group(1), m.group(2).split(":")
        position = offset + m.start()
        if kind.lower() != "lora":
            out.warnings.append(f"'{m.group(0)}' at position {position}: <{kind}:...> tags are not supported "
                                "and are left out")
            continue
        name = args[0].strip()
        if not name:
            raise PromptError(m.group(0), position, "the LoRA name is empty; write <lora:NAME:0.8>")
        weight = 1.0
        if len(args) > 1 and args[1].strip():
            weight = parse_weight(args[1].strip(), position, m.group(0))
        out.loras.append(LoraTag(name, weight, position, m.group(0)))
    pieces.append(text[last:])
    out.text = "".join(pieces)
    return out
