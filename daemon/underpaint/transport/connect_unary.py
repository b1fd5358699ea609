"""The gateway's fast path for the call that moves pixels: unary Connect with a binary protobuf
body (what the host kit sends), served without connectrpc's copies of the message.

Profiled on a 64 MiB Echo (bench/RESULTS.md), connectrpc's path copies the whole image four
times besides the parse and the serialize: it joins the body chunks, uvicorn frames the unary
answer as one chunk of chunked encoding (another join), and asyncio slices and buffers what the
socket does not take at once. Here the body is read into one buffer allocated from the
Content-Length and parsed in place, and the answer is encoded in pieces (wire.py: the pixels are
not copied into one buffer) and sent with a Content-Length in memoryview slices, so the socket
takes the bytes where they lie. The answer is never compressed: images
do not shrink enough to pay for it (see RESULTS.md), which Connect allows whatever the client
accepts.

Everything else (JSON, a gzip request, GET, streams, no Content-Length) goes to connectrpc, and
errors are reported exactly as connectrpc reports them (its wire format and HTTP statuses).
"""

from __future__ import annotations

import asyncio

from connectrpc._protocol import ConnectWireError  # pinned connectrpc==0.10.1: its error encoding
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ..errors import ServiceError
from .decoding import parse_failure
from .heap import note_message
from .wire import encode_pieces
from .routing import Rpc, TokenCheck, unexpected_failure

SLICE_BYTES = 1 << 20  # one ASGI body message: what a loopback socket takes in a few writes


def unary_paths(rpcs: list[Rpc]) -> dict[str, Rpc]:
    return {f"/{rpc.service}/{rpc.name}": rpc for rpc in rpcs if not rpc.server_streaming}


def takes(method: str, content_type: str, headers: dict[str, str]) -> bool:
    """Whether a request is one this path serves (anything else goes to connectrpc)."""
    return (method == "POST" and content_type == "application/proto"
            and headers.get("content-encoding", "identity").strip().lower() == "identity"
            and headers.get("content-length", "").isdigit())


async def serve(rpc: Rpc, tokens: TokenCheck, headers: dict[str, str], receive, send) -> None:
    note_message(int(headers["content-length"]))
    body = await _read_body(int(headers["content-length"]), receive)
    if body is None:
        return  # the client went away
    try:
        response = await _call(rpc, tokens, headers, body)
        pieces = [memoryview(piece) for piece in encode_pieces(response)]
    except ConnectError as error:
        wire = ConnectWireError.from_exception(error)
        message = wire.to_json_bytes()
        await send({"type": "http.response.start", "status": wire.to_http_status().code,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(message)).encode())]})
        await send({"type": "http.response.body", "body": message})
        return
    length = sum(p.nbytes for p in pieces)
    note_message(length)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/proto"),
                            (b"content-length", str(length).encode())]})
    for piece in pieces:
        for start in range(0, piece.nbytes, SLICE_BYTES):
            await send({"type": "http.response.body", "body": piece[start:start + SLICE_BYTES], "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _read_body(length: int, receive) -> memoryview | None:
    """The body in one buffer of the announced length (uvicorn enforces the Content-Length)."""
    view, done = memoryview(bytearray(length)), 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        view[done:done + len(chunk)] = chunk
        done += len(chunk)
        if not message.get("more_body", False):
            return view[:done]


async def _call(rpc: Rpc, tokens: TokenCheck, headers: dict[str, str], body: memoryview):
    """Parse, token check and handler, in connectrpc's order; failures become ConnectError."""
    request = rpc.request_type()
    try:
        request.ParseFromString(body)
    except Exception as error:  # DecodeError, RecursionError on absurd nesting, ...
        raise ConnectError(Code.INVALID_ARGUMENT, "request: " + parse_failure(rpc.request_type, error)) from None
    try:
        tokens.check(headers.get("authorization"))
        return await rpc.handler(request)
    except ServiceError as exc:
        raise ConnectError(Code[exc.code], exc.message) from None
    except (asyncio.CancelledError, ConnectError):
        raise
    except Exception as exc:
        raise ConnectError(Code.INTERNAL, unexpected_failure(rpc, exc)) from None
