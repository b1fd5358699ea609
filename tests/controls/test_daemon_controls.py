"""Controls through a real daemon over gRPC: ControlNets listed with their family, a control
that steers the generation in every mode, strength 0 that changes nothing bit for bit, several
controls at once, and bad controls refused before queueing, naming the field."""

from __future__ import annotations

import shutil

import grpc
import numpy as np
import pytest

from underpaint.client import Client
from underpaint.models.demo_addons import CONTROLNET_NAME
from underpaint.models.demo_ip_adapter import IP_ADAPTER_NAME
from underpaint.testing import DaemonProcess
from underpaint.v1 import underpaint_pb2 as pb

from ..daemon.helpers import gray_image, pixels, request, rgba_image, run_job
from .control_files import diffusers_controlnet_header, t2i_adapter

DEMO_META = {"underpaint.demo": "true"}


@pytest.fixture(scope="module")
def models_dir(demo_models_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("control-models")
    for item in demo_models_dir.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, root / item.name)
    # a demo ControlNet for SDXL: "an SDXL ControlNet on an SD 1.5 model"
    diffusers_controlnet_header(root / "controlnet" / "diffusers_xl_depth_mid.safetensors", 2048, DEMO_META)
    t2i_adapter(root / "controlnet" / "t2iadapter_canny_sd15v2.safetensors")
    return root


@pytest.fixture(scope="module")
def client(models_dir, tmp_path_factory):
    process = DaemonProcess(models_dir, tmp_path_factory.mktemp("control-daemon")).start()
    try:
        with Client(process.grpc) as c:
            yield c
    finally:
        process.stop()


def square(size: int = 64) -> np.ndarray:
    """Dark lines of a square on white paper, as drawn."""
    img = np.full((size, size, 3), 255, np.uint8)
    img[16:48, 16] = img[16:48, 47] = img[16, 16:48] = img[47, 16:48] = 0
    return img


def control(kind: str = "scribble", image=None, **fields) -> pb.Control:
    return pb.Control(type=kind, image=rgba_image(square() if image is None else image), **fields)


def generate(client, **fields):
    fields.setdefault("model", "underpaint-demo")
    job, events, results, finished = run_job(client, request(steps=3, **fields))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    return pixels(results[0].image), results[0]


def test_controlnets_are_listed_with_their_family(client):
    listing = client.models(rescan=True)
    controlnets = {a.id: a for a in listing.add_ons if a.type == "controlnet"}
    assert controlnets[CONTROLNET_NAME].architecture == "sd15"
    assert controlnets[CONTROLNET_NAME].is_demo
    assert controlnets["diffusers_xl_depth_mid"].architecture == "sdxl"
    assert controlnets["diffusers_xl_depth_mid"].control_type == "depth"
    unusable = {u.id: u.reason for u in listing.unusable}
    assert "T2I-Adapter" in unusable["t2iadapter_canny_sd15v2"]
    reference = [a for a in listing.add_ons if a.type == "ipadapter"]
    assert [(a.id, a.architecture) for a in reference] == [(IP_ADAPTER_NAME, "sd15")]
    assert {"controls", "reference_images"} <= set(client.info().capabilities)


@pytest.mark.parametrize("mode", ["txt2img", "img2img", "inpaint"])
def test_a_control_steers_and_strength_zero_changes_nothing(client, mode):
    fields = {}
    if mode != "txt2img":
        init = np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8)
        fields["init_image"] = rgba_image(init)
        fields["strength"] = 0.8
    if mode == "inpaint":
        mask = np.zeros((64, 64), np.uint8)
        mask[8:56, 8:56] = 255
        fields["mask"] = gray_image(mask)
    plain, _ = generate(client, **fields)
    off, _ = generate(client, controls=[control(strength=0.0)], **fields)
    on, result = generate(client, controls=[control()], **fields)
    assert np.array_equal(off, plain)  # strength 0: bit for bit the job without the control
    assert np.abs(on.astype(int) - plain).mean() > 1.0
    assert (f'ControlNet 0: "Module: scribble_xdog, Model: {CONTROLNET_NAME}, Weight: 1, '
            'Resize Mode: Crop and Resize, Guidance Start: 0, Guidance End: 1"') in result.parameters.infotext
    if mode == "inpaint":  # the kept pixels stay kept with a control too
        assert np.array_equal(on[:8, :, :3], init[:8])


def test_several_controls_and_the_schedule_range_count(client):
    one, _ = generate(client, controls=[control()])
    two, _ = generate(client, controls=[control(), control("canny", np.rot90(square()).copy(), strength=0.7)])
    late, _ = generate(client, controls=[control(start=0.6)])
    assert not np.array_equal(one, two)
    assert not np.array_equal(one, late)
    again, _ = generate(client, controls=[control()])
    assert np.array_equal(again, one)  # same request, same image: no state left from the jobs between


def test_a_reference_image_steers_and_comes_off_the_model_afterwards(client):
    """IP-Adapter: the reference changes the image, strength 0 changes nothing, and the job after
    it (with and without a ControlNet) is bit for bit what it was before."""
    photo = np.random.default_rng(9).integers(0, 256, (40, 56, 3), dtype=np.uint8)  # any size
    plain, _ = generate(client)
    with_control, _ = generate(client, controls=[control()])
    off, _ = generate(client, controls=[control("reference", photo, strength=0.0)])
    on, _ = generate(client, controls=[control("reference", photo)])
    both, _ = generate(client, controls=[control(), control("reference", photo, strength=0.5)])
    assert np.array_equal(off, plain)
    assert np.abs(on.astype(int) - plain).mean() > 1.0
    assert not np.array_equal(both, with_control)
    assert np.array_equal(generate(client)[0], plain)
    assert np.array_equal(generate(client, controls=[control()])[0], with_control)


def test_a_control_on_a_canvas_follows_the_document(client):
    """A control layer placed at (x, y) in the document steers a canvas fill; moved off the work
    area it is transparent there and steers differently."""
    doc = np.random.default_rng(5).integers(0, 256, (96, 96, 4), dtype=np.uint8)
    doc[..., 3] = 255
    selection = np.zeros((96, 96), np.uint8)
    selection[24:72, 24:72] = 255
    canvas = pb.CanvasRequest(document_width=96, document_height=96, region=rgba_image(doc),
                              selection=gray_image(selection), operation=pb.CANVAS_OPERATION_FILL)
    base = dict(width=0, height=0, canvas=canvas)
    plain, _ = generate(client, **base)
    on, _ = generate(client, controls=[control(x=16, y=16)], **base)
    moved, _ = generate(client, controls=[control(x=16, y=40)], **base)
    assert not np.array_equal(on, plain)
    assert not np.array_equal(on, moved)


@pytest.mark.parametrize("fields,code,field,words", [
    ({"controls": [pb.Control(type="sparkles", image=rgba_image(square()))]}, "INVALID_ARGUMENT",
     "controls[0].type", "not a control type"),
    ({"controls": [control(strength=2.5)]}, "INVALID_ARGUMENT", "controls[0].strength", "allowed 0 to 2"),
    ({"controls": [control(start=0.7, end=0.3)]}, "INVALID_ARGUMENT", "controls[0].end", "greater than start"),
    ({"controls": [control(), pb.Control(type="canny")]}, "INVALID_ARGUMENT", "controls[1].image", "missing"),
    ({"controls": [control(model="diffusers_xl_depth_mid")]}, "INVALID_ARGUMENT", "controls[0].model",
     "made for SDXL"),
    ({"controls": [control(model="nope")]}, "INVALID_ARGUMENT", "controls[0].model", "no ControlNet named"),
    ({"controls": [control(preprocessor="depth")]}, "FAILED_PRECONDITION", "controls[0].preprocessor",
     "estimator"),
    ({"controls": [control(x=5)]}, "INVALID_ARGUMENT", "controls[0].x", "canvas"),
    ({"controls": [control()], "type": pb.JOB_TYPE_FINISH, "init_image": rgba_image(square()),
      "finishing": [pb.FinishingStep(upscale=pb.UpscaleOptions(scale=2))]}, "INVALID_ARGUMENT", "controls",
     "FINISH job"),
    ({"controls": [control("reference", start=0.5)]}, "INVALID_ARGUMENT", "controls[0].start", "whole schedule"),
    ({"controls": [control("reference", model=CONTROLNET_NAME)]}, "INVALID_ARGUMENT", "controls[0].model",
     "no IP-Adapter named"),
])
def test_bad_controls_are_refused_at_submit(client, fields, code, field, words):
    with pytest.raises(grpc.RpcError) as err:
        client.stub.Submit(request(model="underpaint-demo", **fields))
    assert err.value.code() == getattr(grpc.StatusCode, code)
    assert err.value.details().startswith(field) and words in err.value.details(), err.value.details()
    assert client.models().models  # still serving

