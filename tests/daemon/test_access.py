"""Binding beyond loopback needs the token (both transports); an empty models folder serves
the demo; the Connect gateway answers JSON and refuses oversize bodies clearly."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import grpc
import pytest

from underpaint.client import Client, ClientError
from underpaint.testing import DaemonProcess
from underpaint.v1 import underpaint_pb2 as pb


def _post_json(address, method, body, headers=None):
    req = urllib.request.Request(f"http://{address}/underpaint.v1.Underpaint/{method}",
                                 data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def open_daemon(demo_models_dir, tmp_path_factory):
    process = DaemonProcess(demo_models_dir, tmp_path_factory.mktemp("open"), ["--host", "0.0.0.0"]).start()
    yield process
    process.stop()


def test_beyond_loopback_requires_the_token_on_grpc(open_daemon):
    token = (open_daemon.config_dir / "token").read_text().strip()
    port = open_daemon.grpc.rsplit(":", 1)[1]
    with Client(f"127.0.0.1:{port}", token="wrong") as client:
        with pytest.raises(ClientError) as err:
            client.info()
        assert "unauthenticated" in str(err.value) and "token" in str(err.value)
    with Client(f"127.0.0.1:{port}", token=token) as client:
        assert client.info().protocol_major == 1


def test_beyond_loopback_requires_the_token_on_http(open_daemon):
    token = (open_daemon.config_dir / "token").read_text().strip()
    port = open_daemon.http.rsplit(":", 1)[1]
    status, body = _post_json(f"127.0.0.1:{port}", "GetInfo", {})
    assert status == 401 and body["code"] == "unauthenticated"
    status, body = _post_json(f"127.0.0.1:{port}", "GetInfo", {}, {"Authorization": f"Bearer {token}"})
    assert status == 200 and body["protocolMajor"] == 1


def test_gateway_speaks_connect_json_with_precise_errors(daemon):
    status, body = _post_json(daemon.http, "ListModels", {})
    assert status == 200 and any(m["isDemo"] for m in body["models"])
    status, body = _post_json(daemon.http, "Submit", {"prompt": "x", "width": 70, "height": 64})
    assert status == 400 and body["code"] == "invalid_argument" and "width" in body["message"]
    status, body = _post_json(daemon.http, "Cancel", {"jobId": "nope"})
    assert status == 404 and body["code"] == "not_found"


def test_gateway_refuses_oversize_bodies_with_a_clear_error(daemon):
    import http.client

    host, port = daemon.http.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.putrequest("POST", "/underpaint.v1.Underpaint/Submit")
    conn.putheader("Content-Type", "application/proto")
    conn.putheader("Content-Length", str(2 * 1024**3))
    conn.endheaders()
    resp = conn.getresponse()
    body = json.loads(resp.read())
    assert resp.status == 429 and body["code"] == "resource_exhausted"
    assert "limit" in body["message"]
    conn.close()


def test_empty_models_folder_serves_the_labelled_demo(tmp_path):
    from diffusers import AutoencoderTiny

    (tmp_path / "empty").mkdir()
    AutoencoderTiny().save_pretrained(tmp_path / "empty" / "vae-approx" / "taesd")  # not a model: previews
    process = DaemonProcess(tmp_path / "empty", tmp_path / "home").start()
    try:
        assert "No usable model is installed" in process.log() and "DEMO" in process.log()
        with Client(process.grpc) as client:
            listed = client.models()
            models = listed.models
            assert models and all(m.is_demo for m in models)
            # the demo's own add-ons are listed, so a first run's pickers are not empty
            add_ons = {(a.type, a.id) for a in listed.add_ons}
            assert {("lora", "underpaint-demo-lora"), ("vae", "underpaint-demo-vae")} <= add_ons, add_ons
            assert ("vae_approx", "taesd") in add_ons  # TAESD previews are listed where users look
            job = client.submit(pb.GenerateRequest(prompt="x <lora:underpaint-demo-lora:0.8>", steps=2, seed=1))
            assert list(client.watch(job.id))[-1].finished.status == pb.JOB_STATUS_SUCCEEDED
    finally:
        process.stop()


def test_a_second_daemon_on_a_taken_port_says_so(daemon, tmp_path):
    port = daemon.grpc.rsplit(":", 1)[1]
    process = DaemonProcess(daemon.models_dir, tmp_path, ["--port", port])
    # --port given twice: argparse keeps the last, i.e. the taken one
    try:
        with pytest.raises(RuntimeError) as err:
            process.start(timeout=120)
        assert "cannot listen" in str(err.value)
    finally:
        process.stop()
