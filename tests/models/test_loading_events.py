"""A model load is visible in the job's events and never stalls the daemon's other answers."""

from __future__ import annotations

import errno
import os
import shutil
import time

import pytest

from tests.daemon.helpers import request, run_job
from underpaint.models import demo
from underpaint.v1 import underpaint_pb2 as pb

GATED = "gated"


@pytest.fixture(scope="module")
def loading_daemon(demo_models_dir, tmp_path_factory):
    """The demo single file, plus a copy of the demo folder whose load waits on a named pipe.

    The gate: `unet/a-gate.safetensors` is a FIFO. diffusers loads the folder's named weight file
    and never touches it, but the model hash (the last step of a load) reads the first
    `unet/*.safetensors`, so the load blocks there until this test writes into the pipe."""
    from underpaint.testing import DaemonProcess

    root = tmp_path_factory.mktemp("loading-models")
    shutil.copy(demo_models_dir / demo.DEMO_FILE_NAME, root / demo.DEMO_FILE_NAME)
    shutil.copytree(demo_models_dir / demo.DEMO_FOLDER_NAME, root / GATED)
    gate = root / GATED / "unet" / "a-gate.safetensors"
    os.mkfifo(gate)
    process = DaemonProcess(root, tmp_path_factory.mktemp("loading-home")).start()
    yield process, gate
    process.stop()


def _kinds(events) -> list[str]:
    return [e.WhichOneof("kind") for e in events]


def test_a_load_is_reported_before_the_first_step(loading_daemon):
    from underpaint.client import Client

    process, _ = loading_daemon
    model = "underpaint-demo-single"
    with Client(process.grpc) as client:
        _, events, _, finished = run_job(client, request(model=model, steps=2))
        assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
        kinds = _kinds(events)
        loading = [e.activity for e in events if e.HasField("activity")]
        first, last = kinds.index("activity"), len(kinds) - 1 - kinds[::-1].index("activity")
        assert kinds.index("started") < first and last < kinds.index("progress")
        assert all(a.kind == "loading_model" and a.subject == model for a in loading)
        assert loading[0].fraction == 0.0 and loading[0].message.startswith(f"loading model {model} (")
        assert loading[-1].fraction == 1.0 and loading[-1].message.startswith(f"model {model} loaded (")
        fractions = [a.fraction for a in loading]
        assert fractions == sorted(fractions) and 0.0 < fractions[1] < fractions[-2] < 1.0
        steps = [a.message.rsplit(": ", 1)[1] for a in loading[1:-1]]
        assert steps == ["unet loaded", "text_encoder loaded", "vae loaded", "computing the model hash"]
        assert next(m for m in client.models().models if m.id == model).loaded

        # Warm: no loading at all the second time.
        _, events, _, _ = run_job(client, request(model=model, steps=2))
        assert "activity" not in _kinds(events)


def _open_gate(gate, deadline_s: float = 300) -> None:
    """Write into the pipe once the daemon reads it; fail clearly if it never does."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            fd = os.open(gate, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
            assert time.monotonic() < deadline, "the daemon never read the gate: did the model hash change?"
            time.sleep(0.05)  # polling the pipe for a reader; nothing is timed
    os.write(fd, b"gate")
    os.close(fd)


def test_every_rpc_answers_while_a_load_is_in_progress(loading_daemon):
    from underpaint.client import Client

    process, gate = loading_daemon
    with Client(process.grpc) as client:
        gated = client.submit(request(model=GATED, steps=2))
        waiting = client.submit(request(model="underpaint-demo-single", steps=2))
        stream = client.stub.Watch(pb.WatchRequest(job_id=gated.id), timeout=600)
        seen = []
        for event in stream:  # until the load has reached the gate's step
            seen.append(event)
            if event.HasField("activity") and event.activity.message.endswith(": computing the model hash"):
                break

        # The load cannot finish before the gate opens, so everything below happens during it.
        listing = client.models()
        assert {m.id: m.loaded for m in listing.models}[GATED] is False
        info = client.info()
        assert info.queue_length == 2 and "loading_activity" in info.capabilities
        polled = client.stub.PollEvents(pb.PollEventsRequest(job_id=waiting.id, wait_ms=0), timeout=30)
        # Queued at 1 if it arrived before the worker took the gated job, then moved up to 0.
        assert _kinds(polled.events) == ["queued"] * len(polled.events) and not polled.done
        assert polled.events[-1].queued.position == 0
        other_stream = client.stub.Watch(pb.WatchRequest(job_id=waiting.id), timeout=30)
        assert next(iter(other_stream)).seq == 1
        other_stream.cancel()
        assert client.cancel(waiting.id).status == pb.JOB_STATUS_CANCELLED
        assert not any(e.HasField("activity") and e.activity.fraction == 1.0 for e in seen)

        _open_gate(gate)
        rest = list(stream)
        assert rest[-1].finished.status == pb.JOB_STATUS_SUCCEEDED, rest[-1].finished.message
        kinds = _kinds(rest)
        assert kinds[0] == "activity" and rest[0].activity.fraction == 1.0  # the load ends first ...
        assert kinds.index("progress") > 0 and "result" in kinds  # ... then the steps and the image
        assert {m.id: m.loaded for m in client.models().models}[GATED] is True
