"""Job control: cancel within one step, priorities, isolation between clients, replay."""

from __future__ import annotations

import threading

import grpc
import pytest

from underpaint.client import Client
from underpaint.v1 import underpaint_pb2 as pb

from .helpers import request, run_job

LONG = dict(steps=150, width=128, height=128)  # long enough to act on while it runs


def _wait_for(events_iter, kind: str):
    seen = []
    for event in events_iter:
        seen.append(event)
        if event.HasField(kind):
            return seen
    raise AssertionError(f"no {kind} event in {seen}")


def test_cancel_mid_job_stops_within_one_step(grpc_client):
    job = grpc_client.submit(request(**LONG))
    stream = grpc_client.watch(job.id)
    seen = _wait_for(stream, "progress")
    grpc_client.cancel(job.id)
    cancelled_at = seen[-1].progress.step
    rest = list(stream)
    final = rest[-1].finished
    assert final.status == pb.JOB_STATUS_CANCELLED
    steps_after = [e.progress.step for e in rest if e.HasField("progress")]
    # the request may cross one step already under way, never more
    assert len(steps_after) <= 2, steps_after
    assert not any(e.HasField("result") for e in rest)
    assert cancelled_at < 150
    # the worker is free again: the next job runs to the end
    assert run_job(grpc_client, request())[3].status == pb.JOB_STATUS_SUCCEEDED


def test_cancelling_a_queued_job_leaves_the_running_one_alone(grpc_client):
    blocker = grpc_client.submit(request(**LONG))
    queued = grpc_client.submit(request())
    assert grpc_client.cancel(queued.id).status == pb.JOB_STATUS_CANCELLED
    queued_events = list(grpc_client.watch(queued.id))
    assert queued_events[-1].finished.status == pb.JOB_STATUS_CANCELLED
    assert not any(e.HasField("started") for e in queued_events)
    stream = grpc_client.watch(blocker.id)
    _wait_for(stream, "progress")  # still running, untouched
    grpc_client.cancel(blocker.id)
    assert list(stream)[-1].finished.status == pb.JOB_STATUS_CANCELLED


def test_higher_priority_overtakes_queued_jobs(grpc_client):
    blocker = grpc_client.submit(request(**LONG))
    _wait_for(grpc_client.watch(blocker.id), "started")
    low1 = grpc_client.submit(request(priority=0))
    low2 = grpc_client.submit(request(priority=0))
    high = grpc_client.submit(request(priority=5))
    assert high.queue_position == 0 and low2.queue_position == 1
    grpc_client.cancel(blocker.id)
    started = {}
    for job in (low1, low2, high):
        events = list(grpc_client.watch(job.id))
        assert events[-1].finished.status == pb.JOB_STATUS_SUCCEEDED
        started[job.id] = next(e.time for e in events if e.HasField("started"))
    assert started[high.id] < started[low1.id] < started[low2.id]
    # the queued ones were told their new positions as the queue moved
    positions = [e.queued.position for e in grpc_client.watch(low2.id) if e.HasField("queued")]
    assert positions[0] == 1 and positions[-1] == 0


def test_two_clients_each_see_only_their_own_job(daemon):
    results = {}

    def one(name, seed):
        with Client(daemon.grpc) as client:
            job = client.submit(request(seed=seed, prompt=name))
            results[name] = (job.id, list(client.watch(job.id)))

    threads = [threading.Thread(target=one, args=(n, s)) for n, s in (("alice", 1), ("bob", 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    (a_id, a_events), (b_id, b_events) = results["alice"], results["bob"]
    assert a_id != b_id
    assert {e.job_id for e in a_events} == {a_id}
    assert {e.job_id for e in b_events} == {b_id}
    assert a_events[-1].finished.status == b_events[-1].finished.status == pb.JOB_STATUS_SUCCEEDED
    assert next(e.result for e in a_events if e.HasField("result")).parameters.prompt == "alice"


def test_watch_reconnect_replays_events_by_sequence(grpc_client):
    job = grpc_client.submit(request(steps=8))
    stream = grpc_client.stub.Watch(pb.WatchRequest(job_id=job.id))
    first = [next(stream), next(stream), next(stream)]
    stream.cancel()  # the client vanishes mid-job; the job goes on
    rest = list(grpc_client.watch(job.id, after_seq=first[-1].seq))
    everything = first + rest
    assert [e.seq for e in everything] == list(range(1, len(everything) + 1))
    assert everything[-1].finished.status == pb.JOB_STATUS_SUCCEEDED
    replay = list(grpc_client.watch(job.id))
    assert [e.SerializeToString() for e in replay] == [e.SerializeToString() for e in everything]


def test_poll_events_long_polls_and_reports_done(grpc_client):
    blocker = grpc_client.submit(request(**LONG))
    job = grpc_client.submit(request())
    first = grpc_client.call(grpc_client.stub.PollEvents, pb.PollEventsRequest(job_id=job.id, wait_ms=0))
    assert first.events[0].HasField("queued") and not first.done
    seq = first.events[-1].seq
    # Nothing happens to a queued job: the poll runs out its wait and answers empty, not done.
    empty = grpc_client.call(grpc_client.stub.PollEvents,
                             pb.PollEventsRequest(job_id=job.id, after_seq=seq, wait_ms=300))
    assert not empty.events and not empty.done
    # A long poll is answered by the job's next event: the start that cancelling the blocker allows.
    waiting = grpc_client.stub.PollEvents.future(
        pb.PollEventsRequest(job_id=job.id, after_seq=seq, wait_ms=30_000), metadata=grpc_client._metadata,
        timeout=120)
    pending_at_cancel = not waiting.done()
    grpc_client.cancel(blocker.id)
    woken = waiting.result()
    assert pending_at_cancel and woken.events and woken.events[0].seq == seq + 1
    assert any(e.HasField("started") for e in woken.events)
    events, done = list(first.events) + list(woken.events), woken.done
    while not done:
        resp = grpc_client.call(grpc_client.stub.PollEvents,
                                pb.PollEventsRequest(job_id=job.id, after_seq=events[-1].seq, wait_ms=10_000))
        events += resp.events
        done = resp.done
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].finished.status == pb.JOB_STATUS_SUCCEEDED


def test_unknown_job_is_not_found(grpc_client):
    for method, req in ((grpc_client.stub.Cancel, pb.CancelRequest(job_id="nope")),
                        (grpc_client.stub.PollEvents, pb.PollEventsRequest(job_id="nope"))):
        with pytest.raises(grpc.RpcError) as err:
            method(req)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        assert "nope" in err.value.details()
    with pytest.raises(grpc.RpcError) as err:
        list(grpc_client.stub.Watch(pb.WatchRequest(job_id="nope")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
