"""Faces through a real daemon: DetectFaces over gRPC and Connect, the face add-ons in ListModels,
and the face steps inside GENERATE jobs (generate -> re-render / restore faces in one job)."""

from __future__ import annotations

import sys

import grpc
import numpy as np
import pytest
from PIL import Image

from underpaint.v1 import underpaint_pb2 as pb

from ..daemon.helpers import gray_image, pixels, request, rgba_image, run_job

SIZE = 256


@pytest.fixture(scope="module")
def portrait(astronaut) -> np.ndarray:
    """The astronaut at 256 px: her face is about 47 px wide, big enough for the cascade."""
    return np.asarray(Image.fromarray(astronaut).resize((SIZE, SIZE), Image.LANCZOS))


def _inpaint_corner(portrait, **fields) -> pb.GenerateRequest:
    """A generation whose picture keeps the portrait (only a corner is inpainted, bit-exact
    elsewhere), so the face steps have a face to work on in the generated image."""
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[-16:, -16:] = 255
    return request(prompt="a portrait", width=SIZE, height=SIZE, init_image=rgba_image(portrait),
                   mask=gray_image(mask), strength=1.0, **fields)


def _outside(face: pb.FaceBox, reach: int) -> np.ndarray:
    keep = np.ones((SIZE, SIZE), bool)
    keep[max(0, face.y - reach):face.y + face.height + reach, max(0, face.x - reach):face.x + face.width + reach] = False
    return keep


def test_detect_faces_over_grpc(faces_client, astronaut):
    response = faces_client.call(faces_client.stub.DetectFaces, pb.DetectFacesRequest(image=rgba_image(astronaut)))
    assert response.detector == "haar-frontalface"
    assert len(response.faces) == 1
    f = response.faces[0]
    assert abs(f.x - 177) <= 6 and abs(f.y - 67) <= 6 and abs(f.width - 93) <= 8 and f.score > 0.95


def test_detect_faces_through_the_host_kit_over_connect(faces_daemon, astronaut):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "plugins" / "common"))
    import underpaint_kit as kit

    daemon = kit.Daemon(faces_daemon.http)
    try:
        image = kit.requests.rgba_image(SIZE * 2, SIZE * 2, np.dstack([astronaut, np.full((512, 512), 255, np.uint8)]).tobytes())
        response = daemon.detect_faces(image)
        assert [(f.x, f.y) for f in response.faces] == [(177, 66)]
        with pytest.raises(kit.RequestRejected) as err:
            daemon.detect_faces(kit.requests.rgba_image(1, 1, b"\0\0\0\xff"))
        assert err.value.code == "invalid_argument" and "image: is 1x1" in err.value.message
    finally:
        daemon.close()


@pytest.mark.parametrize("fields, code, start", [
    (dict(image=pb.Image(width=1, height=1, format=pb.PIXEL_FORMAT_RGBA8, data=b"\0\0\0\xff")),
     grpc.StatusCode.INVALID_ARGUMENT, "image: is 1x1; faces can be found in images of at least 24x24"),
    (dict(min_confidence=2.0), grpc.StatusCode.INVALID_ARGUMENT, "min_confidence: 2 is out of range; allowed 0 to 1"),
    (dict(detector="retinaface"), grpc.StatusCode.NOT_FOUND, "detector: face detector 'retinaface' is not installed"),
    (dict(image=None), grpc.StatusCode.INVALID_ARGUMENT, "image: is missing"),
])
def test_bad_detect_requests_name_the_field(faces_client, astronaut, fields, code, start):
    base = dict(image=rgba_image(astronaut[:64, :64]))
    base.update(fields)
    req = pb.DetectFacesRequest(**{k: v for k, v in base.items() if v is not None})
    with pytest.raises(grpc.RpcError) as err:
        faces_client.stub.DetectFaces(req)
    assert err.value.code() == code
    assert err.value.details().startswith(start)
    assert faces_client.info().protocol_major == 1  # still serving


def test_models_lists_restorers_and_detectors_and_capabilities(faces_client):
    response = faces_client.models()
    add_ons = {(a.type, a.id): a for a in response.add_ons}
    gfpgan = add_ons[("face_restorer", "gfpgan-demo")]
    assert gfpgan.is_demo and "random weights" in gfpgan.description and gfpgan.license == ""
    assert ("face_detector", "haar-frontalface") in add_ons
    assert "gfpgan-demo" not in [m.id for m in response.models]  # an add-on, not a diffusion model
    assert {"face_detect", "face_restore", "face_rerender"} <= set(faces_client.info().capabilities)


def test_generate_then_rerender_faces_in_one_job_changes_only_the_faces(faces_client, portrait):
    _, _, (plain,), finished = run_job(faces_client, _inpaint_corner(portrait))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED
    step = pb.FinishingStep(rerender_faces=pb.RerenderFacesOptions(prompt="a detailed face"))
    _, events, (result,), finished = run_job(faces_client, _inpaint_corner(portrait, finishing=[step]))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    assert len(result.faces) == 1 and result.note == ""
    face = result.faces[0]
    before, after = pixels(plain.image), pixels(result.image)
    # Bit-exact beyond the feathered mask (box + dilate 4 + 2 x mask blur 4) ...
    keep = _outside(face, 4 + 2 * 4)
    assert np.array_equal(after[keep], before[keep])
    # ... and the face itself was redrawn.
    inside = after[face.y:face.y + face.height, face.x:face.x + face.width]
    assert np.abs(inside.astype(int) - before[face.y:face.y + face.height, face.x:face.x + face.width]).mean() > 5
    # Progress per face, in order, ending at 1; then the result.
    fractions = [e.activity.fraction for e in events if e.HasField("activity") and e.activity.kind == "faces"]
    assert len(fractions) >= 3 and fractions == sorted(fractions) and fractions[-1] == 1.0
    kinds = [e.WhichOneof("kind") for e in events]
    assert kinds.index("result") > max(i for i, k in enumerate(kinds) if k == "activity")
    assert result.parameters.finishing[0].rerender_faces.prompt == "a detailed face"


def test_generate_then_restore_faces_blends_a_restored_face(faces_client, portrait):
    _, _, (plain,), _ = run_job(faces_client, _inpaint_corner(portrait, seed=7))
    step = pb.FinishingStep(restore_faces=pb.RestoreFacesOptions(visibility=0.5))
    _, events, (result,), finished = run_job(faces_client, _inpaint_corner(portrait, seed=7, finishing=[step]))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    (face,) = result.faces
    before, after = pixels(plain.image), pixels(result.image)
    keep = _outside(face, face.width)  # the aligned crop spans 1.75 face widths around the face
    assert np.array_equal(after[keep], before[keep])
    assert not np.array_equal(after, before)
    messages = [e.activity.message for e in events if e.HasField("activity")]
    assert "loading face restorer gfpgan-demo" in messages and "restored 1 face" in messages


def test_no_face_leaves_the_image_as_it_was_with_a_note(faces_client):
    plain = run_job(faces_client, request(seed=3))[2][0]
    steps = [pb.FinishingStep(rerender_faces=pb.RerenderFacesOptions()),
             pb.FinishingStep(restore_faces=pb.RestoreFacesOptions())]
    _, _, (result,), finished = run_job(faces_client, request(seed=3, finishing=steps))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED
    assert result.note == "no faces found" and len(result.faces) == 0
    assert result.image.data == plain.image.data


@pytest.mark.parametrize("step, code, start", [
    (pb.FinishingStep(restore_faces=pb.RestoreFacesOptions(model="GFPGANv9")), grpc.StatusCode.NOT_FOUND,
     "finishing[0].restore_faces.model: face restorer 'GFPGANv9' is not installed; installed: gfpgan-demo"),
    (pb.FinishingStep(restore_faces=pb.RestoreFacesOptions(visibility=1.5)), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].restore_faces.visibility: 1.5 is out of range; allowed 0 to 1"),
    (pb.FinishingStep(restore_faces=pb.RestoreFacesOptions(fidelity=-0.1)), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].restore_faces.fidelity"),
    (pb.FinishingStep(rerender_faces=pb.RerenderFacesOptions(strength=1.5)), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].rerender_faces.strength: 1.5 is out of range"),
    (pb.FinishingStep(rerender_faces=pb.RerenderFacesOptions(padding=-1)), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].rerender_faces.padding: -1 is out of range; allowed 0 to 1024"),
    (pb.FinishingStep(rerender_faces=pb.RerenderFacesOptions(min_confidence=float("nan"))),
     grpc.StatusCode.INVALID_ARGUMENT, "finishing[0].rerender_faces.min_confidence"),
    (pb.FinishingStep(), grpc.StatusCode.INVALID_ARGUMENT, "finishing[0]: is empty"),
])
def test_bad_face_steps_are_refused_at_submit(faces_client, step, code, start):
    with pytest.raises(grpc.RpcError) as err:
        faces_client.stub.Submit(request(finishing=[step]))
    assert err.value.code() == code
    assert err.value.details().startswith(start)


def test_cancel_stops_a_rerender_within_a_step(faces_client, portrait):
    step = pb.FinishingStep(rerender_faces=pb.RerenderFacesOptions(strength=1.0, steps=150))
    job = faces_client.submit(_inpaint_corner(portrait, finishing=[step]))
    seen_after_cancel = 0
    cancelled = False
    events = []
    for event in faces_client.watch(job.id):
        events.append(event)
        if cancelled and event.HasField("activity") and "re-rendering" in event.activity.message:
            seen_after_cancel += 1
        if not cancelled and event.HasField("activity") and event.activity.fraction > 0 \
                and "re-rendering" in event.activity.message:
            faces_client.cancel(job.id)
            cancelled = True
    assert events[-1].finished.status == pb.JOB_STATUS_CANCELLED
    assert not any(e.HasField("result") for e in events)
    assert seen_after_cancel <= 2  # the step under way may report once more, then it stops
