"""The Connect protocol over HTTP/1.1 (connectrpc ASGI apps on uvicorn), for hosts that cannot
speak HTTP/2 or load native wheels: the Photoshop UXP panel and the pure-Python host kit."""

from __future__ import annotations

import asyncio
import json
import logging
import socket

import uvicorn
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ..errors import ServiceError
from .routing import Rpc, TokenCheck

log = logging.getLogger("underpaint.http")


def _adapter(rpcs: list[Rpc], tokens: TokenCheck):
    """An object with the (request, ctx) methods the generated ASGI app expects."""
    methods = {}
    for rpc in rpcs:
        name = rpc.handler.__name__
        if rpc.server_streaming:
            def method(self, request, ctx, _h=rpc.handler):
                return _stream(_h, request, ctx, tokens)
        else:
            async def method(self, request, ctx, _h=rpc.handler):
                try:
                    tokens.check(ctx.request_headers().get("authorization"))
                    return await _h(request)
                except ServiceError as exc:
                    raise ConnectError(Code[exc.code], exc.message) from None
        methods[name] = method
    return type("ConnectAdapter", (), methods)()


async def _stream(handler, request, ctx, tokens: TokenCheck):
    try:
        tokens.check(ctx.request_headers().get("authorization"))
        async for item in handler(request):
            yield item
    except ServiceError as exc:
        raise ConnectError(Code[exc.code], exc.message) from None


class Router:
    """Sends each request to the app whose service path prefixes it; refuses oversize bodies
    up front with a Connect error instead of reading hundreds of megabytes first."""

    def __init__(self, apps: list, max_bytes: int):
        self._apps = apps
        self._max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        for key, value in scope.get("headers", ()):
            if key == b"content-length" and value.isdigit() and int(value) > self._max_bytes:
                return await _error(send, 429, "resource_exhausted",
                                    f"request of {int(value)} bytes is over the limit of {self._max_bytes} "
                                    "bytes; send a smaller region")
        for app in self._apps:
            if path.startswith(app.path + "/"):
                return await app(scope, receive, send)
        return await _error(send, 404, "unimplemented", f"no such method: {path}")


async def _error(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"code": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


async def start_gateway(host: str, port: int, services: list[tuple[type, list[Rpc]]],
                        tokens: TokenCheck, max_message_bytes: int) -> tuple[uvicorn.Server, int, asyncio.Task]:
    """services: (generated ASGI application class, its rpcs). Returns the server, port and task."""
    apps = [app_cls(_adapter(rpcs, tokens), read_max_bytes=max_message_bytes) for app_cls, rpcs in services]
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
    config = uvicorn.Config(Router(apps, max_message_bytes), lifespan="off", log_level="warning",
                            access_log=False, timeout_keep_alive=75, h11_max_incomplete_event_size=1 << 20)
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # the daemon owns signals
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if task.done():
        task.result()
    return server, bound, task
