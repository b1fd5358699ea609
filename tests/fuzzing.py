"""Fuzzing both services on both transports: hypothesis strategies for every request message, raw
byte mutation of valid payloads, senders that speak gRPC and Connect by hand, and the verdict on
each answer. Shared by tests/daemon/test_fuzz.py (1,000 cases) and bench/fuzz.py (10,000).

A defined answer is any status but UNKNOWN and INTERNAL (gRPC) or HTTP 500 / `unknown` /
`internal` (Connect): those mean the daemon blamed itself for the client's bytes. Valid jobs that
get through are cancelled at once, so the queue never fills with fuzz work.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
from dataclasses import dataclass

import grpc
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor as F
from hypothesis import strategies as st

from underpaint.v1 import archive_pb2, board_pb2, underpaint_pb2 as pb

STREAM_WAIT_S = 0.25  # a server stream still open after this long accepted its request
MAX_DEPTH = 3

_INT_LIMITS = {F.TYPE_INT32: (-2**31, 2**31 - 1), F.TYPE_SINT32: (-2**31, 2**31 - 1),
               F.TYPE_SFIXED32: (-2**31, 2**31 - 1), F.TYPE_INT64: (-2**63, 2**63 - 1),
               F.TYPE_SINT64: (-2**63, 2**63 - 1), F.TYPE_SFIXED64: (-2**63, 2**63 - 1),
               F.TYPE_UINT32: (0, 2**32 - 1), F.TYPE_FIXED32: (0, 2**32 - 1),
               F.TYPE_UINT64: (0, 2**64 - 1), F.TYPE_FIXED64: (0, 2**64 - 1)}
_UNITS = ("width", "height", "document_width", "document_height", "x", "y")
# Fields whose large values only make the call wait (long-polls): fuzz their edges, not their length.
_SHORT_WAITS = {"wait_ms": st.one_of(st.integers(-2**31, 0), st.integers(0, 20))}


@dataclass(frozen=True)
class Method:
    service: str
    name: str
    request: type
    response: type
    streaming: bool

    @property
    def path(self) -> str:
        return f"/{self.service}/{self.name}"

    def __str__(self) -> str:
        return self.name


def methods() -> list[Method]:
    from google.protobuf.message_factory import GetMessageClass

    out = []
    for module in (pb, board_pb2, archive_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            for m in service.methods:
                out.append(Method(service.full_name, m.name, GetMessageClass(m.input_type),
                                  GetMessageClass(m.output_type), m.server_streaming))
    return out


# --- structured inputs --------------------------------------------------------------------------

def _integers(field) -> st.SearchStrategy:
    low, high = _INT_LIMITS[field.type]
    edges = [v for v in (low, high, -1, 0, 1, 7, 8, 64, 150, 151, 4096) if low <= v <= high]
    plausible = st.integers(max(low, -8), min(high, 160))
    if field.name in _UNITS:
        plausible = st.sampled_from([v for v in (0, 8, 16, 32, 64, 65, 72) if low <= v <= high])
    return st.one_of(st.sampled_from(edges), plausible, st.integers(low, high))


def _valid_image() -> st.SearchStrategy:
    """Images whose bytes match their size, so requests get past decoding into deeper checks."""
    def build(w, h, fmt, fill):
        channels = {pb.PIXEL_FORMAT_RGBA8: 4, pb.PIXEL_FORMAT_RGB8: 3, pb.PIXEL_FORMAT_GRAY8: 1}[fmt]
        return pb.Image(width=w, height=h, format=fmt, data=bytes([fill]) * (w * h * channels))
    return st.builds(build, st.sampled_from([8, 16, 64]), st.sampled_from([8, 16, 64]),
                     st.sampled_from([pb.PIXEL_FORMAT_RGBA8, pb.PIXEL_FORMAT_RGB8, pb.PIXEL_FORMAT_GRAY8]),
                     st.integers(0, 255))


def _value(field, depth: int) -> st.SearchStrategy | None:
    if field.name in _SHORT_WAITS:
        return _SHORT_WAITS[field.name]
    t = field.type
    if t in _INT_LIMITS:
        return _integers(field)
    if t == F.TYPE_BOOL:
        return st.booleans()
    if t in (F.TYPE_FLOAT, F.TYPE_DOUBLE):
        return st.one_of(st.sampled_from([0.0, -1.0, 0.5, 1.0, 1.5, 7.0, float("nan"), float("inf"), -float("inf")]),
                         st.floats(width=32 if t == F.TYPE_FLOAT else 64))
    if t == F.TYPE_STRING:
        return st.one_of(st.sampled_from(["", "a", "layer/1", "../x", "x" * 65, "\x00", "😀"]),
                         st.text(max_size=40))
    if t == F.TYPE_BYTES:
        return st.binary(max_size=256)
    if t == F.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-3, 1000))  # open enums take unknown numbers
    if t == F.TYPE_MESSAGE:
        if depth >= MAX_DEPTH:
            return None
        inner = message_strategy(field.message_type, depth + 1)
        if field.message_type.full_name == "underpaint.v1.Image":
            inner = st.one_of(inner, _valid_image())
        return inner
    return None


def message_strategy(descriptor, depth: int = 0) -> st.SearchStrategy:
    """Messages of `descriptor` with any subset of fields set to edge, plausible or random values."""
    from google.protobuf.message_factory import GetMessageClass

    cls = GetMessageClass(descriptor)
    optional = {}
    for field in descriptor.fields:
        value = _value(field, depth)
        if value is None:
            continue
        optional[field.name] = st.lists(value, max_size=3) if _repeated(field) else value
    if not optional:
        return st.just(cls())

    def build(values):
        message = cls()
        for name, value in values.items():
            field = descriptor.fields_by_name[name]
            if _repeated(field):
                target = getattr(message, name)
                if field.type == F.TYPE_MESSAGE:
                    for item in value:
                        target.add().CopyFrom(item)
                else:
                    target.extend(value)
            elif field.type == F.TYPE_MESSAGE:
                getattr(message, name).CopyFrom(value)
            else:
                setattr(message, name, value)
        return message
    return st.fixed_dictionaries({}, optional=optional).map(build)


def near_seed_strategy(method: Method) -> st.SearchStrategy:
    """The RPC's valid seed request with one to three fields replaced by fuzz values: most of these
    pass parsing and the first checks, so they reach the deep validation (and sometimes the queue)."""
    seed = seed_request(method)
    descriptor = method.request.DESCRIPTOR
    fields = [f for f in descriptor.fields if _value(f, 1) is not None]
    if not fields:
        return st.just(seed)
    whole = message_strategy(descriptor)

    def build(picked, donor):
        message = method.request()
        message.CopyFrom(seed)
        for field in picked:
            message.ClearField(field.name)
            if field.type == F.TYPE_MESSAGE and not _repeated(field):
                if donor.HasField(field.name):
                    getattr(message, field.name).CopyFrom(getattr(donor, field.name))
            elif _repeated(field):
                getattr(message, field.name).extend(getattr(donor, field.name))
            else:
                setattr(message, field.name, getattr(donor, field.name))
        return message
    return st.builds(build, st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True), whole)


def structured_strategy(method: Method) -> st.SearchStrategy:
    return st.one_of(message_strategy(method.request.DESCRIPTOR), near_seed_strategy(method))


def _repeated(field) -> bool:
    return field.is_repeated if hasattr(field, "is_repeated") else field.label == F.LABEL_REPEATED


# --- raw mutation -------------------------------------------------------------------------------

def seed_request(method: Method):
    """A valid request for each RPC: the starting point of byte mutation."""
    image = pb.Image(width=8, height=8, format=pb.PIXEL_FORMAT_RGBA8, data=bytes(range(256)))
    seeds = {
        "Submit": pb.GenerateRequest(prompt="a fox", width=64, height=64, steps=2, seed=5, init_image=image,
                                     strength=0.75, client="fuzz"),
        "Watch": pb.WatchRequest(job_id="0123456789abcdef", after_seq=2),
        "PollEvents": pb.PollEventsRequest(job_id="0123456789abcdef", after_seq=1, wait_ms=0),
        "Cancel": pb.CancelRequest(job_id="0123456789abcdef"),
        "Echo": image,
        "Publish": board_pb2.PublishRequest(channel="fuzz/seed", image=image,
                                            meta=board_pb2.BoardMeta(source_app="fuzz", note="n")),
        "Fetch": board_pb2.FetchRequest(channel="fuzz/seed", format=pb.PIXEL_FORMAT_PNG),
        "Delete": board_pb2.DeleteChannelRequest(channel="fuzz/none"),
        "Subscribe": board_pb2.SubscribeRequest(channels=["fuzz/seed"], after_cursor=1),
        "PollBoard": board_pb2.PollBoardRequest(channels=["fuzz/seed"], after_cursor=1, wait_ms=0),
        "ListModels": pb.ListModelsRequest(rescan=False),
        "SearchHistory": archive_pb2.SearchHistoryRequest(text="fox*", tags=["t"], limit=5, cursor="9"),
        "PutStyle": archive_pb2.Style(name="fuzz", prompt="a, {prompt}", negative_prompt="b", steps=3),
        "ImportStyles": archive_pb2.ImportStylesRequest(text='{"styles": [{"name": "f", "prompt": "p"}]}'),
        "CheckConcept": archive_pb2.CheckConceptRequest(text="a fox", neighbours=3),
        "ImportHistoryImage": archive_pb2.ImportHistoryImageRequest(image=image, file_name="f.png"),
    }
    return seeds.get(method.name, method.request())


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """`data` with a few random edits: flipped bits, replaced, inserted or deleted bytes, a cut."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "duplicate"]))
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if op == "flip" and out:
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and out:
            out[at] = draw(st.sampled_from([0x00, 0x7F, 0x80, 0xFF, draw(st.integers(0, 255))]))
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and out:
            del out[at:at + draw(st.integers(1, 8))]
        elif op == "truncate":
            del out[at:]
        elif op == "duplicate" and out:
            out[at:at] = out[at:at + draw(st.integers(1, 16))]
    return bytes(out)


# --- sending and judging ------------------------------------------------------------------------

@dataclass
class Answer:
    transport: str
    status: str      # gRPC status name, or "HTTP <code> <connect code>"
    defined: bool
    detail: str = ""
    job_id: str = ""  # a job the fuzz input managed to queue (cancel it)


_BAD_GRPC = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}


def send_grpc(channel: grpc.Channel, method: Method, payload: bytes) -> Answer:
    if method.streaming:
        call = channel.unary_stream(method.path)(payload, timeout=STREAM_WAIT_S)
        try:
            for _ in call:
                call.cancel()
                return Answer("grpc", "OK (streaming)", True)
            return Answer("grpc", "OK", True)
        except grpc.RpcError as error:
            code = error.code()
            if code == grpc.StatusCode.CANCELLED:
                return Answer("grpc", "OK (streaming)", True)
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                return Answer("grpc", "OK (stream open)", True)
            return Answer("grpc", code.name, code not in _BAD_GRPC, error.details() or "")
    try:
        reply = channel.unary_unary(method.path)(payload, timeout=30)
    except grpc.RpcError as error:
        code = error.code()
        return Answer("grpc", code.name, code not in _BAD_GRPC, error.details() or "")
    try:
        parsed = method.response.FromString(reply)
    except Exception as error:
        return Answer("grpc", "OK", False, f"unparsable reply: {error}")
    return Answer("grpc", "OK", True, job_id=parsed.id if method.name == "Submit" else "")


class ConnectSender:
    """Connect over HTTP/1.1 with http.client, keeping one connection alive."""

    def __init__(self, address: str):
        host, _, port = address.rpartition(":")
        self.host, self.port = host.strip("[]"), int(port)
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _post(self, path: str, body: bytes, headers: dict, timeout: float):
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            self._conn.timeout = timeout
            if self._conn.sock is not None:
                self._conn.sock.settimeout(timeout)
            try:
                self._conn.request("POST", path, body=body, headers=headers)
                return self._conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def send(self, method: Method, payload: bytes, codec: str = "proto") -> Answer:
        name = f"connect-{codec}"
        if method.streaming:
            return self._send_stream(method, payload, codec, name)
        headers = {"Content-Type": f"application/{codec}", "Connect-Protocol-Version": "1"}
        response = self._post(method.path, payload, headers, 30)
        body = response.read()
        if response.status == 200:
            try:
                reply = (method.response.FromString(body) if codec == "proto"
                         else json_format.Parse(body, method.response()))
            except Exception as error:
                return Answer(name, "HTTP 200", False, f"unparsable reply: {error}")
            return Answer(name, "HTTP 200", True, job_id=reply.id if method.name == "Submit" else "")
        code, message = _connect_error(body)
        self._drop_if_closing(response)
        return Answer(name, f"HTTP {response.status} {code}",
                      response.status != 500 and code not in ("unknown", "internal"), message)

    def _send_stream(self, method: Method, payload: bytes, codec: str, name: str) -> Answer:
        headers = {"Content-Type": f"application/connect+{codec}", "Connect-Protocol-Version": "1"}
        envelope = struct.pack(">BI", 0, len(payload)) + payload
        try:
            response = self._post(method.path, envelope, headers, STREAM_WAIT_S)
            if response.status != 200:
                code, message = _connect_error(response.read())
                self._drop_if_closing(response)
                return Answer(name, f"HTTP {response.status} {code}",
                              response.status != 500 and code not in ("unknown", "internal"), message)
            head = response.read(5)
            flags, length = struct.unpack(">BI", head)
            data = response.read(length)
        except (socket.timeout, TimeoutError):
            self.close()  # the stream is still open: drop it
            return Answer(name, "HTTP 200 (stream open)", True)
        self.close()
        if flags & 0b10:
            end = json.loads(data or b"{}")
            if "error" not in end:
                return Answer(name, "HTTP 200 ok", True)
            code = end["error"].get("code", "unknown")
            return Answer(name, f"HTTP 200 {code}", code not in ("unknown", "internal"),
                          end["error"].get("message", ""))
        return Answer(name, "HTTP 200 (streaming)", True)

    def _drop_if_closing(self, response) -> None:
        if (response.getheader("connection") or "").lower() == "close":
            self.close()


def _connect_error(body: bytes) -> tuple[str, str]:
    if not body:  # a bare HTTP status (405, 415 ...): defined unless it is 500
        return "", ""
    try:
        error = json.loads(body)
        return str(error.get("code", "unknown")), str(error.get("message", ""))
    except ValueError:
        return "unknown", body[:200].decode("latin-1")


def to_json(message) -> bytes:
    return json_format.MessageToJson(message).encode()
