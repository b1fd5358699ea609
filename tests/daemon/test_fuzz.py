"""1,000 fuzz cases against a real daemon: every request message of both services, on native gRPC
and on the Connect gateway (binary and JSON), as structured hypothesis inputs and as byte-mutated
valid payloads. Every answer must be a defined status (never UNKNOWN/INTERNAL/HTTP 500), and the
daemon must still generate, publish and answer afterwards. bench/fuzz.py runs 10,000."""

from __future__ import annotations

import collections
import http.client
import json

import grpc
import pytest
from hypothesis import HealthCheck, given, settings

from tests import fuzzing
from underpaint.client import Client
from underpaint.testing import DaemonProcess
from underpaint.v1 import board_pb2, underpaint_pb2 as pb

from .helpers import request, run_job

TRANSPORTS = ("grpc", "connect-proto", "connect-json")
METHODS = fuzzing.methods()
# Cases per (method, transport): richer messages get more. Sums to 1,152 planned; small message
# spaces (empty requests) run out of distinct structured inputs early, the tally counts what ran.
WEIGHT = {"Submit": 5, "Publish": 4, "Echo": 2}
STRUCTURED_PER_WEIGHT = 9
MUTATED_PER_WEIGHT = 7
MIN_CASES = 1000

TALLY: collections.Counter = collections.Counter()


@pytest.fixture(scope="module")
def fuzz_daemon(demo_models_dir, tmp_path_factory):
    # Its own daemon: fuzz input fills the board with junk and queues (then cancels) jobs.
    process = DaemonProcess(demo_models_dir, tmp_path_factory.mktemp("fuzz")).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def senders(fuzz_daemon):
    channel = grpc.insecure_channel(fuzz_daemon.grpc, options=[("grpc.max_receive_message_length", 64 << 20)])
    connect = fuzzing.ConnectSender(fuzz_daemon.http)
    client = Client(fuzz_daemon.grpc)
    client.call(client.board.Publish, board_pb2.PublishRequest(  # so Fetch/Subscribe have something to find
        channel="fuzz/seed", image=pb.Image(width=8, height=8, format=pb.PIXEL_FORMAT_RGBA8, data=bytes(256))))
    yield channel, connect, client
    connect.close()
    client.close()
    channel.close()


def fuzz_daemon_http(senders) -> tuple[str, int]:
    connect = senders[1]
    return connect.host, connect.port


def _send(senders, method, transport: str, payload: bytes):
    channel, connect, client = senders
    if transport == "grpc":
        answer = fuzzing.send_grpc(channel, method, payload)
    else:
        answer = connect.send(method, payload, transport.removeprefix("connect-"))
    if answer.job_id:  # a fuzz input that is a valid job: never let it run
        client.cancel(answer.job_id)
    TALLY[(transport, answer.status)] += 1
    TALLY["cases"] += 1
    return answer


def _encode(message, transport: str) -> bytes:
    return fuzzing.to_json(message) if transport == "connect-json" else message.SerializeToString()


def _settings(examples: int):
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


CASES = [(m, t) for m in METHODS for t in TRANSPORTS]


@pytest.mark.parametrize("method,transport", CASES, ids=[f"{m}-{t}" for m, t in CASES])
def test_structured_inputs_get_defined_answers(senders, method, transport):
    @_settings(WEIGHT.get(method.name, 1) * STRUCTURED_PER_WEIGHT)
    @given(fuzzing.structured_strategy(method))
    def check(message):
        answer = _send(senders, method, transport, _encode(message, transport))
        assert answer.defined, f"{method} over {transport}: {answer.status} {answer.detail!r} for {message!r}"
    check()


@pytest.mark.parametrize("method,transport", CASES, ids=[f"{m}-{t}" for m, t in CASES])
def test_mutated_payloads_get_defined_answers(senders, method, transport):
    seed = _encode(fuzzing.seed_request(method), transport)

    @_settings(WEIGHT.get(method.name, 1) * MUTATED_PER_WEIGHT)
    @given(fuzzing.mutated(seed))
    def check(payload):
        answer = _send(senders, method, transport, payload)
        assert answer.defined, f"{method} over {transport}: {answer.status} {answer.detail!r} for {payload!r}"
    check()


def test_unparsable_requests_are_invalid_argument_with_the_reason(senders):
    """The core promise, spelled out once per transport (the fuzz tests only rule out bad codes)."""
    channel, connect, _ = senders
    submit = next(m for m in METHODS if m.name == "Submit")
    answer = fuzzing.send_grpc(channel, submit, b"\x0a\xff\xff\xff\xff\x0f")  # a length past the end
    assert answer.status == "INVALID_ARGUMENT" and "cannot be parsed as underpaint.v1.GenerateRequest" in answer.detail
    answer = connect.send(submit, b'{"nonsense": ', "json")
    assert answer.status == "HTTP 400 invalid_argument" and "Failed to load JSON" in answer.detail
    answer = connect.send(submit, b'{"nonsense": 1}', "json")
    assert answer.status == "HTTP 400 invalid_argument" and 'no field named "nonsense"' in answer.detail
    board_list = next(m for m in METHODS if m.name == "List")
    answer = connect.send(board_list, b"\xff", "proto")
    assert answer.status == "HTTP 400 invalid_argument" and "ListChannelsRequest" in answer.detail
    watch = next(m for m in METHODS if m.name == "Watch")
    answer = connect.send(watch, b"\x0a\x05ab", "proto")  # a string cut short, inside a valid envelope
    assert answer.status == "HTTP 200 invalid_argument" and "WatchRequest" in answer.detail
    # A streaming envelope flagged compressed with no encoding: connectrpc alone says `internal`.
    host, port = fuzz_daemon_http(senders)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("POST", watch.path, body=b"\x01\x00\x00\x00\x00",
                 headers={"Content-Type": "application/connect+proto"})
    response = conn.getresponse()
    end = response.read()
    conn.close()
    assert response.status == 200 and end[0] == 0b10
    assert json.loads(end[5:])["error"]["code"] == "invalid_argument"


def test_the_fuzz_ran_its_cases_and_the_daemon_still_serves(fuzz_daemon, senders):
    assert TALLY["cases"] >= MIN_CASES, f"only {TALLY['cases']} fuzz cases ran: {dict(TALLY)}"
    channel, _, client = senders
    assert client.info().protocol_major == 1
    _, events, results, finished = run_job(client, request(steps=2, width=64, height=64))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED and len(results) == 1
    entry = client.call(client.board.Publish, board_pb2.PublishRequest(
        channel="after/fuzz", image=pb.Image(width=8, height=8, format=pb.PIXEL_FORMAT_RGBA8, data=bytes(range(256)))))
    fetched = client.call(client.board.Fetch, board_pb2.FetchRequest(channel="after/fuzz"))
    assert fetched.version == entry.version and fetched.image.data == bytes(range(256))
    assert "failed unexpectedly" not in fuzz_daemon.log()

