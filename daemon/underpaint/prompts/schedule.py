"""Prompt editing [from:to:when] and alternation [a|b]: which text applies at which step.

    "a [dog:cat:0.5] in the [sun|rain]" with 4 steps ->
        [(1, "a dog in the sun"), (2, "a dog in the rain"), (3, "a cat in the sun"), (4, "a cat in the rain")]

`when` as in A1111's current scheduling: with a decimal point it is a fraction of the steps
("0.5"), without one a step number ("10"); `from` applies up to and including that step.
[to:when] adds text from that step on, [from::when] removes it. Alternation takes the next
option every step. Emphasis brackets stay in the texts for attention.py; a bracket this reader
cannot pair stays as text, as A1111 does with its grammar's stray characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(r"\s*(\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$")
_PAIRS = {"(": ")", "[": "]"}


@dataclass
class Scheduled:
    before: list
    after: list
    when: str      # as written: "0.5" (a fraction) or "10" (a step)
    position: int  # of the '['


@dataclass
class Alternate:
    options: list  # each a list of nodes


def parse(text: str) -> list:
    """Nodes: plain strings, Scheduled, Alternate."""
    return _parse(text, 0, len(text))


def _parse(text: str, start: int, end: int) -> list:
    nodes: list = []
    plain_start, i = start, start
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in _PAIRS:
            close = _matching(text, i, end)
            if close is not None:
                node = _bracket(text, i, close) if ch == "[" else None
                if node is not None:
                    nodes.append(text[plain_start:i])
                    nodes.append(node)
                else:  # emphasis: keep the brackets, read what is inside
                    nodes.append(text[plain_start:i + 1])
                    nodes.extend(_parse(text, i + 1, close))
                    nodes.append(text[close])
                i = plain_start = close + 1
                continue
        i += 1
    nodes.append(text[plain_start:end])
    return [n for n in nodes if n != ""]


def _matching(text: str, open_at: int, end: int) -> int | None:
    stack, i = [], open_at
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in _PAIRS:
            stack.append(_PAIRS[ch])
        elif ch in ")]":
            if not stack or stack[-1] != ch:
                return None
            stack.pop()
            if not stack:
                return i
        i += 1
    return None


def _top_level(text: str, start: int, end: int, chars: str) -> list[int]:
    """Positions of `chars` in text[start:end] outside nested brackets and escapes."""
    found, depth, i = [], 0, start
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and ch in chars:
            found.append(i)
        i += 1
    return found


def _bracket(text: str, open_at: int, close: int):
    inner_start = open_at + 1
    bars = _top_level(text, inner_start, close, "|")
    if bars:
        bounds = [inner_start - 1, *bars, close]
        return Alternate([_parse(text, a + 1, b) for a, b in zip(bounds, bounds[1:])])
    colons = _top_level(text, inner_start, close, ":")
    if len(colons) not in (1, 2) or not _NUMBER.match(text, colons[-1] + 1, close):
        return None
    when = text[colons[-1] + 1:close].strip()
    if len(colons) == 1:
        return Scheduled([], _parse(text, inner_start, colons[0]), when, open_at)
    return Scheduled(_parse(text, inner_start, colons[0]), _parse(text, colons[0] + 1, colons[1]), when, open_at)


def switch_step(when: str, steps: int) -> int:
    value = float(when)
    step = value * steps if "." in when else value
    return min(steps, int(step))


def boundaries(nodes: list, steps: int) -> list[int]:
    """The steps after which the text changes, and the last step."""
    found = {steps}
    for node in nodes:
        if isinstance(node, Scheduled):
            step = switch_step(node.when, steps)
            if step >= 1:
                found.add(step)
            found.update(boundaries(node.before, steps), boundaries(node.after, steps))
        elif isinstance(node, Alternate):
            found.update(range(1, steps + 1))
    return sorted(found)


def text_at(nodes: list, step: int, steps: int) -> str:
    """The text that applies at `step` (1-based)."""
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, Scheduled):
            chosen = node.before if step <= switch_step(node.when, steps) else node.after
            parts.append(text_at(chosen, step, steps))
        else:
            parts.append(text_at(node.options[(step - 1) % len(node.options)], step, steps))
    return "".join(parts)


def schedule(text: str, steps: int) -> list[tuple[int, str]]:
    """[(last step, text)], in step order; one entry when nothing changes."""
    nodes = parse(text)
    if all(isinstance(n, str) for n in nodes):
        return [(steps, text)]
    out: list[tuple[int, str]] = []
    for end in boundaries(nodes, steps):
        current = text_at(nodes, end, steps)
        if out and out[-1][1] == current:
            out[-1] = (end, current)
        else:
            out.append((end, current))
    return out
