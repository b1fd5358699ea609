"""Upscaling through a real daemon over gRPC: FINISH jobs on an image (network, Lanczos, target
size, alpha), generate -> upscale in one job, diffusion upscale with per-tile progress and a
seam pass, cancel within one tile, canvas areas, and refusals that name the field."""

from __future__ import annotations

import threading

import grpc
import numpy as np
import pytest

from underpaint.finishing.upscale_model import network_upscale
from underpaint.v1 import underpaint_pb2 as pb

from ..daemon.helpers import gray_image, pixels, request, rgba_image, run_job


def finish(image: np.ndarray, finishing=None, **fields) -> pb.GenerateRequest:
    finishing = finishing if finishing is not None else [pb.FinishingStep(upscale=pb.UpscaleOptions(model="esrgan-demo-x4"))]
    return pb.GenerateRequest(type=pb.JOB_TYPE_FINISH, init_image=rgba_image(image), finishing=finishing,
                              client="tests", **fields)


def upscale_step(**options) -> pb.FinishingStep:
    return pb.FinishingStep(upscale=pb.UpscaleOptions(**options))


def test_models_lists_the_upscaler_with_its_scale_and_getinfo_the_capabilities(upscale_client):
    add_ons = {(a.type, a.id): a for a in upscale_client.models().add_ons}
    esrgan = add_ons[("upscaler", "esrgan-demo-x4")]
    assert esrgan.scale == 4 and esrgan.is_demo and "ESRGAN" in esrgan.description
    assert {"finish", "upscale", "upscale_model", "upscale_diffusion"} <= set(upscale_client.info().capabilities)


def test_network_upscale_is_the_network_output_with_progress_per_tile(upscale_client, photo, demo_esrgan):
    job, events, results, finished = run_job(upscale_client, finish(photo))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    (result,) = results
    assert (result.image.width, result.image.height) == (320, 240)
    # The daemon's tiled result equals one untiled pass of the same network on this side.
    expected = network_upscale(demo_esrgan, "cpu", photo, 320, 240, tile=10_000)
    assert np.abs(pixels(result.image)[..., :3].astype(int) - expected).max() <= 1
    progress = [e.progress for e in events if e.HasField("progress")]
    assert progress and progress[-1].step == progress[-1].total_steps
    assert [p.step for p in progress] == sorted(p.step for p in progress)
    assert any("upscaling 80x60 to 320x240 with esrgan-demo-x4" in e.activity.message for e in events)
    assert result.parameters.type == pb.JOB_TYPE_FINISH and result.parameters.finishing[0].upscale.model


def test_lanczos_by_default_and_a_target_size(upscale_client, photo):
    *_, results, finished = run_job(upscale_client, finish(photo, [upscale_step()]))
    assert (results[0].image.width, results[0].image.height) == (160, 120)   # Lanczos x2
    *_, results, finished = run_job(upscale_client, finish(photo, [upscale_step(model="esrgan-demo-x4",
                                                                                   width=200, height=100)]))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED and (results[0].image.width, results[0].image.height) == (200, 100)


def test_alpha_is_upscaled_and_transparent_pixels_stay_transparent(upscale_client, photo):
    rgba = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    rgba[:, 40:, 3] = 0
    *_, results, finished = run_job(upscale_client, finish(rgba, [upscale_step(model="esrgan-demo-x4")]))
    out = pixels(results[0].image)
    assert out[:, :150, 3].min() >= 200 and out[:, 170:, 3].max() <= 55


def test_generate_then_upscale_in_one_job(upscale_client):
    req = request(finishing=[upscale_step(scale=2)])
    *_, results, finished = run_job(upscale_client, req)
    assert finished.status == pb.JOB_STATUS_SUCCEEDED
    assert (results[0].image.width, results[0].image.height) == (128, 128)
    plain = run_job(upscale_client, request())[2][0]
    from underpaint.finishing.upscale_model import lanczos_upscale

    # The step ran on the generated image: the same seed's image, upscaled.
    assert np.array_equal(pixels(results[0].image)[..., :3], lanczos_upscale(pixels(plain.image)[..., :3], 128, 128))


def test_diffusion_upscale_rerenders_tile_by_tile_with_a_seam_pass(upscale_client, photo):
    step = upscale_step(diffusion=True, strength=0.5, tile_size=64, seam_pass=True)   # x2 Lanczos, then re-render
    job, events, results, finished = run_job(upscale_client, finish(photo, [step], prompt="a cup", steps=4, seed=3))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    out = pixels(results[0].image)[..., :3]
    assert out.shape == (120, 160, 3)
    progress = [e.progress for e in events if e.HasField("progress")]
    # 3 x 2 tiles of about 64 px, then 7 seam bands (2 x 2 vertical, 3 horizontal)
    assert progress[-1].total_steps == 6 + 7 and progress[-1].step == 13
    assert any("(seams)" in e.activity.message for e in events)
    from underpaint.finishing.upscale_model import lanczos_upscale

    assert not np.array_equal(out, lanczos_upscale(photo, 160, 120))   # the model re-rendered it
    assert results[0].parameters.model and "Steps: 4" in results[0].parameters.infotext


def test_cancel_stops_a_diffusion_upscale_within_one_tile(upscale_client, photo):
    step = upscale_step(diffusion=True, strength=1.0, tile_size=64)
    job = upscale_client.submit(finish(photo, [step], steps=8))
    events = []
    for event in upscale_client.watch(job.id):
        events.append(event)
        if event.HasField("progress") and event.progress.step == 1:
            upscale_client.cancel(job.id)
    assert events[-1].finished.status == pb.JOB_STATUS_CANCELLED
    steps = [e.progress.step for e in events if e.HasField("progress")]
    assert max(steps) <= 2 and not any(e.HasField("result") for e in events)


def test_canvas_selection_is_upscaled_with_its_placement(upscale_client, photo):
    document = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    selection = np.zeros((20, 30), np.uint8)
    selection[:, :] = 255
    canvas = pb.CanvasRequest(document_width=80, document_height=60, region=rgba_image(document),
                              selection=gray_image(selection), selection_x=10, selection_y=8)
    req = pb.GenerateRequest(type=pb.JOB_TYPE_FINISH, canvas=canvas, finishing=[upscale_step(scale=2)])
    *_, results, finished = run_job(upscale_client, req)
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    r = results[0]
    assert (r.image.width, r.image.height, r.x, r.y) == (60, 40, 20, 16)
    assert (r.document_width, r.document_height) == (160, 120)
    from underpaint.finishing.upscale_model import lanczos_upscale

    assert np.array_equal(pixels(r.image)[..., :3], lanczos_upscale(photo[8:28, 10:40], 60, 40))


@pytest.mark.parametrize("req,code,start", [
    (lambda img: finish(img, [upscale_step(model="RealESRGAN_x9")]), grpc.StatusCode.NOT_FOUND,
     "finishing[0].upscale.model: upscaler 'RealESRGAN_x9' is not installed; installed: esrgan-demo-x4"),
    (lambda img: finish(img, [upscale_step(scale=17)]), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].upscale.scale: 17 is out of range; allowed above 1 up to 16"),
    (lambda img: finish(img, [upscale_step(scale=1)]), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].upscale.scale: 1 is out of range"),
    (lambda img: finish(img, [upscale_step(scale=-2)]), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].upscale.scale: -2 is out of range"),
    (lambda img: finish(img, [upscale_step(width=300)]), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].upscale.width: give both width and height"),
    (lambda img: finish(img, [upscale_step(strength=0.3)]), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].upscale.strength: only applies with diffusion"),
    (lambda img: finish(img, [upscale_step(diffusion=True, tile_size=9)]), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].upscale.tile_size: 9 is out of range; allowed 64 to 2048"),
    (lambda img: finish(img[:1, :1]), grpc.StatusCode.INVALID_ARGUMENT,
     "init_image: is 1x1; finishing needs at least 8x8 pixels"),
    (lambda img: finish(img, []), grpc.StatusCode.INVALID_ARGUMENT, "finishing: a FINISH job needs at least one step"),
    (lambda img: finish(img, strength=0.5), grpc.StatusCode.INVALID_ARGUMENT, "strength: does not apply to a FINISH job"),
    (lambda img: pb.GenerateRequest(type=pb.JOB_TYPE_FINISH, finishing=[upscale_step()]),
     grpc.StatusCode.INVALID_ARGUMENT, "init_image: a FINISH job needs the picture"),
    (lambda img: request(finishing=[upscale_step(scale=16)], width=1024, height=1024), grpc.StatusCode.INVALID_ARGUMENT,
     "finishing[0].upscale.scale: 1024x1024 would become 16384x16384"),
])
def test_bad_upscale_requests_are_refused_at_submit_naming_the_field(upscale_client, photo, req, code, start):
    with pytest.raises(grpc.RpcError) as err:
        upscale_client.stub.Submit(req(photo))
    assert err.value.code() == code
    assert err.value.details().startswith(start), err.value.details()


def test_an_image_over_the_canvas_limit_is_refused_before_decoding(upscale_client):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8200, 8200), (9, 9, 9)).save(buf, "PNG", compress_level=9)   # ~ 200 KB on the wire
    big = pb.Image(width=8200, height=8200, format=pb.PIXEL_FORMAT_PNG, data=buf.getvalue())
    req = pb.GenerateRequest(type=pb.JOB_TYPE_FINISH, init_image=big, finishing=[upscale_step()])
    with pytest.raises(grpc.RpcError) as err:
        upscale_client.stub.Submit(req)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith("init_image: 8200x8200 is over the limit of 67108864 pixels")
    assert upscale_client.info().daemon_version  # and the daemon keeps serving


def test_the_host_kit_upscales_a_canvas_selection_over_connect(upscale_daemon, photo):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins" / "common"))
    import underpaint_kit as kit

    daemon = kit.Daemon(upscale_daemon.http)
    try:
        document = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
        canvas = pb.CanvasRequest(document_width=80, document_height=60, region=rgba_image(document))
        progress = []
        runner = kit.JobRunner(daemon, kit.upscale.upscale_request(canvas=canvas, model="esrgan-demo-x4", client="kit"),
                               on_progress=lambda step, total, preview: progress.append((step, total)))
        outcome = runner.run()
        assert outcome.ok, outcome.message
        (r,) = outcome.results
        assert (r.image.width, r.image.height, r.x, r.y, r.document_width, r.document_height) == (320, 240, 0, 0, 320, 240)
        assert progress and progress[-1][0] == progress[-1][1]
        assert [a.id for a in kit.upscale.upscalers(daemon.list_models())] == ["esrgan-demo-x4"]
    finally:
        daemon.close()
