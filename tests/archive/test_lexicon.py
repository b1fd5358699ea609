"""Lexicon styles: {style:NAME} in prompts, the request's styles field, refusals with positions,
and JSON / A1111 styles.csv import and export."""

from __future__ import annotations

import pytest

from underpaint.archive import styles_io
from underpaint.archive.lexicon import Lexicon
from underpaint.archive.store import ArchiveStore
from underpaint.errors import InvalidArgument, NotFound
from underpaint.v1 import archive_pb2 as apb
from underpaint.v1 import underpaint_pb2 as pb

# As A1111 writes it (header, quoted fields with commas, an empty "None" row).
A1111_CSV = '''name,prompt,negative_prompt
None,,
Cinematic,"cinematic still {prompt} . emotional, harmonious, vignette","anime, cartoon, graphic"
Oil painting,"oil painting, thick brush strokes",photo
'''


@pytest.fixture
def lexicon(tmp_path):
    store = ArchiveStore(tmp_path / "a")
    lex = Lexicon(store)
    lex.put(apb.Style(name="oil", prompt="oil painting, {prompt}, impasto", negative_prompt="photo, 3d"))
    lex.put(apb.Style(name="noir", prompt="film noir, high contrast", negative_prompt="colour", steps=30,
                      guidance=5.5, sampler="euler", width=512, height=768))
    yield lex
    store.close()


def expand(lex, **fields) -> pb.GenerateRequest:
    return lex.expand(pb.GenerateRequest(**fields))


def test_a_tag_in_the_prompt_becomes_the_fragment(lexicon):
    r = expand(lexicon, prompt="a harbour, {style:noir}, at dusk", negative_prompt="blurry, {style:noir}")
    assert r.prompt == "a harbour, film noir, high contrast, at dusk"
    assert r.negative_prompt == "blurry, colour"
    assert r.steps == 0  # a tag brings text only, not parameters


def test_a_tag_drops_the_prompt_slot_of_a_wrapping_style(lexicon):
    assert expand(lexicon, prompt="{style:OIL} of a pear").prompt == "oil painting, impasto of a pear"


def test_the_styles_field_wraps_or_appends_like_a1111(lexicon):
    r = expand(lexicon, prompt="a pear", negative_prompt="blurry", styles=["oil", "noir"])
    assert r.prompt == "oil painting, a pear, impasto, film noir, high contrast"
    assert r.negative_prompt == "blurry, photo, 3d, colour"
    assert (r.steps, r.guidance, r.sampler, r.width, r.height) == (30, 5.5, "euler", 512, 768)
    assert list(r.styles) == ["oil", "noir"]


def test_a_requests_own_parameters_win_over_a_styles(lexicon):
    r = expand(lexicon, prompt="x", styles=["noir"], steps=12, width=64, height=64)
    assert (r.steps, r.width, r.height, r.guidance) == (12, 64, 64, 5.5)
    canvas = expand(lexicon, prompt="x", styles=["noir"], canvas=pb.CanvasRequest(document_width=100))
    assert (canvas.width, canvas.height) == (0, 0)  # a canvas decides the size


def test_unknown_names_are_refused_with_field_and_position(lexicon):
    with pytest.raises(InvalidArgument) as err:
        expand(lexicon, prompt="a cat {style:oli} here")
    assert err.value.field == "prompt"
    assert "unknown style 'oli'" in err.value.message and "at character 6" in err.value.message
    assert "noir, oil" in err.value.message  # what exists
    with pytest.raises(InvalidArgument) as err:
        expand(lexicon, prompt="x", styles=["oil", "nope"])
    assert err.value.field == "styles[1]"
    with pytest.raises(InvalidArgument) as err:
        expand(lexicon, prompt="ok", negative_prompt="{style:oil} {style:missing")
    assert err.value.field == "negative_prompt" and "character 12 is not closed" in err.value.message


def test_a_request_without_styles_is_left_alone(lexicon):
    request = pb.GenerateRequest(prompt="{braces} and style: words")
    assert lexicon.expand(request) is request


@pytest.mark.parametrize("style, field", [(apb.Style(name=""), "name"), (apb.Style(name="a{b}"), "name"),
                                          (apb.Style(name="x" * 65), "name"), (apb.Style(name="s", steps=-1), "steps"),
                                          (apb.Style(name="s", guidance=101), "guidance")])
def test_bad_styles_are_refused(lexicon, style, field):
    with pytest.raises(InvalidArgument) as err:
        lexicon.put(style)
    assert err.value.field == field


def test_delete_and_replace(lexicon):
    lexicon.put(apb.Style(name="Oil", prompt="new"))  # names ignore case: this replaces "oil"
    assert [s.name for s in lexicon.list()] == ["noir", "Oil"]
    assert lexicon.put(apb.Style(name="noir", prompt="x"), replace=False) is False
    lexicon.delete("NOIR")
    with pytest.raises(NotFound):
        lexicon.delete("noir")


def test_a1111_csv_imports(lexicon):
    styles = styles_io.parse(A1111_CSV)
    assert [s.name for s in styles] == ["Cinematic", "Oil painting"]
    assert styles[0].prompt == "cinematic still {prompt} . emotional, harmonious, vignette"
    assert styles[0].negative_prompt == "anime, cartoon, graphic"
    for s in styles:
        lexicon.put(s)
    r = expand(lexicon, prompt="a fox", styles=["cinematic"])
    assert r.prompt == "cinematic still a fox . emotional, harmonious, vignette"


def test_export_and_import_round_trip_in_both_formats(lexicon):
    styles = lexicon.list()
    again = styles_io.parse(styles_io.export(styles, "json"))
    assert again == styles  # every field, parameters included
    from_csv = styles_io.parse(styles_io.export(styles, "csv"), "csv")
    assert [(s.name, s.prompt, s.negative_prompt) for s in from_csv] == \
           [(s.name, s.prompt, s.negative_prompt) for s in styles]


@pytest.mark.parametrize("text, fmt, words", [("{not json", "json", "not valid JSON"),
                                              ("prompt,negative\nx,y\n", "csv", "header row"),
                                              ('{"styles": [{"name": "a", "colour": 1}]}', "json", "colour"),
                                              ("a", "yaml", "use 'json' or 'csv'")])
def test_bad_style_files_say_what_is_wrong(text, fmt, words):
    with pytest.raises(InvalidArgument, match=words):
        styles_io.parse(text, fmt)
