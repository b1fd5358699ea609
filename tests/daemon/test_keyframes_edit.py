"""KEYFRAMES and EDIT jobs through the real daemon and the CLI: order, frozen noise, progress per
frame, cancel, and bad input refused by name."""

from __future__ import annotations

import grpc
import numpy as np
import pytest
from PIL import Image

from underpaint.v1 import underpaint_pb2 as pb

from .helpers import pixels, request, rgba_image, run_job
from .test_cli import run_cli


def frame(shift: int = 0, size=(64, 64)) -> np.ndarray:
    h, w = size
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    rgb = (np.stack([x, y, 1 - x * y], axis=2) * 255).astype(np.uint8)
    rgb[20:36, 8 + shift:24 + shift] = (250, 40, 40)  # a red square that moves
    return rgb


def keyframes(**fields) -> pb.GenerateRequest:
    base = dict(type=pb.JOB_TYPE_KEYFRAMES, steps=4, strength=0.5, prompt="ink drawing", seed=21)
    base.update(fields)
    return request(**base)


def test_keyframes_come_back_in_order_with_one_frozen_noise(grpc_client):
    frames = [frame(0), frame(12), frame(0)]
    _, events, results, finished = run_job(grpc_client, keyframes(frames=[rgba_image(f) for f in frames]))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    assert [r.index for r in results] == [0, 1, 2]
    assert {r.seed for r in results} == {21}
    assert all(r.parameters.type == pb.JOB_TYPE_KEYFRAMES and r.parameters.noise.freeze for r in results)
    out = [pixels(r.image) for r in results]
    assert np.array_equal(out[0], out[2])      # same input, same noise: same output
    assert not np.array_equal(out[0], out[1])  # the moved square moves the output
    progress = [e.progress for e in events if e.HasField("progress")]
    assert [p.image_index for p in progress] == [0, 0, 1, 1, 2, 2]  # int(4 x 0.5) steps per frame
    assert [p.step for p in progress] == [1, 2, 3, 4, 5, 6] and {p.total_steps for p in progress} == {6}


def test_a_keyframe_is_the_img2img_of_its_frame_with_frozen_noise(grpc_client):
    f = frame(6)
    _, _, results, _ = run_job(grpc_client, keyframes(frames=[rgba_image(frame(0)), rgba_image(f)]))
    single = run_job(grpc_client, request(init_image=rgba_image(f), steps=4, strength=0.5, prompt="ink drawing",
                                          seed=21, noise=pb.NoiseOptions(freeze=True)))[2][0]
    assert results[1].image.data == single.image.data


def test_cancel_stops_a_keyframes_job_between_steps(grpc_client):
    job = grpc_client.submit(keyframes(frames=[rgba_image(frame(i)) for i in range(3)], steps=150, strength=1.0))
    stream = grpc_client.watch(job.id)
    for event in stream:
        if event.HasField("progress"):
            break
    grpc_client.cancel(job.id)
    rest = list(stream)
    assert rest[-1].finished.status == pb.JOB_STATUS_CANCELLED
    assert not any(e.HasField("result") for e in rest)


@pytest.mark.parametrize("fields,field", [
    (dict(frames=[rgba_image(frame()), rgba_image(frame(size=(64, 96)))]), "frames[1]"),
    (dict(frames=[]), "frames"),
    (dict(frames=[rgba_image(frame())], strength=1.5), "strength"),
    (dict(frames=[rgba_image(frame())], count=2), "count"),
    (dict(frames=[rgba_image(frame())], init_image=rgba_image(frame())), "init_image"),
    (dict(frames=[rgba_image(frame())], noise=pb.NoiseOptions(variation_strength=2)), "noise.variation_strength"),
])
def test_bad_keyframes_are_refused_naming_the_field(grpc_client, fields, field):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(keyframes(**fields))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith(field), err.value.details()
    assert grpc_client.info().protocol_major == 1


def test_frames_on_a_generate_job_are_refused(grpc_client):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(request(frames=[rgba_image(frame())]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and err.value.details().startswith("frames")


def edit(**fields) -> pb.GenerateRequest:
    base = dict(type=pb.JOB_TYPE_EDIT, prompt="a red boat", steps=4, guidance=1.0, seed=5,
                init_image=rgba_image(frame()), edit=pb.EditOptions(source_prompt="a lighthouse"))
    base.update(fields)
    return request(**base)


def test_edit_returns_one_image_with_its_parameters(grpc_client):
    _, events, results, finished = run_job(grpc_client, edit())
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    (result,) = results
    assert result.parameters.type == pb.JOB_TYPE_EDIT and result.parameters.sampler == "ddim"
    assert pixels(result.image).shape == (64, 64, 4)
    progress = [e.progress.step for e in events if e.HasField("progress")]
    assert progress == list(range(1, 9))  # 4 inversion steps, then 4 sampling steps


@pytest.mark.parametrize("fields,code,field", [
    (dict(edit=pb.EditOptions(method="warp")), grpc.StatusCode.INVALID_ARGUMENT, "edit.method"),
    (dict(edit=pb.EditOptions(method="reverse_euler")), grpc.StatusCode.UNIMPLEMENTED, "edit.method"),
    (dict(init_image=None), grpc.StatusCode.INVALID_ARGUMENT, "init_image"),
    (dict(strength=-0.5), grpc.StatusCode.INVALID_ARGUMENT, "strength"),
    (dict(type=pb.JOB_TYPE_GENERATE), grpc.StatusCode.INVALID_ARGUMENT, "edit"),
])
def test_bad_edits_are_refused_naming_the_field(grpc_client, fields, code, field):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(edit(**fields))
    assert err.value.code() == code
    assert err.value.details().startswith(field), err.value.details()


def test_cli_keyframes_writes_one_png_per_frame_by_name(daemon, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(2):
        Image.fromarray(frame(8 * i)).save(folder / f"shot_{i:03d}.png")
    out = tmp_path / "out"
    res = run_cli(daemon, "keyframes", str(folder), "--prompt", "ink", "--strength", "0.5", "--steps", "4",
                  "--seed", "3", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["shot_000.png", "shot_001.png"]
    assert "Frozen noise: True" in Image.open(out / "shot_001.png").text["parameters"]


def test_cli_keyframes_refuses_an_empty_folder_and_mixed_sizes(daemon, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    res = run_cli(daemon, "keyframes", str(empty), "--prompt", "ink", "--out", str(tmp_path / "o"))
    assert res.returncode != 0 and "no frames" in res.stderr
    Image.fromarray(frame()).save(empty / "a.png")
    Image.fromarray(frame(size=(64, 96))).save(empty / "b.png")
    res = run_cli(daemon, "keyframes", str(empty), "--prompt", "ink", "--out", str(tmp_path / "o"))
    assert res.returncode != 0 and "one size" in res.stderr


def test_cli_edit_and_generate_noise_flags(daemon, tmp_path):
    Image.fromarray(frame()).save(tmp_path / "in.png")
    res = run_cli(daemon, "edit", str(tmp_path / "in.png"), "--from-prompt", "a lighthouse", "--to-prompt",
                  "a boat", "--steps", "4", "--cfg", "1", "--out", str(tmp_path / "edited.png"))
    assert res.returncode == 0, res.stderr
    assert Image.open(tmp_path / "edited.png").size == (64, 64)
    res = run_cli(daemon, "generate", "--prompt", "a fox", "--width", "64", "--height", "64", "--steps", "2",
                  "--seed", "4", "--variation-seed", "8", "--variation-strength", "0.3",
                  "--resize-seed-from", "64x64", "--freeze-noise", "--out", str(tmp_path / "v.png"))
    assert res.returncode == 0, res.stderr
    assert "Variation seed: 8, Variation seed strength: 0.3" in Image.open(tmp_path / "v.png").text["parameters"]
    res = run_cli(daemon, "generate", "--prompt", "a fox", "--variation-strength", "1.5", "--out",
                  str(tmp_path / "bad.png"))
    assert res.returncode != 0 and "noise.variation_strength" in res.stderr
