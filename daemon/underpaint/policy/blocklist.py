"""Names and terms a prompt may not contain, and the matcher that finds them.

A rule is one name with its aliases (other spellings, other scripts, the characters tied to the
person). A blocklist file holds one rule per line, aliases separated by "|", "#" starting a
comment. A match is a run of whole words of the text (normalize.py) that spells an alias:

- word for word ("Taylor Swift" in "a photo of taylor swift, 4k");
- run together ("taylorswift", "TaylorSwift_v2" as a LoRA name);
- spelled out ("t a y l o r swift"): a break inside an alias word counts only next to a word of
  one or two letters, so "emmas tone" does not read as "Emma Stone".

Chinese, Japanese and Korean characters are words of one character each, so names in those
scripts match wherever their characters stand in a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .normalize import VIEWS, Word, words

ALIAS_SEPARATOR = "|"
SHORT_WORD = 2  # a word this short may be a spelled-out letter: breaks next to it are allowed


@dataclass(frozen=True)
class Rule:
    name: str             # the first alias, shown in refusals
    aliases: tuple[str, ...]
    source: str           # for people: "blocked_terms[2] in /etc/underpaint/policy.toml", "... line 7"


@dataclass(frozen=True)
class Hit:
    rule: Rule
    alias: str            # the alias that matched, as written in the rule
    start: int            # span of the matching text in what was checked
    end: int


class PolicyFileError(ValueError):
    """A policy or blocklist file that cannot be used; the message names the file and line."""


def read_blocklist(path: Path, label: str | None = None) -> list[Rule]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyFileError(f"blocklist {path}: cannot read it ({exc})") from None
    label = label or str(path)
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            rules.append(rule_from_text(line, f"blocklist {label}, line {number}"))
    return rules


def rule_from_text(text: str, source: str) -> Rule:
    aliases = tuple(a.strip() for a in text.split(ALIAS_SEPARATOR) if a.strip())
    if not aliases:
        raise PolicyFileError(f"{source}: empty term")
    for alias in aliases:
        if not words(alias):
            raise PolicyFileError(f"{source}: '{alias}' has no letters or digits to match")
    return Rule(name=aliases[0], aliases=aliases, source=source)


@dataclass(frozen=True)
class _Entry:
    rule: Rule
    alias: str
    breaks: frozenset[int]  # offsets in the run-together alias where its own words meet


class Blocklist:
    def __init__(self, rules: list[Rule]):
        self.rules = list(rules)
        self._index: dict[str, dict[str, list[_Entry]]] = {view: {} for view in VIEWS}
        self._prefixes: dict[str, set[str]] = {view: set() for view in VIEWS}  # stop early on a dead end
        for rule in self.rules:
            for alias in rule.aliases:
                for view in VIEWS:
                    parts = [w.text for w in words(alias, view)]
                    joined, breaks, offset = "".join(parts), set(), 0
                    for part in parts[:-1]:
                        offset += len(part)
                        breaks.add(offset)
                    self._index[view].setdefault(joined, []).append(_Entry(rule, alias, frozenset(breaks)))
                    self._prefixes[view].update(joined[:n] for n in range(1, len(joined)))

    def __len__(self) -> int:
        return len(self.rules)

    def find(self, text: str) -> Hit | None:
        """The first blocked name in `text` (earliest position), or None."""
        if not self.rules:
            return None
        best: Hit | None = None
        for view in VIEWS:
            hit = self._find_in(words(text, view), self._index[view], self._prefixes[view])
            if hit and (best is None or hit.start < best.start):
                best = hit
        return best

    @staticmethod
    def _find_in(ws: list[Word], index: dict[str, list[_Entry]], prefixes: set[str]) -> Hit | None:
        if not index:
            return None
        for i in range(len(ws)):
            joined, splits = "", []
            for j in range(i, len(ws)):
                if j > i:
                    splits.append(len(joined))
                joined += ws[j].text
                for entry in index.get(joined, ()):
                    if _breaks_allowed(ws[i:j + 1], splits, entry.breaks):
                        return Hit(entry.rule, entry.alias, ws[i].start, ws[j].end)
                if joined not in prefixes:  # no alias goes on from here
                    break
        return None


def _breaks_allowed(run: list[Word], splits: list[int], alias_breaks: frozenset[int]) -> bool:
    for k, offset in enumerate(splits):
        if offset in alias_breaks:
            continue
        if len(run[k].text) > SHORT_WORD and len(run[k + 1].text) > SHORT_WORD:
            return False
    return True
