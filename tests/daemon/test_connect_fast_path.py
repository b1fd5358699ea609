"""The gateway's fast path for unary Connect calls with a binary protobuf body
(transport/connect_unary.py): the same answers, errors included, as connectrpc's own path, which
still serves JSON, gzip and chunked requests."""

from __future__ import annotations

import gzip
import http.client
import json

import numpy as np

from underpaint.v1 import board_pb2
from underpaint.v1 import underpaint_pb2 as pb

ECHO = "/underpaint.v1.Underpaint/Echo"
FETCH = "/underpaint.v1.Board/Fetch"


def _call(address, path, body, content_type="application/proto", headers=None, chunked=False):
    name, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(name, int(port), timeout=60)
    all_headers = {"Content-Type": content_type, "Connect-Protocol-Version": "1", **(headers or {})}
    if chunked:
        conn.request("POST", path, body=iter([body[:1000], body[1000:]]), headers=all_headers, encode_chunked=True)
    else:
        conn.request("POST", path, body=body, headers=all_headers)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    return response, raw


def _image(side: int) -> pb.Image:
    data = np.random.default_rng(side).integers(0, 256, (side, side, 4), dtype=np.uint8).tobytes()
    return pb.Image(width=side, height=side, format=pb.PIXEL_FORMAT_RGBA8, data=data)


def test_a_large_echo_comes_back_whole_with_a_length_and_uncompressed(daemon):
    image = _image(1000)  # 4 MB: several body slices each way
    response, raw = _call(daemon.http, ECHO, image.SerializeToString(), headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/proto"
    assert int(response.getheader("Content-Length")) == len(raw)
    assert response.getheader("Content-Encoding") in (None, "identity")  # images do not pay for gzip
    assert pb.Image.FromString(raw) == image


def test_chunked_gzip_and_json_requests_still_work_through_connectrpc(daemon):
    image = _image(40)
    wire = image.SerializeToString()
    response, raw = _call(daemon.http, ECHO, wire, chunked=True)  # no Content-Length
    assert response.status == 200 and pb.Image.FromString(raw) == image
    response, raw = _call(daemon.http, ECHO, gzip.compress(wire), headers={"Content-Encoding": "gzip"})
    assert response.status == 200 and pb.Image.FromString(raw) == image
    response, raw = _call(daemon.http, ECHO, json.dumps({"width": 3, "height": 5}).encode(), "application/json")
    assert response.status == 200 and json.loads(raw) == {"width": 3, "height": 5}


def test_errors_are_the_same_on_both_paths(daemon):
    garbage = b"\xff\xff\xff\xff"
    fast, fast_raw = _call(daemon.http, ECHO, garbage)
    slow, slow_raw = _call(daemon.http, ECHO, gzip.compress(garbage), headers={"Content-Encoding": "gzip"})
    assert fast.status == slow.status == 400
    assert json.loads(fast_raw) == json.loads(slow_raw)
    assert json.loads(fast_raw)["code"] == "invalid_argument"
    assert "cannot be parsed as underpaint.v1.Image" in json.loads(fast_raw)["message"]

    missing = board_pb2.FetchRequest(channel="no/such/channel")
    fast, fast_raw = _call(daemon.http, FETCH, missing.SerializeToString())
    slow, slow_raw = _call(daemon.http, FETCH, json.dumps({"channel": "no/such/channel"}).encode(), "application/json")
    assert fast.status == slow.status == 404
    assert json.loads(fast_raw) == json.loads(slow_raw)
    assert json.loads(fast_raw)["code"] == "not_found"


def test_answers_encoded_in_pieces_parse_back_to_the_same_message(monkeypatch):
    from underpaint.transport import wire
    from underpaint.v1 import board_pb2 as bpb

    monkeypatch.setattr(wire, "LARGE_BYTES", 16)  # small messages take the splitting path too
    image, small = _image(8), _image(1)  # 256 bytes of pixels: split out; 4 bytes: kept inline
    entry = bpb.BoardEntry(channel="a/b", version=3, width=8, height=8, image=image)
    events = pb.PollEventsResponse(events=[
        pb.JobEvent(job_id="j", result=pb.Result(seed=5, image=image, x=2, note="n",
                                                 parameters=pb.GenerationParameters(prompt="p", seed=5))),
        pb.JobEvent(job_id="j", result=pb.Result(seed=6, image=small)),
        pb.JobEvent(job_id="k")])
    for message in (image, small, entry, events, pb.Image()):
        pieces = wire.encode_pieces(message)
        assert type(message).FromString(b"".join(pieces)) == message
    assert any(piece == image.data for piece in wire.encode_pieces(entry))  # the pixels went as they were
