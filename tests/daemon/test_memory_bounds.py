"""Memory stays bounded: the queue has a length limit, previews of ended jobs are not hoarded and
count in the retention budget, and free-text fields have a size limit. Real daemons, real gRPC
and Connect."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import grpc
import pytest

from underpaint.client import Client
from underpaint.jobs.job import Job
from underpaint.service import generation
from underpaint.v1 import underpaint_pb2 as pb

from .helpers import request

LONG = dict(steps=150, width=128, height=128)


@pytest.fixture(scope="module")
def small_queue_daemon(demo_models_dir, tmp_path_factory):
    from underpaint.testing import DaemonProcess

    process = DaemonProcess(demo_models_dir, tmp_path_factory.mktemp("small-queue"),
                            extra_args=["--max-queue", "2"]).start()
    yield process
    process.stop()


def _post_json(address, method, body):
    req = urllib.request.Request(f"http://{address}/underpaint.v1.Underpaint/{method}",
                                 data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_full_queue_refuses_with_its_length_and_limit_then_accepts_again(small_queue_daemon):
    with Client(small_queue_daemon.grpc) as client:
        running = client.submit(request(**LONG))
        waiting = client.submit(request())
        with pytest.raises(grpc.RpcError) as refused:
            client.stub.Submit(request(), timeout=60)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        message = refused.value.details()
        assert "2 jobs are queued or running" in message and "limit is 2" in message
        assert "--max-queue" in message
        # The same answer over Connect (HTTP/1.1).
        status, body = _post_json(small_queue_daemon.http, "Submit",
                                  {"prompt": "x", "width": 64, "height": 64, "steps": 2})
        assert (status, body["code"]) == (429, "resource_exhausted") and "limit is 2" in body["message"]
        # The refused ones left no trace, and room comes back as jobs end.
        assert client.info().queue_length == 2
        client.cancel(waiting.id)
        again = client.submit(request(steps=2))
        client.cancel(running.id)
        events = list(client.watch(again.id))
        assert events[-1].finished.status == pb.JOB_STATUS_SUCCEEDED
        assert client.info().queue_length == 0


def test_an_ended_job_keeps_only_its_newest_preview(grpc_client):
    job = grpc_client.submit(request(steps=5, previews=True, preview_max_size=32))
    live = list(grpc_client.watch(job.id))
    live_previews = [e.progress.step for e in live if e.progress.HasField("preview")]
    assert live_previews == [1, 2, 3, 4, 5]  # a watcher sees every step's preview while it runs
    replay = list(grpc_client.watch(job.id))  # asked again after the end
    assert [e.seq for e in replay] == [e.seq for e in live]
    assert [e.progress.step for e in replay if e.progress.HasField("preview")] == [5]
    assert [e.progress.step for e in replay if e.HasField("progress")] == [1, 2, 3, 4, 5]
    assert replay[-1].finished.status == pb.JOB_STATUS_SUCCEEDED


def test_an_overlong_client_name_is_refused_naming_the_field(grpc_client):
    with pytest.raises(grpc.RpcError) as refused:
        grpc_client.stub.Submit(request(client="k" * 201), timeout=60)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details().startswith("client:") and "limit is 200" in refused.value.details()


def _finished_job(job_id, result_bytes=0, preview_bytes=0):
    job = Job(id=job_id, request=None, priority=0, arrival=0)
    job.events.append(pb.JobEvent(progress=pb.Progress(step=1, preview=pb.Image(data=b"p" * preview_bytes))))
    job.events.append(pb.JobEvent(result=pb.Result(image=pb.Image(data=b"r" * result_bytes))))
    job.status = pb.JOB_STATUS_SUCCEEDED
    job.finished_at = time.time()  # well inside the age limit
    return job


def test_previews_count_in_the_retention_budget(monkeypatch):
    """Finished jobs whose previews alone pass the budget are forgotten, oldest first."""
    monkeypatch.setattr(generation, "KEEP_FINISHED_BYTES", 1000)
    service = generation.GenerationService.__new__(generation.GenerationService)
    service._jobs = {}
    for name in ("old", "middle", "new"):
        service._jobs[name] = _finished_job(name, result_bytes=10, preview_bytes=400)
    assert service._jobs["old"].held_bytes() == 410
    service._prune()
    assert list(service._jobs) == ["middle", "new"]  # 820 bytes fit, 1230 did not
