"""Where the faces found are reported: in the returned image's pixels, or the document's."""

from __future__ import annotations

from types import SimpleNamespace

from underpaint.finishing import annotate_result
from underpaint.finishing.faces_detect import Face
from underpaint.finishing.faces_result import note_faces
from underpaint.v1 import underpaint_pb2 as pb


class _Ctx:
    def __init__(self):
        self._facts = {}

    def annotations(self, index):
        return self._facts.setdefault(index, {})


def test_faces_follow_an_upscale_after_detection():
    ctx = _Ctx()
    note_faces(ctx, 0, [Face(10, 20, 30, 40, 0.9)], (100, 200, 3))
    result = pb.Result()
    annotate_result(ctx, 0, result, 400, 200)  # the image was doubled after the face step
    (f,) = result.faces
    assert (f.x, f.y, f.width, f.height) == (20, 40, 60, 80) and f.score > 0.89
    assert result.note == ""


def test_canvas_faces_are_in_document_pixels():
    ctx = _Ctx()
    note_faces(ctx, 0, [Face(32, 16, 8, 8, 0.5)], (64, 64, 3))
    plan = SimpleNamespace(work_x=100, work_y=50, work_width=256, work_height=256)
    result = pb.Result()
    annotate_result(ctx, 0, result, 64, 64, plan)  # 64 px generated for a 256 px work area
    (f,) = result.faces
    assert (f.x, f.y, f.width, f.height) == (100 + 128, 50 + 64, 32, 32)


def test_the_note_is_said_once_and_only_for_its_image():
    ctx = _Ctx()
    note_faces(ctx, 0, [], (64, 64, 3))
    note_faces(ctx, 0, [], (64, 64, 3))
    note_faces(ctx, 1, [Face(1, 1, 30, 30, 0.9)], (64, 64, 3))
    first, second = pb.Result(), pb.Result()
    annotate_result(ctx, 0, first, 64, 64)
    annotate_result(ctx, 1, second, 64, 64)
    assert first.note == "no faces found" and len(first.faces) == 0
    assert second.note == "" and len(second.faces) == 1
