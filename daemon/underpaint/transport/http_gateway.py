"""The Connect protocol over HTTP/1.1 (connectrpc ASGI apps on uvicorn), for hosts that cannot
speak HTTP/2 or load native wheels: the Photoshop UXP panel and the pure-Python host kit."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import struct

import uvicorn
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ..errors import ServiceError
from . import connect_unary
from .access import AccessPolicy
from .decoding import connect_codecs, connect_compressions
from .routing import Rpc, TokenCheck, unexpected_failure

log = logging.getLogger("underpaint.http")

_CONNECT_STREAM = "application/connect+"


def _adapter(rpcs: list[Rpc], tokens: TokenCheck):
    """An object with the (request, ctx) methods the generated ASGI app expects."""
    methods = {}
    for rpc in rpcs:
        name = rpc.handler.__name__
        if rpc.server_streaming:
            def method(self, request, ctx, _rpc=rpc):
                return _stream(_rpc, request, ctx, tokens)
        else:
            async def method(self, request, ctx, _rpc=rpc):
                try:
                    tokens.check(ctx.request_headers().get("authorization"))
                    return await _rpc.handler(request)
                except ServiceError as exc:
                    raise ConnectError(Code[exc.code], exc.message) from None
                except (asyncio.CancelledError, ConnectError):
                    raise
                except Exception as exc:
                    raise ConnectError(Code.INTERNAL, unexpected_failure(_rpc, exc)) from None
        methods[name] = method
    return type("ConnectAdapter", (), methods)()


async def _stream(rpc: Rpc, request, ctx, tokens: TokenCheck):
    try:
        tokens.check(ctx.request_headers().get("authorization"))
        async for item in rpc.handler(request):
            yield item
    except ServiceError as exc:
        raise ConnectError(Code[exc.code], exc.message) from None
    except (asyncio.CancelledError, ConnectError, GeneratorExit):
        raise
    except Exception as exc:
        raise ConnectError(Code.INTERNAL, unexpected_failure(rpc, exc)) from None


class Router:
    """Sends each request to the app whose service path prefixes it, after the checks no app makes:
    who may call (Host and Origin, see access.py), oversize bodies (refused up front instead of
    reading hundreds of megabytes first), and protocols this HTTP/1.1 server cannot serve."""

    def __init__(self, apps: list, max_bytes: int, policy: AccessPolicy,
                 unary: dict[str, Rpc] | None = None, tokens: TokenCheck | None = None):
        self._apps = apps
        self._unary = unary or {}  # path -> rpc, for connect_unary's fast path
        self._tokens = tokens
        self._max_bytes = max_bytes
        self._policy = policy

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        headers = _headers(scope)
        refusal = self._policy.refusal(headers.get("host"), headers.get("origin"))
        if refusal:
            log.warning("refused %s %s: %s", scope.get("method"), path, refusal)
            return await _error(send, 403, "permission_denied", refusal)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self._max_bytes:
            return await _error(send, 429, "resource_exhausted",
                                f"request of {int(length)} bytes is over the limit of {self._max_bytes} "
                                "bytes; send a smaller region")
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type.startswith("application/grpc") and not content_type.startswith("application/grpc-web"):
            return await _error(send, 415, "invalid_argument",
                                "native gRPC needs HTTP/2: send it to the daemon's gRPC port, not to the "
                                "HTTP/1.1 gateway (which speaks Connect and gRPC-Web)")
        rpc = self._unary.get(path)
        if rpc is not None and connect_unary.takes(scope.get("method", ""), content_type, headers):
            return await connect_unary.serve(rpc, self._tokens, headers, receive, send)
        for app in self._apps:
            if path.startswith(app.path + "/"):
                if content_type.startswith(_CONNECT_STREAM):
                    receive = await _checked_stream_body(headers, content_type, receive, send, self._max_bytes)
                    if receive is None:
                        return
                return await app(scope, receive, send)
        return await _error(send, 404, "unimplemented", f"no such method: {path}")


def _headers(scope) -> dict[str, str]:
    out = {}
    for key, value in scope.get("headers", ()):
        name = key.decode("latin-1").lower()
        if name not in out:  # the first of repeated headers, as most servers do
            out[name] = value.decode("latin-1")
    return out


async def _checked_stream_body(headers, content_type, receive, send, max_bytes: int):
    """Reads a streaming request's body (one small envelope: Watch, Subscribe) and answers framing
    errors connectrpc would report as `internal`; returns a receive() that replays the body."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None  # the client went away
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > max_bytes:
            await _stream_error(send, content_type, "resource_exhausted",
                                f"request: over the limit of {max_bytes} bytes")
            return None
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    encoding = headers.get("connect-content-encoding", "identity").strip().lower()
    if body and body[0] & 0b01 and encoding == "identity":
        await _stream_error(send, content_type, "invalid_argument",
                            "request: the envelope is flagged compressed but no connect-content-encoding "
                            "was sent")
        return None
    replayed = False

    async def replay():
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replay


async def _stream_error(send, content_type: str, code: str, message: str) -> None:
    """A Connect streaming error: HTTP 200 and an end-of-stream envelope carrying the error."""
    end = json.dumps({"error": {"code": code, "message": message}}).encode()
    body = struct.pack(">BI", 0b10, len(end)) + end
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", content_type.encode("latin-1")),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _error(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"code": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


async def start_gateway(host: str, port: int, services: list[tuple[type, list[Rpc]]],
                        tokens: TokenCheck, max_message_bytes: int, policy: AccessPolicy | None = None,
                        tls=None) -> tuple[uvicorn.Server, int, asyncio.Task]:
    """services: (generated ASGI application class, its rpcs); tls: an underpaint.tls.TlsFiles or None.
    Returns the server, port and task."""
    apps = [app_cls(_adapter(rpcs, tokens), read_max_bytes=max_message_bytes, codecs=connect_codecs(),
                    compressions=connect_compressions(max_message_bytes)) for app_cls, rpcs in services]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen for HTTP on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.setblocking(False)
    bound = sock.getsockname()[1]
    tls_options = {} if tls is None else {"ssl_certfile": str(tls.cert), "ssl_keyfile": str(tls.key)}
    unary = {path: rpc for _, rpcs in services for path, rpc in connect_unary.unary_paths(rpcs).items()}
    if os.environ.get("UNDERPAINT_TRANSPORT_FAST_PATHS") == "0":  # bench/transport.py's "before"
        unary = {}
    router = Router(apps, max_message_bytes, policy or AccessPolicy(host), unary, tokens)
    config = uvicorn.Config(router, lifespan="off",
                            log_level="warning", access_log=False, timeout_keep_alive=75,
                            h11_max_incomplete_event_size=1 << 20,
                            proxy_headers=False,  # nothing sits in front of a local daemon: trust no X-Forwarded-*
                            server_header=False, **tls_options)
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # the daemon owns signals
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if task.done():
        task.result()
    return server, bound, task
