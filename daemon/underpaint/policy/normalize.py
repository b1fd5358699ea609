"""Text folded for the blocklist: words with their place in the original text.

Each character goes through Unicode NFKC (full-width and styled letters become plain ones), case
folding, diacritic folding (NFKD, combining marks dropped, ß/ø/æ/ł... spelled out) and one of two
script views (scripts.py): READS transliterates Cyrillic and Greek, LOOKS maps letters that look
Latin to Latin. Invisible format characters (zero-width spaces, soft hyphens) are dropped.

Words are runs of letters and digits; digits and @ $ inside a word that has letters are read as
the letters they stand for (0→o 1→i 3→e 4→a 5→s 7→t @→a $→s). Chinese, Japanese and Korean have
no spaces between words, so each of their characters is a word of its own.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from .scripts import LATIN_SPECIALS, LOOKALIKES, SUBSTITUTIONS, TRANSLIT

READS = "reads"
LOOKS = "looks"
VIEWS = (READS, LOOKS)

_CJK_RANGES = ((0x1100, 0x11FF), (0x3040, 0x30FF), (0x3100, 0x312F), (0x3130, 0x318F), (0x3400, 0x4DBF),
               (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F))


@dataclass(frozen=True)
class Word:
    text: str    # folded
    start: int   # span in the original text
    end: int


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return code >= 0x1100 and any(low <= code <= high for low, high in _CJK_RANGES)


@functools.lru_cache(maxsize=65536)
def fold_char(ch: str, view: str) -> str:
    """One character of text, folded (possibly to several characters, or none)."""
    if unicodedata.category(ch) == "Cf":
        return ""
    s = unicodedata.normalize("NFKC", ch)
    if view == LOOKS:
        s = "".join(LOOKALIKES.get(c, c) for c in s)
    out = []
    for c in unicodedata.normalize("NFKD", s.casefold()):  # accents off first: "ί" is transliterated as "ι"
        if unicodedata.combining(c):
            continue
        if view == READS:
            c = TRANSLIT.get(c, c)
        out.extend(LATIN_SPECIALS.get(x, x) for x in c)
    return "".join(out)


def _folded_chars(text: str, view: str):
    """(folded character, index in `text`) pairs."""
    for pos, ch in enumerate(text):
        for out in fold_char(ch, view):
            yield out, pos


def _word_char(c: str) -> bool:
    return c.isalnum() or c in SUBSTITUTIONS


def words(text: str, view: str = READS) -> list[Word]:
    chars = list(_folded_chars(text, view))
    out: list[Word] = []
    i = 0
    while i < len(chars):
        if not _word_char(chars[i][0]):
            i += 1
            continue
        j = i
        while j < len(chars) and _word_char(chars[j][0]):
            j += 1
        out.extend(_split_run(chars[i:j]))
        i = j
    return out


def _split_run(run: list[tuple[str, int]]) -> list[Word]:
    """One run of word characters: substitutions applied, CJK characters split off one by one."""
    letters = any(c.isalpha() for c, _ in run)
    if not letters:
        digits = [(c, p) for c, p in run if c.isalnum()]  # a number, or stray signs: no letters to read
        return [Word("".join(c for c, _ in digits), digits[0][1], digits[-1][1] + 1)] if digits else []
    result: list[Word] = []
    current: list[tuple[str, int]] = []

    def flush():
        if current:
            result.append(Word("".join(c for c, _ in current), current[0][1], current[-1][1] + 1))
            current.clear()

    for c, pos in run:
        if _is_cjk(c):
            flush()
            result.append(Word(c, pos, pos + 1))
        else:
            current.append((SUBSTITUTIONS.get(c, c), pos))
    flush()
    return result
