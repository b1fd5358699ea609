"""The Connect client's edge cases against a scripted stdlib HTTP server: dropped keep-alive
connections, error bodies, the token header, timeouts and a daemon of another protocol."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import underpaint_kit as kit
from underpaint_kit import pb


class ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like uvicorn

    def do_POST(self):  # noqa: N802 - http.server's name
        server = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server.seen.append({"path": self.path, "body": body, "headers": dict(self.headers),
                            "connection": self.client_address})
        mode = server.mode
        if mode == "slow":
            time.sleep(1.5)
        if mode == "error_json":
            self._send(400, "application/json",
                       json.dumps({"code": "invalid_argument", "message": "steps: 0 is out of range"}).encode())
        elif mode == "error_plain":
            self._send(503, "text/plain", b"overloaded")
        elif mode == "empty":  # an empty message (no events yet) is a body of 0 bytes
            self._send(200, "application/proto", b"")
        elif mode == "garbage":
            self._send(200, "application/proto", b"\xff\xff\xff")
        else:
            self._send(200, "application/proto", pb.Info(
                protocol_major=server.major, daemon_version="9.9",
                max_message_bytes=1000).SerializeToString())
        # Close without saying so, as a server does when its keep-alive timeout expires.
        self.close_connection = server.drop_after_response

    def _send(self, status, content_type, payload):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedHandler)
    httpd.daemon_threads = True
    httpd.seen, httpd.mode, httpd.major, httpd.drop_after_response = [], "info", 1, False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.address = f"127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_requests_follow_the_connect_protocol_and_reuse_the_connection(server):
    daemon = kit.connect_daemon(server.address, token="s3cret")
    daemon.get_info()
    first, second = server.seen
    assert first["path"] == "/underpaint.v1.Underpaint/GetInfo"
    assert first["headers"]["Content-Type"] == "application/proto"
    assert first["headers"]["Connect-Protocol-Version"] == "1"
    assert first["headers"]["Authorization"] == "Bearer s3cret"
    assert first["connection"] == second["connection"]  # keep-alive


def test_empty_answers_leave_the_kept_alive_connection_usable(server):
    daemon = kit.connect_daemon(server.address)
    daemon.get_info()
    server.mode = "empty"
    first, second = daemon.poll("job-1"), daemon.poll("job-1")  # the second failed on the same socket
    assert list(first.events) == list(second.events) == []
    polls = [seen for seen in server.seen if seen["path"].endswith("/PollEvents")]
    assert len(polls) == 2 and polls[0]["connection"] == polls[1]["connection"]


def test_a_dropped_keep_alive_connection_is_reopened_once(server):
    server.drop_after_response = True
    daemon = kit.connect_daemon(server.address)
    assert daemon.get_info().daemon_version == "9.9"
    assert daemon.get_info().daemon_version == "9.9"
    assert len(server.seen) == 3
    assert len({s["connection"] for s in server.seen}) == 3


def test_error_bodies_become_request_rejected(server):
    daemon = kit.connect_daemon(server.address)
    server.mode = "error_json"
    with pytest.raises(kit.RequestRejected) as caught:
        daemon.submit(pb.GenerateRequest(steps=0))
    assert caught.value.code == "invalid_argument"
    assert str(caught.value) == "steps: 0 is out of range"
    server.mode = "error_plain"  # e.g. a proxy: Connect maps the HTTP status
    with pytest.raises(kit.RequestRejected) as caught:
        daemon.models()
    assert caught.value.code == "unavailable" and "HTTP 503" in str(caught.value)
    server.mode = "garbage"  # something else answers on that port
    with pytest.raises(kit.RequestRejected, match="is not an Underpaint ListModels reply"):
        daemon.models()


def test_a_slow_answer_times_out_with_a_clear_message(server):
    daemon = kit.connect_daemon(server.address, timeout=0.3)
    server.mode = "slow"
    with pytest.raises(kit.RequestRejected) as caught:
        daemon.get_info()
    assert caught.value.code == "deadline_exceeded"
    assert f"daemon at {server.address} did not answer within 0.3 s" in str(caught.value)
    assert isinstance(caught.value, kit.UnderpaintError)


def test_another_protocol_major_is_daemon_too_old(server):
    server.major = 2
    with pytest.raises(kit.DaemonTooOld) as caught:
        kit.connect_daemon(server.address)
    assert str(caught.value).startswith("The daemon speaks protocol v2 (daemon 9.9); this plugin needs v1 - update")
    server.major = 0
    with pytest.raises(kit.DaemonTooOld, match="protocol v0 .*update the daemon"):
        kit.connect_daemon(server.address)


def test_token_comes_from_the_token_file_in_the_config_dir(server, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("UNDERPAINT_TOKEN", raising=False)
    (tmp_path / "underpaint").mkdir()
    (tmp_path / "underpaint" / "token").write_text("from-file\n")
    kit.connect_daemon(server.address)
    assert server.seen[-1]["headers"]["Authorization"] == "Bearer from-file"


def test_each_thread_uses_its_own_connection(server):
    daemon = kit.connect_daemon(server.address)
    threads = [threading.Thread(target=daemon.get_info) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({s["connection"] for s in server.seen[1:]}) == 3


def test_requests_over_the_daemons_limit_are_refused_before_sending(server):
    daemon = kit.connect_daemon(server.address)  # this daemon accepts 1000 bytes
    sent = len(server.seen)
    with pytest.raises(kit.RequestRejected) as caught:
        daemon.publish("big", kit.requests.rgba_image(32, 32, bytes(32 * 32 * 4)))
    assert caught.value.code == "resource_exhausted" and "send a smaller region" in str(caught.value)
    assert len(server.seen) == sent
    daemon.publish("small", kit.requests.rgba_image(2, 2, bytes(16)))  # small ones still go
    assert server.seen[-1]["path"] == "/underpaint.v1.Board/Publish"


def test_a_malformed_address_is_an_underpaint_error(monkeypatch):
    monkeypatch.setenv("UNDERPAINT_HTTP", "localhost")  # the port forgotten
    with pytest.raises(kit.UnderpaintError, match="address: expected host:port, got 'localhost'"):
        kit.connect_daemon()
