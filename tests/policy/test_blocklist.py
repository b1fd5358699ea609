"""The prompt blocklist: a multilingual table of texts that must hit a rule, and near-misses that
must not. Runs against the built-in list, as shipped, plus a few rules of a test's own."""

from __future__ import annotations

import pytest

from underpaint.policy.blocklist import Blocklist, PolicyFileError, read_blocklist, rule_from_text
from underpaint.policy.settings import BUILTIN_DIR


@pytest.fixture(scope="module")
def blocklist():
    rules = read_blocklist(BUILTIN_DIR / "celebrities.txt", "built-in celebrities")
    rules.append(rule_from_text("Jane Doe | Джейн Доу", "test rule"))
    rules.append(rule_from_text("Zoë Ødegaard", "test rule with diacritics"))
    rules.append(rule_from_text("Æsa Łukasz", "test rule with special letters"))
    return Blocklist(rules)


HITS = [
    # (text, the rule it must hit, the text that matched)
    ("a portrait of Taylor Swift, 4k", "Taylor Swift", "Taylor Swift"),
    ("TAYLOR   SWIFT on stage", "Taylor Swift", "TAYLOR   SWIFT"),
    ("(taylor swift:1.3), oil painting", "Taylor Swift", "taylor swift"),
    ("t4yl0r sw1ft", "Taylor Swift", "t4yl0r sw1ft"),                    # digit substitutions
    ("t@ylor $wift", "Taylor Swift", "t@ylor $wift"),                    # sign substitutions
    ("taylorswift", "Taylor Swift", "taylorswift"),                      # run together
    ("TaylorSwift_v2 style", "Taylor Swift", "TaylorSwift"),             # a LoRA-ish name
    ("t a y l o r swift", "Taylor Swift", "t a y l o r swift"),          # spelled out
    ("t.a.y.l.o.r s.w.i.f.t", "Taylor Swift", "t.a.y.l.o.r s.w.i.f.t"),
    ("ｔａｙｌｏｒ ｓｗｉｆｔ", "Taylor Swift", "ｔａｙｌｏｒ ｓｗｉｆｔ"),  # full-width (NFKC)
    ("𝐓𝐚𝐲𝐥𝐨𝐫 𝐒𝐰𝐢𝐟𝐭", "Taylor Swift", "𝐓𝐚𝐲𝐥𝐨𝐫 𝐒𝐰𝐢𝐟𝐭"),                # mathematical bold (NFKC)
    ("tay\u200blor swi\u00adft", "Taylor Swift", "tay\u200blor swi\u00adft"),  # zero-width space, soft hyphen
    ("Tаylor Swіft", "Taylor Swift", "Tаylor Swіft"),                    # Cyrillic а and і in Latin words
    ("Тейлор Свифт на сцене", "Taylor Swift", "Тейлор Свифт"),           # Russian
    ("ТЕЙЛОР СВИФТ", "Taylor Swift", "ТЕЙЛОР СВИФТ"),
    ("Teilor Svift", "Taylor Swift", "Teilor Svift"),                    # Russian spelling, in Latin
    ("Τέιλορ Σουίφτ", "Taylor Swift", "Τέιλορ Σουίφτ"),                  # Greek, accented
    ("ΤΕΙΛΟΡ ΣΟΥΙΦΤ", "Taylor Swift", "ΤΕΙΛΟΡ ΣΟΥΙΦΤ"),                  # Greek capitals, no accents
    ("テイラー・スウィフトの写真", "Taylor Swift", "テイラー・スウィフト"),  # Japanese
    ("テイラースウィフト", "Taylor Swift", "テイラースウィフト"),          # without the middle dot
    ("ﾃｲﾗｰ･ｽｳｨﾌﾄ", "Taylor Swift", "ﾃｲﾗｰ･ｽｳｨﾌﾄ"),                        # half-width katakana (NFKC)
    ("泰勒斯威夫特的照片", "Taylor Swift", "泰勒斯威夫特"),                # Chinese, no separator
    ("테일러 스위프트 사진", "Taylor Swift", "테일러 스위프트"),             # Korean
    ("Beyonce at the beach", "Beyoncé", "Beyonce"),                      # accent folded away
    ("BEYONCÉ", "Beyoncé", "BEYONCÉ"),
    ("Бейонсе", "Beyoncé", "Бейонсе"),
    ("習近平の肖像", "Xi Jinping", "習近平"),                              # traditional characters
    ("习近平", "Xi Jinping", "习近平"),                                    # simplified
    ("Си Цзиньпин", "Xi Jinping", "Си Цзиньпин"),
    ("Володимир Зеленський", "Volodymyr Zelenskyy", "Володимир Зеленський"),  # Ukrainian letters
    ("zelensky in a suit", "Volodymyr Zelenskyy", "zelensky"),
    ("hermione granger reading", "Emma Watson", "hermione granger"),     # a character tied to a face
    ("גל גדות", "Gal Gadot", "גל גדות"),                                  # Hebrew, as written
    ("ZOE ODEGAARD", "Zoë Ødegaard", "ZOE ODEGAARD"),                    # ë and Ø folded
    ("zoë ødegaard", "Zoë Ødegaard", "zoë ødegaard"),
    ("a photo of jane doe", "Jane Doe", "jane doe"),
    ("Ærøskøbing's Æsa Łukasz", "Æsa Łukasz", "Æsa Łukasz"),            # letters NFKD keeps whole
    ("aesa lukasz", "Æsa Łukasz", "aesa lukasz"),
    ("джейн доу", "Jane Doe", "джейн доу"),
]

NEAR_MISSES = [
    "a swift river, tailored suit",
    "taylor swiftly crossed the road",         # word boundary: swiftly is not swift
    "taylors wift",                            # the break falls inside a long word
    "tay lor swift",                           # ... and here too (a deterrent, not a proof)
    "emmas tone",
    "a portrait of Emma Stone",                # not on the list
    "Ms. Swift, a bird",
    "beyond the sea",
    "Janet Doerr",
    "a candle wick, john's lamp",
    "kim jinping",
    "taylor",
    "Тейлор",                                  # one half of a name
    "テイラー",
    "ёлка зимой",                              # Cyrillic text without a name
    "a 4k photo, 35mm, f/1.4",                 # digits alone are not read as letters
    "sd15, lora 0.8, 1girl",
]


@pytest.mark.parametrize("text, rule, matched", HITS)
def test_names_are_found_in_any_spelling(blocklist, text, rule, matched):
    hit = blocklist.find(text)
    assert hit is not None, f"{text!r} should hit {rule!r}"
    assert hit.rule.name == rule
    assert text[hit.start:hit.end] == matched


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_not_refused(blocklist, text):
    hit = blocklist.find(text)
    assert hit is None, f"{text!r} matched {hit.alias!r} at {text[hit.start:hit.end]!r}"


def test_the_first_name_in_the_text_is_reported(blocklist):
    hit = blocklist.find("rihanna and taylor swift")
    assert (hit.rule.name, hit.start) == ("Rihanna", 0)
    hit = blocklist.find("taylor swift and rihanna")
    assert (hit.rule.name, hit.start) == ("Taylor Swift", 0)


def test_a_hit_names_its_rule_and_line():
    rules = read_blocklist(BUILTIN_DIR / "celebrities.txt", "built-in celebrities")
    hit = Blocklist(rules).find("keanu reeves")
    line = next(n for n, text in enumerate((BUILTIN_DIR / "celebrities.txt").read_text().splitlines(), 1)
                if text.startswith("Keanu Reeves"))
    assert hit.rule.source == f"blocklist built-in celebrities, line {line}"


def test_every_builtin_alias_matches_itself():
    """A line whose alias folds to nothing, or to another person's name, would be a silent hole."""
    rules = read_blocklist(BUILTIN_DIR / "celebrities.txt")
    blocklist = Blocklist(rules)
    assert len(rules) >= 20
    for rule in rules:
        assert len(rule.aliases) >= 3, f"{rule.name}: give aliases in other scripts"
        for alias in rule.aliases:
            hit = blocklist.find(f"a picture of {alias} in a garden")
            assert hit is not None and hit.rule is rule, alias


@pytest.mark.parametrize("line", ["|", " | ", "!!! | ???"])
def test_a_term_without_letters_is_refused(line):
    with pytest.raises(PolicyFileError, match="line 3"):
        rule_from_text(line, "blocklist x, line 3")
