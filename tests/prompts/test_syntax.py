"""The prompt language as a specification: A1111's own examples (modules/prompt_parser.py
doctests) and the edge cases the issue names. Weights are compared to A1111's printed values."""

from __future__ import annotations

import pytest

from underpaint.errors import InvalidArgument
from underpaint.prompts.attention import parse_attention
from underpaint.prompts.composable import split_and
from underpaint.prompts.errors import PromptError
from underpaint.prompts.extra_networks import extract
from underpaint.prompts.reading import read_or_refuse, read_prompt
from underpaint.prompts.schedule import schedule

ATTENTION = [
    # A1111's parse_prompt_attention doctests
    ("normal text", [("normal text", 1.0)]),
    ("an (important) word", [("an ", 1.0), ("important", 1.1), (" word", 1.0)]),
    ("(unbalanced", [("unbalanced", 1.1)]),
    (r"\(literal\]", [("(literal]", 1.0)]),
    ("(unnecessary)(parens)", [("unnecessaryparens", 1.1)]),
    ("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
     [("a ", 1.0), ("house", 1.5730000000000004), (" ", 1.1), ("on", 1.0), (" a ", 1.1), ("hill", 0.55),
      (", sun, ", 1.1), ("sky", 1.4641000000000006), (".", 1.1)]),
    # the cases
    ("[x]", [("x", 1 / 1.1)]),
    ("(x:0)", [("x", 0.0)]),
    ("(x:-1)", [("x", -1.0)]),
    ("(x: -0.5 )", [("x", -0.5)]),
    ("((x:2):3)", [("x", 6.0)]),
    ("[(x:2)]", [("x", 2 / 1.1)]),
    ("a ) b ]", [("a ) b ]", 1.0)]),                   # closers without openers are text
    ("[unclosed (too", [("unclosed ", 1 / 1.1), ("too", 1.1 / 1.1)]),
    (r"\\ back", [("\\ back", 1.0)]),
    ("(x:abc)", [("x:abc", 1.1)]),                      # not a number: the colon is text
    ("a BREAK b", [("a", 1.0), ("BREAK", -1.0), ("b", 1.0)]),
    ("", [("", 1.0)]),
]


@pytest.mark.parametrize("text,expected", ATTENTION)
def test_attention_matches_a1111(text, expected):
    got = [(f.text, f.weight) for f in parse_attention(text)]
    assert [t for t, _ in got] == [t for t, _ in expected]
    assert [w for _, w in got] == pytest.approx([w for _, w in expected], rel=1e-12)


def test_break_is_marked_not_text():
    fragments = parse_attention("a BREAK b")
    assert [f.is_break for f in fragments] == [False, True, False]
    assert not any(f.is_break for f in parse_attention("aBREAKb"))  # a whole word only


SCHEDULES = [
    # A1111's get_learned_conditioning_prompt_schedules doctests (steps=10 unless given)
    ("test", 10, [(10, "test")]),
    ("a [b:3]", 10, [(3, "a "), (10, "a b")]),
    ("a [b: 3]", 10, [(3, "a "), (10, "a b")]),
    ("a [[[b]]:2]", 10, [(2, "a "), (10, "a [[b]]")]),
    ("[(a:2):3]", 10, [(3, ""), (10, "(a:2)")]),
    ("a [b : c : 1] d", 10, [(1, "a  b  d"), (10, "a  c  d")]),
    ("a[b:[c:d:2]:1]e", 10, [(1, "abe"), (2, "ace"), (10, "ade")]),
    ("a [unbalanced", 10, [(10, "a [unbalanced")]),
    ("a [b:.5] c", 10, [(5, "a  c"), (10, "a b c")]),
    ("((a][:b:c [d:3]", 10, [(3, "((a][:b:c "), (10, "((a][:b:c d")]),
    ("[a|(b:1.1)]", 4, [(1, "a"), (2, "(b:1.1)"), (3, "a"), (4, "(b:1.1)")]),
    ("[fe|]male", 4, [(1, "female"), (2, "male"), (3, "female"), (4, "male")]),
    ("[fe|||]male", 5, [(1, "female"), (4, "male"), (5, "female")]),
    ("fantasy landscape with a [mountain:lake:0.25] and [an oak:a christmas tree:0.75][ in foreground::0.6]"
     "[: in background:0.25] [shoddy:masterful:0.5]", 100,
     [(25, "fantasy landscape with a mountain and an oak in foreground shoddy"),
      (50, "fantasy landscape with a lake and an oak in foreground in background shoddy"),
      (60, "fantasy landscape with a lake and an oak in foreground in background masterful"),
      (75, "fantasy landscape with a lake and an oak in background masterful"),
      (100, "fantasy landscape with a lake and a christmas tree in background masterful")]),
    # an integer `when` is a step, one with a point a fraction
    ("[a:b:1]", 10, [(1, "a"), (10, "b")]),
    ("[a:b:1.0]", 10, [(10, "a")]),
    ("[a:b:0]", 10, [(10, "b")]),
    ("[a:b:x]", 10, [(10, "[a:b:x]")]),                 # not a number: emphasis, as A1111's grammar
]


@pytest.mark.parametrize("text,steps,expected", SCHEDULES)
def test_schedule_matches_a1111(text, steps, expected):
    # Runs of spaces may differ from A1111's (its grammar keeps some optional whitespace
    # tokens); CLIP's tokenizer reads any run of spaces as one, so the model sees the same.
    def words(entries):
        return [(step, text.split()) for step, text in entries]

    got = schedule(text, steps)
    assert words(got) == words(expected)
    assert [s for s, _ in got] == [s for s, _ in expected]


@pytest.mark.parametrize("text,expected", [
    ("a cat", [("a cat", 1.0)]),
    ("a cat AND a hat", [("a cat ", 1.0), (" a hat", 1.0)]),
    ("a cat :1.5 AND a hat:-0.5", [("a cat", 1.5), (" a hat", -0.5)]),
    ("a cat AND", [("a cat ", 1.0), ("", 1.0)]),
    ("SANDWICH and ANDroid", [("SANDWICH and ANDroid", 1.0)]),  # AND only as a capital word
    ("(x:1.2) AND y", [("(x:1.2) ", 1.0), (" y", 1.0)]),
])
def test_and_splits_with_weights(text, expected):
    assert [(p.text, p.weight) for p in split_and(text)] == expected


def test_lora_tags_come_out_with_weights_and_positions():
    found = extract("a cat <lora:ink style:0.8>, <lora:paper> <hypernet:x:1>")
    assert [(t.name, t.weight, t.position) for t in found.loras] == [("ink style", 0.8, 6), ("paper", 1.0, 28)]
    assert len(found.text) == len("a cat <lora:ink style:0.8>, <lora:paper> <hypernet:x:1>")
    assert found.text.split() == ["a", "cat", ","]
    assert "hypernet" in found.warnings[0]


@pytest.mark.parametrize("text,token,position", [
    ("a (cat:1.2.3)", ":1.2.3)", 6),
    ("a (cat:.)", ":.)", 6),
    ("(dog:500)", ":500)", 4),
    ("x <lora:ink:abc>", "<lora:ink:abc>", 2),
    ("x <lora: :1>", "<lora: :1>", 2),
    ("cat AND dog :500", "500", 13),
])
def test_errors_name_the_token_and_its_position(text, token, position):
    with pytest.raises(PromptError) as caught:
        read_prompt(text)
    assert caught.value.position == position
    assert token in str(caught.value) or caught.value.token == token
    with pytest.raises(InvalidArgument, match=rf"^prompt: .*at position {position}"):
        read_or_refuse(text, "prompt")


def test_positions_count_in_the_text_as_sent():
    with pytest.raises(PromptError) as caught:
        read_prompt("<lora:ink:0.5> a AND (b:1..2)")
    assert caught.value.position == 23


def test_a_read_prompt_has_stages_per_sub_prompt():
    read = read_prompt("a <lora:ink:0.8> [cat|dog] AND (hat:1.5) :0.5", steps=3)
    assert [t.name for t in read.loras] == ["ink"]
    assert [p.weight for p in read.parts] == [1.0, 0.5]
    first, second = read.parts
    assert [(s.until_step, s.text.split()) for s in first.stages] == [(1, ["a", "cat"]), (2, ["a", "dog"]),
                                                                      (3, ["a", "cat"])]
    assert [(f.text.strip(), f.weight) for f in second.stages[0].fragments if f.text.strip()] == [("hat", 1.5)]
    assert not read.is_plain
    assert read_prompt("a (cat:1.3)").is_plain


def test_negative_prompt_reads_and_as_text():
    read = read_prompt("ugly AND blurry", allow_and=False)
    assert len(read.parts) == 1 and "AND" in read.parts[0].stages[0].text


def test_unbalanced_brackets_warn_but_work():
    read = read_prompt("a (cat ] dog")
    assert any("'(' at position 2" in w for w in read.warnings)
    assert any("']' at position 7" in w for w in read.warnings)
