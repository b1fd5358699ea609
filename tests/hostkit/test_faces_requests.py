"""The host kit's face requests: what a host's "Restore faces" / "Re-render faces" sends."""

from __future__ import annotations

import pytest

from underpaint_kit import faces, requests
from underpaint_kit.protocol import pb


def _image():
    return requests.rgba_image(2, 2, bytes(16))


def test_restore_faces_is_a_finish_job_on_the_image():
    r = faces.restore_faces_request(image=_image(), model="GFPGANv1.4", visibility=0.8, client="krita")
    assert r.type == pb.JOB_TYPE_FINISH and r.client == "krita" and r.init_image.width == 2
    (step,) = r.finishing
    o = step.restore_faces
    assert o.model == "GFPGANv1.4" and o.visibility == pytest.approx(0.8)
    assert not o.HasField("fidelity")  # absent = the daemon's default (0.5), not 0 = best quality


def test_rerender_faces_on_a_canvas_carries_prompt_and_options():
    canvas = requests.canvas_request("fill", (100, 80), bytes(100 * 80 * 4), (0, 0, 100, 80)).canvas
    r = faces.rerender_faces_request("a smiling face", canvas=canvas, strength=0.5, padding=48, seed=7)
    assert r.type == pb.JOB_TYPE_FINISH and r.prompt == "a smiling face" and r.seed == 7
    assert r.HasField("canvas") and not r.HasField("init_image")
    o = r.finishing[0].rerender_faces
    assert o.strength == pytest.approx(0.5) and o.padding == 48


def test_face_steps_follow_a_generation_rerender_first():
    r = faces.add_face_steps(requests.generate_request("a portrait"), restore=True, rerender=True,
                             restorer="codeformer")
    assert [s.WhichOneof("step") for s in r.finishing] == ["rerender_faces", "restore_faces"]
    assert r.finishing[1].restore_faces.model == "codeformer"


@pytest.mark.parametrize("call, field", [
    (lambda: faces.restore_faces_request(), "image, canvas"),
    (lambda: faces.restore_faces_request(image=_image(), visibility=1.5), "visibility"),
    (lambda: faces.restore_faces_request(image=_image(), fidelity=-1), "fidelity"),
    (lambda: faces.rerender_faces_request("x", image=_image(), strength=2), "strength"),
    (lambda: faces.rerender_faces_request("x", image=_image(), padding=-4), "padding"),
])
def test_bad_arguments_name_themselves(call, field):
    with pytest.raises(ValueError, match=f"^{field}:"):
        call()


def test_pickers_split_the_add_ons_by_type():
    response = pb.ListModelsResponse(add_ons=[
        pb.AddOn(id="gfpgan", type="face_restorer"), pb.AddOn(id="codeformer", type="face_restorer",
                                                               license="non-commercial"),
        pb.AddOn(id="haar-frontalface", type="face_detector"), pb.AddOn(id="lora1", type="lora")])
    assert [a.id for a in faces.face_restorers(response)] == ["gfpgan", "codeformer"]
    assert [a.id for a in faces.face_detectors(response)] == ["haar-frontalface"]
