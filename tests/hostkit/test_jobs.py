"""JobRunner's own logic against a scripted daemon: callback order, a failing callback, cancel
before the submit returns, the daemon vanishing mid-job. (The live daemon tests cover real jobs.)"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import underpaint_kit as kit
from underpaint_kit import pb


def scripted_events(cancelled: bool) -> list:
    image = pb.Image(width=1, height=1, format=pb.PIXEL_FORMAT_RGBA8, data=b"\x01\x02\x03\xff")
    status = pb.JOB_STATUS_CANCELLED if cancelled else pb.JOB_STATUS_SUCCEEDED
    kinds = [dict(queued=pb.Queued(position=2)), dict(queued=pb.Queued(position=0)),
             dict(started=pb.Started(model="demo")),
             dict(progress=pb.Progress(step=1, total_steps=2)),
             dict(progress=pb.Progress(step=2, total_steps=2, preview=image)),
             dict(result=pb.Result(index=0, image=image, seed=7, x=3, y=4)),
             dict(finished=pb.Finished(status=status, message="cancelled" if cancelled else ""))]
    return [pb.JobEvent(job_id="j1", seq=i + 1, **kind) for i, kind in enumerate(kinds)]


class FakeDaemon(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        server = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        method = self.path.rsplit("/", 1)[-1]
        server.calls.append(method)
        if server.gone:  # a daemon that died: the connection closes without an answer
            self.close_connection = True
            return
        if method == "GetInfo":
            reply = pb.Info(protocol_major=1)
        elif method == "Submit":
            server.submitted.wait(5)  # lets a test act while the submit is "in flight"
            reply = pb.Job(id="j1", seed=7)
            server.gone = server.vanish_after_submit
        elif method == "Cancel":
            server.cancelled = pb.CancelRequest.FromString(body).job_id
            reply = pb.CancelResponse(status=pb.JOB_STATUS_CANCELLED)
        else:  # PollEvents: at most two events per answer, to need several polls
            request = pb.PollEventsRequest.FromString(body)
            events = [e for e in scripted_events(bool(server.cancelled)) if e.seq > request.after_seq][:2]
            reply = pb.PollEventsResponse(events=events, done=bool(events) and events[-1].HasField("finished"))
        payload = reply.SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/proto")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDaemon)
    server.daemon_threads = True
    server.calls, server.cancelled, server.submitted = [], "", threading.Event()
    server.gone = server.vanish_after_submit = False
    server.submitted.set()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.daemon = kit.connect_daemon(f"127.0.0.1:{server.server_address[1]}")
    yield server
    server.shutdown()
    server.server_close()


def test_events_become_callbacks_in_order(fake):
    seen = []
    outcome = kit.JobRunner(
        fake.daemon, pb.GenerateRequest(prompt="x"),
        on_queued=lambda p: seen.append(("queued", p)), on_started=lambda: seen.append(("started",)),
        on_progress=lambda s, t, prev: seen.append(("progress", s, t, prev is not None)),
        on_result=lambda r: seen.append(("result", r.seed, r.x, r.y)),
        on_finished=lambda o: seen.append(("finished", o.status))).run()
    assert seen == [("queued", 2), ("queued", 0), ("started",), ("progress", 1, 2, False),
                    ("progress", 2, 2, True), ("result", 7, 3, 4), ("finished", "succeeded")]
    assert (outcome.status, outcome.job_id, outcome.seed, len(outcome.results)) == ("succeeded", "j1", 7, 1)
    assert outcome.ok and fake.calls.count("PollEvents") == 4


def test_a_failing_callback_is_logged_and_the_job_goes_on(fake, caplog):
    def broken(step, total, preview):
        raise RuntimeError("plugin bug")
    results = []
    with caplog.at_level(logging.ERROR, logger="underpaint_kit"):
        outcome = kit.JobRunner(fake.daemon, pb.GenerateRequest(), on_progress=broken,
                                on_result=results.append).run()
    assert outcome.status == "succeeded" and len(results) == 1
    assert "plugin bug" in caplog.text


def test_cancel_before_the_submit_returns_cancels_that_job(fake):
    fake.submitted.clear()  # hold the submit
    runner = kit.JobRunner(fake.daemon, pb.GenerateRequest()).start()
    with pytest.raises(TimeoutError, match="not submitted yet"):
        runner.wait(timeout=0.2)
    runner.cancel()  # no job id yet: remembered
    fake.submitted.set()
    outcome = runner.wait(timeout=30)
    assert fake.cancelled == "j1"
    assert outcome.status == "cancelled" and outcome.message == "cancelled"


def test_the_daemon_vanishing_mid_job_ends_it_as_failed(fake):
    finished = []
    fake.vanish_after_submit = True
    outcome = kit.JobRunner(fake.daemon, pb.GenerateRequest(), on_finished=finished.append).run()
    assert outcome.status == "failed" and outcome.job_id == "j1"
    assert outcome.message.startswith("The Underpaint daemon is not running at 127.0.0.1:")
    assert finished == [outcome]
    assert fake.calls.count("PollEvents") >= 4  # it retried before giving up
