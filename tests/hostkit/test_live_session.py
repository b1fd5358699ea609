"""The kit's LiveSession against a real daemon over Connect: changes during a pause coalesce
into one request built once, a newer canvas supersedes the running job, and only the newest
result is delivered. Waits on events (with a generous safety limit), never on durations."""

from __future__ import annotations

import threading

import pytest

import underpaint_kit as kit
from underpaint_kit import pb, requests

SAFETY_S = 600  # a stuck test fails instead of hanging; no assertion depends on it


@pytest.fixture
def daemon_kit(daemon):
    d = kit.connect_daemon(daemon.http, token=None)
    yield d
    d.close()


def canvas(seed: int, steps: int = 2) -> pb.GenerateRequest:
    region = bytes((i * 7 + seed) % 256 if i % 4 != 3 else 255 for i in range(64 * 64 * 4))
    return requests.canvas_request("refine", document_size=(96, 64), region_rgba=region,
                                   region_rect=(16, 0, 64, 64), prompt="a harbour", steps=steps,
                                   seed=seed, sampler="lcm", previews=False, client="tests")


class Recorder:
    def __init__(self, wanted_finishes: int):
        self.built, self.results, self.outcomes = [], [], []
        self.progress = threading.Event()
        self.wanted = wanted_finishes
        self.all_finished = threading.Event()

    def builder(self, seed: int, steps: int = 2):
        def build():
            self.built.append(seed)
            return canvas(seed, steps)
        return build

    def on_finished(self, outcome):
        self.outcomes.append(outcome)
        if len(self.outcomes) >= self.wanted:
            self.all_finished.set()


def test_changes_during_a_pause_send_one_request_built_once(daemon_kit):
    rec = Recorder(1)
    session = kit.LiveSession(daemon_kit, "doc-kit-1", on_result=rec.results.append,
                              on_finished=rec.on_finished, debounce_s=3600)  # only flush() sends
    for seed in (1, 2, 3):
        session.canvas_changed(rec.builder(seed))
    session.flush()
    assert rec.all_finished.wait(SAFETY_S)
    session.close()
    assert rec.built == [3] and session.sent == 1
    assert [o.status for o in rec.outcomes] == ["succeeded"]
    assert [r.seed for r in rec.results] == [3]
    r = rec.results[0]  # placed like a canvas result: the whole document refined
    assert (r.x, r.y, r.document_width, r.document_height, r.image.width) == (0, 0, 96, 64, 96)


def test_a_newer_canvas_supersedes_the_running_job_and_only_its_result_arrives(daemon_kit):
    rec = Recorder(2)
    session = kit.LiveSession(daemon_kit, "doc-kit-2", on_result=rec.results.append, on_finished=rec.on_finished,
                              on_progress=lambda *a: rec.progress.set(), debounce_s=0)
    session.canvas_changed(rec.builder(10, steps=40))
    assert rec.progress.wait(SAFETY_S)  # the first job is running
    session.canvas_changed(rec.builder(11))
    assert rec.all_finished.wait(SAFETY_S)
    session.close()
    first, second = sorted(rec.outcomes, key=lambda o: o.seed != 10)
    assert first.status == "cancelled" and first.message == f"superseded by job {second.job_id}"
    assert second.status == "succeeded"
    assert rec.built == [10, 11] and [r.seed for r in rec.results] == [11]


def test_a_build_that_fails_does_not_end_the_session(daemon_kit):
    rec = Recorder(1)
    session = kit.LiveSession(daemon_kit, "doc-kit-3", on_result=rec.results.append,
                              on_finished=rec.on_finished, debounce_s=0)

    def broken():
        raise RuntimeError("host read failed")

    session.canvas_changed(broken)
    session.canvas_changed(rec.builder(21))
    assert rec.all_finished.wait(SAFETY_S)
    session.close()
    assert [r.seed for r in rec.results] == [21]
