"""`--control TYPE=IMAGE[:STRENGTH[:START:END]]` and `--reference IMAGE[:STRENGTH]` for `generate`.

Numbers are taken from the right, so image paths with colons (C:\\sketch.png) still work.
The image is read when the request is built, so a typo in a path fails before anything is sent.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from ..v1 import underpaint_pb2 as pb


@dataclass
class ControlArg:
    type: str
    path: str
    strength: float | None = None
    start: float = 0.0
    end: float | None = None

    def to_pb(self) -> pb.Control:
        from .images_io import read_image

        control = pb.Control(type=self.type, image=read_image(self.path, "RGBA"), start=self.start)
        if self.strength is not None:
            control.strength = self.strength
        if self.end is not None:
            control.end = self.end
        return control


def _numbers_from_right(text: str, most: int) -> tuple[str, list[float]]:
    parts = text.split(":")
    numbers: list[float] = []
    while len(parts) > 1 and len(numbers) < most:
        try:
            value = float(parts[-1])
        except ValueError:
            break
        numbers.insert(0, value)
        parts.pop()
    return ":".join(parts), numbers


def parse_control(text: str) -> ControlArg:
    kind, sep, rest = text.partition("=")
    if not sep or not kind or not rest:
        raise argparse.ArgumentTypeError(f"--control {text!r}: expected TYPE=IMAGE[:STRENGTH[:START:END]], "
                                         "e.g. canny=sketch.png:0.8")
    path, numbers = _numbers_from_right(rest, 3)
    if len(numbers) == 2:
        raise argparse.ArgumentTypeError(f"--control {text!r}: give STRENGTH, or STRENGTH:START:END (all three)")
    arg = ControlArg(kind.strip().lower(), path)
    if numbers:
        arg.strength = numbers[0]
    if len(numbers) == 3:
        arg.start, arg.end = numbers[1], numbers[2]
    return arg


def parse_reference(text: str) -> ControlArg:
    path, numbers = _numbers_from_right(text, 1)
    if not path:
        raise argparse.ArgumentTypeError(f"--reference {text!r}: expected IMAGE[:STRENGTH]")
    return ControlArg("reference", path, numbers[0] if numbers else None)
