"""The host kit's embedding training: the request a host's "Train embedding from selected layers"
sends, its checks (named, before anything is sent), and a real training run through the kit as a
host runs it, with the loss reported per step and the new word listed afterwards."""

from __future__ import annotations

import shutil

import pytest

from hostkit_helpers import run_in_host_python
from underpaint_kit import training
from underpaint_kit.protocol import pb


def _picture(width=64, height=64, value=0):
    return (width, height, bytes([value, 128, 255 - value, 255]) * (width * height))


def test_layers_become_a_training_job_with_their_pixels_and_options():
    pictures = [_picture(value=v) for v in (10, 20, 30)]
    r = training.train_request(pictures, token="my-cat", init_word=" cat ", steps=40, learning_rate=0.01,
                               archive_ids=["e1"], model="sd15", client="krita")
    assert r.type == pb.JOB_TYPE_TRAIN_EMBEDDING and (r.model, r.client) == ("sd15", "krita")
    t = r.train
    assert (t.token, t.init_word, t.steps, list(t.archive_ids)) == ("my-cat", "cat", 40, ["e1"])
    assert t.learning_rate == pytest.approx(0.01)
    assert [(i.width, i.height, i.format) for i in t.images] == [(64, 64, pb.PIXEL_FORMAT_RGBA8)] * 3
    assert [i.data for i in t.images] == [p[2] for p in pictures]


@pytest.mark.parametrize("pictures, options, start", [
    ([_picture()] * 2, {}, "images: 2 picture(s); training needs 3 to 50"),
    ([_picture()] * 2, {"archive_ids": ["a"] * 49}, "images: 51 picture(s)"),
    ([_picture()] * 3, {"token": "a b"}, "token: 'a b' is not a usable name"),
    ([_picture()] * 3, {"token": ""}, "token: '' is not a usable name"),
    ([_picture()] * 3, {"steps": 20_001}, "steps: expected 1 to 20000"),
    ([_picture()] * 3, {"learning_rate": float("nan")}, "learning_rate: expected above 0"),
    ([_picture()] * 2 + [_picture(64, 128)], {}, "images[2]: is 64x128 but images[0] is 64x64"),
    ([_picture(60, 64)] * 3, {}, "images[0]: is 60x64; sides must be multiples of 8"),
    ([_picture()] * 2 + [(64, 64, b"\0" * 10)], {}, "images[2]: 10 bytes do not make a 64x64 RGBA8 picture"),
])
def test_bad_training_requests_are_refused_naming_the_argument(pictures, options, start):
    options = {"token": "me", **options}
    with pytest.raises(ValueError) as err:
        training.train_request(pictures, **options)
    assert str(err.value).startswith(start)


def test_crop_to_multiple_trims_right_and_bottom_edges():
    width, height = 10, 9
    rgba = bytes((x + 16 * y) % 256 for y in range(height) for x in range(width) for _ in range(4))
    w, h, data = training.crop_to_multiple(width, height, rgba)
    assert (w, h) == (8, 8) and len(data) == 8 * 8 * 4
    assert data[:4] == rgba[:4] and data[8 * 4:8 * 4 + 4] == rgba[width * 4:width * 4 + 4]  # row 1 starts at x=0
    assert data[-4:] == rgba[(7 * width + 7) * 4:(7 * width + 8) * 4]
    exact = bytes(range(256)) * 2  # 16 x 8 already fits: unchanged
    assert training.crop_to_multiple(16, 8, exact) == (16, 8, exact)


@pytest.fixture(scope="module")
def training_daemon(demo_models_dir, tmp_path_factory):
    """A daemon of its own: training writes into its models folder's embeddings/."""
    from underpaint.testing import DaemonProcess

    models = tmp_path_factory.mktemp("kit-train-models")
    for item in demo_models_dir.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, models / item.name)
    process = DaemonProcess(models, tmp_path_factory.mktemp("kit-train-home")).start()
    yield process
    process.stop()


def test_a_host_trains_an_embedding_and_sees_the_loss_and_the_new_word(kit_vendor, training_daemon):
    env = {k: v for k, v in training_daemon.env.items() if k not in ("UNDERPAINT_HTTP", "UNDERPAINT_SERVER",
                                                                      "UNDERPAINT_TOKEN")}
    result = run_in_host_python(kit_vendor, """
        import underpaint_kit as kit
        from underpaint_kit import training
        d = kit.connect_daemon()
        pictures = []
        for i in range(3):  # a red block on grey, shifted: one "thing"
            rows = []
            for y in range(64):
                red = 8 + 4 * i <= y < 40 + 4 * i
                rows.append(b"".join(bytes((220, 30, 30, 255) if red and 12 <= x < 44 else (128, 128, 128, 255))
                                     for x in range(64)))
            pictures.append((64, 64, b"".join(rows)))
        losses = []
        request = training.train_request(pictures, token="kit-square", init_word="square", steps=3,
                                         model="underpaint-demo", client="kit-test")
        outcome = training.TrainingRunner(d, request, on_loss=lambda s, t, l: losses.append((s, t, l))).run()
        print(json.dumps({"capable": training.CAPABILITY in d.info.capabilities, "status": outcome.status,
                          "message": outcome.message, "results": [r.embedding for r in outcome.results],
                          "losses": losses, "listed": [a.id for a in training.embeddings(d.list_models())]}))
    """, env=env, timeout=600)
    assert result["capable"]
    assert result["status"] == "succeeded", result["message"]
    assert result["results"] == ["kit-square"]
    assert [(s, t) for s, t, _ in result["losses"]] == [(1, 3), (2, 3), (3, 3)]
    assert all(loss > 0 for _, _, loss in result["losses"])
    assert "kit-square" in result["listed"]
    assert (training_daemon.models_dir / "embeddings" / "kit-square.safetensors").exists()
