"""txt2img, img2img, inpaint and variations through a real daemon over real gRPC."""

from __future__ import annotations

import numpy as np

from underpaint.v1 import underpaint_pb2 as pb

from .helpers import gray_image, pixels, request, rgba_image, run_job


def test_txt2img_returns_the_requested_size_and_the_seed_used(grpc_client):
    job, events, results, finished = run_job(grpc_client, request(width=64, height=96))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len(results) == 1
    image = results[0].image
    assert (image.width, image.height, image.format) == (64, 96, pb.PIXEL_FORMAT_RGBA8)
    assert len(image.data) == 64 * 96 * 4
    assert results[0].seed == 1234 == job.seed
    params = results[0].parameters
    assert params.steps == 4 and params.width == 64 and params.height == 96
    assert "Seed: 1234" in params.infotext and params.infotext.startswith("a red fox in snow")


def test_random_seed_is_resolved_and_returned(grpc_client):
    job, _, results, finished = run_job(grpc_client, request(seed=-1))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED
    assert job.seed >= 0 and results[0].seed == job.seed


def test_same_seed_reproduces_bit_for_bit_and_other_seeds_differ(grpc_client):
    a = run_job(grpc_client, request(seed=77))[2][0].image.data
    b = run_job(grpc_client, request(seed=77))[2][0].image.data
    c = run_job(grpc_client, request(seed=78))[2][0].image.data
    assert a == b
    assert a != c


def test_variations_run_as_one_batch_each_with_its_own_seed_and_match_single_runs(grpc_client):
    _, events, results, finished = run_job(grpc_client, request(seed=500, count=3))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED
    assert [r.seed for r in results] == [500, 501, 502]
    assert [r.index for r in results] == [0, 1, 2]
    assert len({r.image.data for r in results}) == 3
    single = run_job(grpc_client, request(seed=501))[2][0].image.data
    assert results[1].image.data == single
    assert results[0].image.data == run_job(grpc_client, request(seed=500))[2][0].image.data
    progress = [e.progress for e in events if e.HasField("progress")]
    # One batch of three: each step advances all three variations.
    assert [p.step for p in progress] == [3, 6, 9, 12]  # 4 steps x 3 variations
    assert {p.total_steps for p in progress} == {12}
    assert [p.image_index for p in progress] == [0] * 4  # the first image of the batch


def test_img2img_strength_controls_how_far_the_result_moves(grpc_client):
    rng = np.random.default_rng(0)
    init = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    def distance(strength):
        _, _, results, finished = run_job(grpc_client, request(init_image=rgba_image(init), strength=strength, steps=10))
        assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
        out = pixels(results[0].image)[:, :, :3].astype(int)
        assert results[0].parameters.strength == np.float32(strength)
        return np.abs(out - init).mean()
    low, high = distance(0.2), distance(1.0)
    assert low < high


def test_inpaint_keeps_unmasked_pixels_exactly(grpc_client):
    rng = np.random.default_rng(1)
    init = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[16:48, 20:44] = 255
    mask[10:14, 10:60] = 128  # a soft band blends
    _, _, results, finished = run_job(grpc_client, request(init_image=rgba_image(init), mask=gray_image(mask),
                                                          strength=1.0, steps=6))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    out = pixels(results[0].image)[:, :, :3]
    keep = mask == 0
    assert np.array_equal(out[keep], init[keep])
    assert not np.array_equal(out[mask == 255], init[mask == 255])


def test_output_formats_png_and_webp_decode_to_the_raw_pixels(grpc_client):
    import io

    from PIL import Image

    raw = pixels(run_job(grpc_client, request(seed=9))[2][0].image)
    for fmt in (pb.PIXEL_FORMAT_PNG, pb.PIXEL_FORMAT_WEBP):
        image = run_job(grpc_client, request(seed=9, output_format=fmt))[2][0].image
        assert image.format == fmt and (image.width, image.height) == (64, 64)
        decoded = np.asarray(Image.open(io.BytesIO(image.data)).convert("RGBA"))
        assert np.array_equal(decoded, raw)


def test_single_file_checkpoint_matches_the_diffusers_folder(grpc_client):
    models = grpc_client.models().models
    folder = next(m for m in models if m.kind == "diffusers")
    single = next(m for m in models if m.kind == "single_file")
    a = pixels(run_job(grpc_client, request(model=folder.id, seed=5))[2][0].image).astype(int)
    b = pixels(run_job(grpc_client, request(model=single.id, seed=5))[2][0].image).astype(int)
    assert np.abs(a - b).max() <= 2


def test_previews_arrive_with_progress_when_asked(grpc_client):
    _, events, _, _ = run_job(grpc_client, request(previews=True, preview_max_size=32, steps=3))
    progress = [e.progress for e in events if e.HasField("progress")]
    assert [p.step for p in progress] == [1, 2, 3]
    assert all(p.total_steps == 3 for p in progress)
    for p in progress:
        assert p.preview.format == pb.PIXEL_FORMAT_RGBA8
        assert 0 < max(p.preview.width, p.preview.height) <= 32
        assert len(p.preview.data) == p.preview.width * p.preview.height * 4
    _, events, _, _ = run_job(grpc_client, request(steps=3))
    assert not any(e.progress.HasField("preview") for e in events if e.HasField("progress"))
