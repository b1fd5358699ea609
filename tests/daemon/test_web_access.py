"""Web pages cannot drive the daemon: DNS-rebinding Host names and browser Origins are refused with
a 403 that names the flag to pass, while native clients and Photoshop's UXP panel get through."""

from __future__ import annotations

import http.client
import json
import socket

import pytest

from underpaint.testing import DaemonProcess
from underpaint.transport.access import AccessPolicy


def _post(address, path, body=b"{}", host=None, origin=None, method="POST"):
    """A Connect JSON call with a chosen Host and Origin, as a browser would send it."""
    name, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(name, int(port), timeout=30)
    conn.putrequest(method, path, skip_host=host is not None)
    if host is not None:
        conn.putheader("Host", host)
    if origin is not None:
        conn.putheader("Origin", origin)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    try:
        return response.status, json.loads(raw) if raw else {}
    except ValueError:
        return response.status, {"raw": raw}


SUBMIT = "/underpaint.v1.Underpaint/Submit"
BOARD_LIST = "/underpaint.v1.Board/List"
JOB = json.dumps({"prompt": "x", "width": 64, "height": 64, "steps": 2}).encode()


@pytest.mark.parametrize("path,body", [(SUBMIT, JOB), (BOARD_LIST, b"{}")], ids=["Submit", "Board/List"])
def test_rebinding_host_is_refused_before_anything_runs(daemon, path, body):
    port = daemon.http.rsplit(":", 1)[1]
    jobs_logged = daemon.process.log_path.read_text().count(" queued at ")
    status, error = _post(daemon.http, path, body, host=f"attacker.example:{port}")
    assert status == 403 and error["code"] == "permission_denied"
    assert "--allow-host attacker.example" in error["message"]
    # The same request from a legitimate Host goes through, so the refusal was the Host alone ...
    assert _post(daemon.http, path, body, host=f"127.0.0.1:{port}")[0] == 200
    # ... and only that one queued a job (the daemon logs each job it queues).
    assert daemon.process.log_path.read_text().count(" queued at ") == jobs_logged + (path == SUBMIT)


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:8080", "null", "file://"])
def test_browser_origins_are_refused(daemon, origin):
    status, error = _post(daemon.http, BOARD_LIST, origin=origin)
    assert status == 403 and error["code"] == "permission_denied"
    assert f"--allow-origin {origin}" in error["message"]


def test_what_native_clients_and_the_uxp_panel_send_passes(daemon):
    port = daemon.http.rsplit(":", 1)[1]
    # The host kit and the CLI: Host as in the address, no Origin. UXP: the same (plugins cannot set
    # Host or Origin), or a uxp:// origin carrying the plugin id; the manifest lists both hosts.
    for host, origin in [(None, None), (f"localhost:{port}", None), (f"127.0.0.1:{port}", None),
                         (f"[::1]:{port}", None), (f"127.0.0.1:{port}", "uxp://org.underpaint.photoshop"),
                         (f"localhost:{port}", "uxp://uxp-internal")]:
        status, body = _post(daemon.http, BOARD_LIST, host=host, origin=origin)
        assert status == 200 and "bytesBudget" in body, (host, origin, body)


def test_get_cannot_call_methods(daemon):
    # <img src=...> and link prefetches send GET with no Origin: no RPC may run on one.
    status, _ = _post(daemon.http, "/underpaint.v1.Board/Delete?encoding=json&message=%7B%7D", b"", method="GET")
    assert status == 405


@pytest.fixture(scope="module")
def configured_daemon(demo_models_dir, tmp_path_factory):
    process = DaemonProcess(demo_models_dir, tmp_path_factory.mktemp("configured"),
                            ["--allow-host", "studio.lan", "--allow-origin", "https://tools.example"]).start()
    yield process
    process.stop()


def test_configured_host_and_origin_pass_and_others_still_do_not(configured_daemon):
    port = configured_daemon.http.rsplit(":", 1)[1]
    assert _post(configured_daemon.http, BOARD_LIST, host=f"studio.lan:{port}")[0] == 200
    assert _post(configured_daemon.http, BOARD_LIST, host=f"STUDIO.LAN.:{port}")[0] == 200
    assert _post(configured_daemon.http, SUBMIT, JOB, origin="https://tools.example")[0] == 200
    assert _post(configured_daemon.http, BOARD_LIST, host=f"other.lan:{port}")[0] == 403
    assert _post(configured_daemon.http, BOARD_LIST, origin="https://tools.example.evil")[0] == 403


def test_the_grpc_port_does_not_answer_a_browser(daemon):
    """Browsers reach plain-text ports over HTTP/1.1 only; grpc core wants an HTTP/2 preface."""
    name, port = daemon.grpc.rsplit(":", 1)
    with socket.create_connection((name, int(port)), timeout=30) as sock:
        sock.sendall(b"POST /underpaint.v1.Board/List HTTP/1.1\r\nHost: attacker.example\r\n"
                     b"Content-Type: application/grpc\r\nContent-Length: 5\r\n\r\n\x00\x00\x00\x00\x00")
        answer = b""
        try:
            while chunk := sock.recv(4096):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    assert not answer.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("bound,host,allowed", [
    ("127.0.0.1", "127.0.0.1:50052", True),
    ("127.0.0.1", "127.0.0.2", True),            # all of 127/8 is this machine
    ("127.0.0.1", "localhost", True),
    ("127.0.0.1", "Localhost.:50052", True),
    ("127.0.0.1", "192.168.1.9:50052", False),   # not the bound address
    ("127.0.0.1", "attacker.example:50052", False),
    ("127.0.0.1", "localhost.attacker.example", False),
    ("192.168.1.9", "192.168.1.9:50052", True),  # the bound address
    ("0.0.0.0", "10.1.2.3:50052", True),         # wildcard: any address literal (no page can send one)
    ("0.0.0.0", "[fe80::1]:50052", True),
    ("0.0.0.0", "my-pc.local:50052", False),     # names still need --allow-host
    ("::", "[::1]:50052", True),
])
def test_host_policy(bound, host, allowed):
    assert AccessPolicy(bound).host_allowed(host) is allowed
