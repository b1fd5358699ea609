"""Embedding training on a full-size SD 1.5 checkpoint (the layout model sites publish, zero
weights) in a real daemon: the vectors have CLIP-L's real width, the file is listed as an SD 1.x
embedding and a prompt using it generates. Run under `flock /tmp/underpaint-heavy.lock` on a
shared machine, as the other full-size tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
from safetensors import safe_open

from tests.daemon.helpers import request, rgba_image
from underpaint.v1 import underpaint_pb2 as pb

pytestmark = pytest.mark.slow


def test_fullsize_sd15_trains_an_embedding_usable_by_name(fullsize_checkpoint, tmp_path):
    from underpaint.client import Client
    from underpaint.testing import DaemonProcess

    models = tmp_path / "models"  # training writes embeddings/: not into the shared full-size folder
    models.mkdir()
    (models / "sd15.safetensors").symlink_to((fullsize_checkpoint("sd15.safetensors") / "sd15.safetensors").resolve())
    process = DaemonProcess(models, tmp_path / "home").start()
    try:
        with Client(process.grpc) as client:
            pictures = [rgba_image(np.full((64, 64, 3), 40 * i, np.uint8)) for i in range(3)]
            job = client.submit(pb.GenerateRequest(
                type=pb.JOB_TYPE_TRAIN_EMBEDDING, model="sd15", seed=3,
                train=pb.TrainEmbeddingOptions(images=pictures, token="full-cat", init_word="cat", steps=2)))
            events = list(client.watch(job.id))
            finished = events[-1].finished
            assert finished.status == pb.JOB_STATUS_SUCCEEDED, f"{finished.message}\n{process.log()}"
            losses = [e.progress.loss for e in events if e.HasField("progress")]
            assert len(losses) == 2 and all(math.isfinite(x) for x in losses)
            with safe_open(str(models / "embeddings" / "full-cat.safetensors"), "pt") as f:
                assert f.get_slice("emb_params").get_shape() == [1, 768]
            [listed] = [a for a in client.models().add_ons if a.id == "full-cat"]
            assert (listed.type, listed.architecture, listed.vectors) == ("embedding", "sd15", 1)
            job = client.submit(request(model="sd15", prompt="a full-cat", steps=1, guidance=2.0))
            done = list(client.watch(job.id))[-1].finished
            assert done.status == pb.JOB_STATUS_SUCCEEDED, done.message
    finally:
        process.stop()
