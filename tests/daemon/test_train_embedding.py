"""Textual-inversion training as a job, over a real daemon with the demo model: the loss is
reported per step, the saved file is an A1111 embedding that lowers the loss on the training
pictures and works by name in the next prompt, cancel keeps what was learned, and bad
requests are refused before queuing, naming the field."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from safetensors import safe_open
from safetensors.torch import save_file

from underpaint.client import Client, ClientError
from underpaint.testing import DaemonProcess
from underpaint.v1 import underpaint_pb2 as pb

from .helpers import rgba_image, run_job

DEMO = "underpaint-demo"
# The demo model with its cross-attention keys and values x10: a random UNet barely listens to
# the prompt, so no embedding could change its loss much; this one does, as a trained model would.
LISTENING = "listening-demo"


def pictures(count: int, size=(64, 64)) -> list[np.ndarray]:
    """A red square on grey, shifted a little from picture to picture: one 'concept'."""
    out = []
    for i in range(count):
        a = np.full((size[1], size[0], 3), 128, np.uint8)
        a[8 + 4 * i:40 + 4 * i, 12:44] = (220, 30, 30)
        out.append(a)
    return out


def train_request(token: str, images=None, model=DEMO, **options) -> pb.GenerateRequest:
    images = pictures(3) if images is None else images
    return pb.GenerateRequest(type=pb.JOB_TYPE_TRAIN_EMBEDDING, model=model, seed=7, client="tests",
                              train=pb.TrainEmbeddingOptions(images=[rgba_image(a) for a in images],
                                                             token=token, init_word="square", **options))


@pytest.fixture(scope="module")
def models_dir(demo_models_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("train-models")  # training writes embeddings: not into the shared folder
    for item in demo_models_dir.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, root / item.name)
    shutil.copytree(root / DEMO, root / LISTENING)
    weights = root / LISTENING / "unet" / "diffusion_pytorch_model.safetensors"
    with safe_open(str(weights), "pt") as f:
        metadata = f.metadata()
        tensors = {k: f.get_tensor(k) * (10 if ".attn2.to_k." in k or ".attn2.to_v." in k else 1) for k in f.keys()}
    save_file(tensors, str(weights), metadata=metadata)
    return root


@pytest.fixture(scope="module")
def process(models_dir, tmp_path_factory):
    env = dict(os.environ, OMP_NUM_THREADS="1")  # tiny models on a shared 2-core machine
    process = DaemonProcess(models_dir, tmp_path_factory.mktemp("train-daemon"), env=env).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def client(process):
    with Client(process.grpc) as c:
        yield c


def test_training_lowers_the_loss_and_the_embedding_works_by_name(client, models_dir):
    job, events, results, finished = run_job(client, train_request("red-square", model=LISTENING, steps=30,
                                                                     learning_rate=0.05))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    progress = [e.progress for e in events if e.HasField("progress")]
    assert [p.step for p in progress] == list(range(1, 31))
    assert {p.total_steps for p in progress} == {30}
    assert all(math.isfinite(p.loss) and p.loss > 0 for p in progress)
    assert len(results) == 1 and results[0].embedding == "red-square"

    path = models_dir / "embeddings" / "red-square.safetensors"
    with safe_open(str(path), "pt") as f:  # A1111's layout: emb_params (vectors, width)
        assert list(f.keys()) == ["emb_params"]
        trained = f.get_tensor("emb_params")
        assert f.metadata()["step"] == "30" and f.metadata()["name"] == "red-square"
    listed = {a.id: a for a in client.models().add_ons if a.type == "embedding"}
    assert listed["red-square"].vectors == 1

    # The same fixed check draws, with the initialiser's vector and with the trained one.
    import torch
    from diffusers import StableDiffusionPipeline

    from underpaint.pipelines.train_embedding import make_trainer

    pipe = StableDiffusionPipeline.from_pretrained(str(models_dir / LISTENING), safety_checker=None)
    trainer = make_trainer(pipe, pictures(3), "square", 1, 0.05, seed=7)
    start = trainer.vectors.detach().clone()
    assert not torch.allclose(trained, start)
    assert trainer.evaluate(trained) < 0.99 * trainer.evaluate(start)  # about 3% lower here

    _, _, images, done = run_job(client, pb.GenerateRequest(prompt="a red-square on a table", model=LISTENING, width=64,
                                                              height=64, steps=3, seed=1))
    assert done.status == pb.JOB_STATUS_SUCCEEDED, done.message
    assert "red-square" in images[0].parameters.infotext  # TI hashes: the prompt used the embedding


def test_cancel_keeps_the_last_checkpoint(client, models_dir):
    job = client.submit(train_request("cancelled-square", steps=5000, save_every=1000))
    for event in client.watch(job.id):
        if event.HasField("progress") and event.progress.step >= 2:
            client.cancel(job.id)
        if event.HasField("finished"):
            assert event.finished.status == pb.JOB_STATUS_CANCELLED
    with safe_open(str(models_dir / "embeddings" / "cancelled-square.safetensors"), "pt") as f:
        assert 2 <= int(f.metadata()["step"]) < 5000
    assert "cancelled-square" in {a.id for a in client.models().add_ons}


@pytest.mark.parametrize("images, options, field", [
    (pictures(2), {}, "train.images: 2 image(s); training needs 3 to 50"),
    (pictures(2) + pictures(1, (64, 128)), {}, "train.images[2]: is 64x128 but train.images[0] is 64x64"),
    (None, {"steps": -1}, "train.steps"),
    (None, {"learning_rate": float("nan")}, "train.learning_rate"),
])
def test_bad_training_requests_are_refused_naming_the_field(client, images, options, field):
    with pytest.raises(ClientError) as err:
        client.submit(train_request("refused", images, **options))
    assert "invalid_argument" in str(err.value) and field in str(err.value)


def test_bad_names_and_an_existing_embedding_are_refused(client):
    for token, field in (("", "train.token"), ("../escape", "train.token"),
                         ("underpaint-demo-embedding", "already exists")):
        with pytest.raises(ClientError) as err:
            client.submit(train_request(token))
        assert "invalid_argument" in str(err.value) and field in str(err.value)
    with_init = train_request("me")
    with_init.init_image.CopyFrom(rgba_image(pictures(1)[0]))
    with pytest.raises(ClientError) as err:  # a generation field on a training job
        client.submit(with_init)
    assert "init_image: does not apply to a TRAIN_EMBEDDING job" in str(err.value)
    with pytest.raises(ClientError) as err:  # training options on a generation job
        client.submit(pb.GenerateRequest(prompt="x", train=pb.TrainEmbeddingOptions(token="me")))
    assert "train: only applies to a TRAIN_EMBEDDING job" in str(err.value)
    assert "train_embedding" in client.info().capabilities  # still serving, and says it trains


def test_cli_trains_from_image_files(process, models_dir, tmp_path):
    paths = []
    for i, a in enumerate(pictures(3)):
        paths.append(str(tmp_path / f"square-{i}.png"))
        Image.fromarray(a).save(paths[-1])
    cli = [sys.executable, "-m", "underpaint.cli.main", "train-embedding"]
    env = dict(process.env, UNDERPAINT_SERVER=process.grpc)
    done = subprocess.run(cli + paths + ["--token", "cli-square", "--init-word", "square", "--steps", "3",
                                         "--model", DEMO], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("cli-square  (embedding 'cli-square' trained for 3 steps")
    assert "step 3/3  loss " in done.stderr
    assert (models_dir / "embeddings" / "cli-square.safetensors").exists()

    refused = subprocess.run(cli + paths[:2] + ["--token", "two"], env=env, capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode == 1
    assert refused.stderr.strip() == ("underpaint: invalid_argument: train.images: 2 image(s); training needs "
                                      "3 to 50")


@pytest.fixture(scope="module")
def archived(client):
    """The archive ids of three 64x64 results: each generation is archived as it finishes."""
    ids = []
    for seed in (1, 2, 3):
        _, _, results, done = run_job(client, pb.GenerateRequest(prompt="a red square", model=DEMO, width=64,
                                                                   height=64, steps=2, seed=seed))
        assert done.status == pb.JOB_STATUS_SUCCEEDED, done.message
        ids.append(results[0].archive_id)
    assert all(ids) and len(set(ids)) == 3
    return ids


def test_cli_trains_from_archive_entries(process, models_dir, archived, tmp_path):
    cli = [sys.executable, "-m", "underpaint.cli.main", "train-embedding"]
    env = dict(process.env, UNDERPAINT_SERVER=process.grpc)
    args = [a for entry_id in archived for a in ("--from-archive", entry_id)]
    done = subprocess.run(cli + args + ["--token", "archived-square", "--steps", "2", "--model", DEMO], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("archived-square  (embedding 'archived-square' trained for 2 steps")
    with safe_open(str(models_dir / "embeddings" / "archived-square.safetensors"), "pt") as f:
        assert f.metadata()["step"] == "2"

    # Files and archive entries together: the 3-50 count is over both.
    Image.fromarray(pictures(1)[0]).save(tmp_path / "one.png")
    refused = subprocess.run(cli + [str(tmp_path / "one.png"), "--from-archive", archived[0], "--token", "two"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1
    assert "train.images: 2 image(s); training needs 3 to 50" in refused.stderr


def test_archive_entries_mix_with_sent_pictures(client, archived):
    job, events, results, finished = run_job(client, train_request("mixed-square", pictures(1), steps=2,
                                                                   archive_ids=archived[:2]))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    assert results[0].embedding == "mixed-square"
    assert [e.progress.step for e in events if e.HasField("progress")] == [1, 2]


def test_unknown_or_mismatched_archive_entries_are_refused_naming_the_field(client, archived):
    with pytest.raises(ClientError) as err:
        client.submit(train_request("refused", pictures(1), archive_ids=[archived[0], "no-such-entry"]))
    assert "not_found" in str(err.value)
    assert "train.archive_ids[1]: 'no-such-entry' is no archive entry" in str(err.value)
    with pytest.raises(ClientError) as err:  # the archived results are 64x64; the sent pictures 64x128
        client.submit(train_request("refused", pictures(2, (64, 128)), archive_ids=archived[:1]))
    assert "train.archive_ids[0]: is 64x64 but train.images[0] is 64x128" in str(err.value)
    assert "refused" not in {a.id for a in client.models().add_ons}  # nothing was trained
