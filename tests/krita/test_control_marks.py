"""Control layers as data (no Krita): how marks are kept in the document, replaced, checked, and
how marked layers become controls in a request."""

from __future__ import annotations

import pytest

from underpaint_krita import control_marks, planning
from underpaint_krita.control_marks import ControlMark


def test_marks_survive_encoding_and_junk_is_skipped():
    marks = [ControlMark("{a}", "scribble", 0.8, 0.0, 0.6), ControlMark("{b}", "reference", 0.5)]
    assert control_marks.decode(control_marks.encode(marks)) == marks
    assert control_marks.encode([]) == b""  # no marks: the note is removed
    assert control_marks.decode(b"") == [] and control_marks.decode(b"{not json") == []
    mixed = (b'[{"layer_id": "{a}", "type": "depth"}, {"type": "canny"}, "x", '
             b'{"layer_id": "{c}", "type": "canny", "strength": 7}, {"layer_id": "{d}", "type": "canny", "start": 0.9, "end": 0.1}]')
    assert control_marks.decode(mixed) == [ControlMark("{a}", "depth")]  # missing id, strength 7, end<start: skipped


def test_marking_a_layer_again_updates_its_mark_in_place():
    marks = control_marks.with_mark([], ControlMark("{a}", "scribble"))
    marks = control_marks.with_mark(marks, ControlMark("{b}", "depth", 0.5))
    marks = control_marks.with_mark(marks, ControlMark("{a}", "canny", 1.2, 0.2, 0.9))
    assert marks == [ControlMark("{a}", "canny", 1.2, 0.2, 0.9), ControlMark("{b}", "depth", 0.5)]
    assert control_marks.without_layer(marks, "{a}") == [ControlMark("{b}", "depth", 0.5)]


@pytest.mark.parametrize("mark, field", [
    (ControlMark("{a}", "canny", 2.5), "strength"),
    (ControlMark("{a}", "canny", 1.0, -0.1), "start"),
    (ControlMark("{a}", "canny", 1.0, 0.5, 0.5), "end"),
    (ControlMark("{a}", "", 1.0), "type"),
])
def test_bad_marks_are_refused_naming_the_field(mark, field):
    with pytest.raises(ValueError, match="^%s:" % field):
        control_marks.with_mark([], mark)


def test_descriptions_show_type_strength_and_a_partial_schedule():
    assert ControlMark("{a}", "scribble", 0.8).describe("sketch") == "sketch · scribble 0.80"
    assert ControlMark("{a}", "depth", 1.0, 0.0, 0.6).describe("d") == "d · depth 1.00 (0–60 %)"


def test_offered_types_follow_the_kit_order_with_reference_last():
    offered = {"reference": ["ip"], "depth": ["cn"], "canny": ["cn"]}
    assert control_marks.offered_types(offered) == ["canny", "depth", "reference"]


def test_marked_layers_become_controls_of_a_canvas_request():
    from underpaint_kit import pb

    sketch = bytes(i * 3 % 256 for i in range(8 * 4 * 4))  # 8x4 RGBA
    photo = bytes([9, 8, 7, 255]) * 6  # 3x2 RGBA
    facts = planning.CanvasFacts((64, 48), (4, 6, 8, 4), bytes(8 * 4 * 4))
    facts.controls = [(ControlMark("{a}", "scribble", 0.7, 0.1, 0.8), sketch, (4, 6, 8, 4)),
                      (ControlMark("{b}", "reference", 0.4), photo, (10, 10, 3, 2))]
    request = planning.build_request("refine", planning.PanelSettings(prompt="p", strength=0.5), facts)
    scribble, reference = request.controls
    assert (scribble.type, scribble.x, scribble.y) == ("scribble", 4, 6)
    assert (scribble.strength, round(scribble.start, 3), round(scribble.end, 3)) == (pytest.approx(0.7), 0.1, 0.8)
    assert (scribble.image.width, scribble.image.height, scribble.image.data) == (8, 4, sketch)
    assert scribble.image.format == pb.PIXEL_FORMAT_RGBA8
    # a reference is the layer's picture as a whole, not placed in the document
    assert (reference.type, reference.x, reference.y, reference.image.width) == ("reference", 0, 0, 3)
    assert reference.strength == pytest.approx(0.4) and reference.image.data == photo


def test_controls_are_read_over_the_region_or_the_whole_document():
    assert planning.control_rect(planning.CanvasFacts((64, 48), (4, 6, 8, 4), b"")) == (4, 6, 8, 4)
    assert planning.control_rect(planning.CanvasFacts((64, 48), (0, 0, 0, 0), b"")) == (0, 0, 64, 48)
