"""Live sessions over real gRPC: the newest request of a session wins. A newer one replaces a
queued one before it starts and stops a running one at its next step; both tell their watchers
they were superseded; other sessions and plain jobs are untouched; the winner's result is placed
like any canvas result. Asserts events, order and counts, never durations."""

from __future__ import annotations

import grpc
import numpy as np
import pytest

from underpaint.v1 import underpaint_pb2 as pb

from .helpers import gray_image, request, rgba_image, run_job


def kinds(events) -> list[str]:
    return [e.WhichOneof("kind") for e in events]


def live_canvas_request(session: str, seed: int = 5, **fields) -> pb.GenerateRequest:
    rng = np.random.default_rng(seed)
    doc = rng.integers(0, 256, (64, 96, 4), dtype=np.uint8)
    doc[..., 3] = 255
    selection = np.full((32, 40), 255, np.uint8)
    canvas = pb.CanvasRequest(document_width=96, document_height=64, region=rgba_image(doc),
                              operation=pb.CANVAS_OPERATION_FILL, selection=gray_image(selection),
                              selection_x=30, selection_y=12)
    fields.setdefault("steps", 2)
    return request(canvas=canvas, width=0, height=0, live_session=session, sampler="lcm", **fields)


def until_first_progress(client, job_id: str) -> list:
    seen = []
    stream = client.stub.Watch(pb.WatchRequest(job_id=job_id))
    for event in stream:
        seen.append(event)
        if event.HasField("progress"):
            stream.cancel()
            break
    return seen


def test_a_newer_request_stops_the_running_one_at_its_next_step(grpc_client):
    first = grpc_client.submit(live_canvas_request("doc-a", steps=40))
    second = None
    events = []
    for event in grpc_client.watch(first.id):
        events.append(event)
        if event.HasField("progress") and second is None:
            second = grpc_client.submit(live_canvas_request("doc-a", seed=6))
    assert kinds(events)[:2] == ["queued", "started"]  # (model loading activities may follow)
    assert "progress" in kinds(events)[:-2]
    assert kinds(events)[-2:] == ["activity", "finished"]
    assert events[-2].activity.kind == "superseded" and events[-2].activity.subject == second.id
    assert events[-1].finished.status == pb.JOB_STATUS_CANCELLED
    assert events[-1].finished.message == f"superseded by job {second.id}"
    steps = [e.progress.step for e in events if e.HasField("progress")]
    assert steps[-1] < 40 and "result" not in kinds(events)
    newest = list(grpc_client.watch(second.id))
    assert newest[-1].finished.status == pb.JOB_STATUS_SUCCEEDED, newest[-1].finished.message
    assert kinds(newest).count("result") == 1


def test_a_newer_request_replaces_a_queued_one_and_leaves_other_sessions_alone(grpc_client):
    blocker = grpc_client.submit(request(steps=40, seed=1))  # keeps the worker busy: the rest queue
    assert "progress" in kinds(until_first_progress(grpc_client, blocker.id))
    replaced = grpc_client.submit(live_canvas_request("doc-b"))
    other = grpc_client.submit(live_canvas_request("doc-c"))
    newest = grpc_client.submit(live_canvas_request("doc-b", seed=7))
    assert newest.queue_position == 1  # the replaced job no longer counts; doc-c is ahead
    grpc_client.cancel(blocker.id)

    gone = list(grpc_client.watch(replaced.id))
    assert kinds(gone) == ["queued", "activity", "finished"]  # never started
    assert gone[1].activity.kind == "superseded"
    assert gone[2].finished.status == pb.JOB_STATUS_CANCELLED
    assert gone[2].finished.message == f"superseded by job {newest.id}"
    for job in (other, newest):
        events = list(grpc_client.watch(job.id))
        assert events[-1].finished.status == pb.JOB_STATUS_SUCCEEDED, events[-1].finished.message
        assert "superseded" not in [e.activity.kind for e in events if e.HasField("activity")]
    assert list(grpc_client.watch(blocker.id))[-1].finished.message == "cancelled"


def test_a_live_result_is_placed_like_the_same_canvas_request_without_a_session(grpc_client):
    _, _, live, finished = run_job(grpc_client, live_canvas_request("doc-d", seed=9))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    plain_request = live_canvas_request("", seed=9)
    _, _, plain, _ = run_job(grpc_client, plain_request)
    assert (live[0].x, live[0].y, live[0].image.width, live[0].image.height) == \
        (plain[0].x, plain[0].y, plain[0].image.width, plain[0].image.height)
    assert live[0].image.data == plain[0].image.data


def test_a_session_name_too_long_is_refused_by_name(grpc_client):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(live_canvas_request("x" * 201))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "live_session" in err.value.details() and "200" in err.value.details()
