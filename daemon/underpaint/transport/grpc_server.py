"""Native gRPC transport (grpcio aio), with health checking and server reflection.

Browsers cannot reach this port: they speak HTTP/1.1 to plain-text ports (grpc core drops anything
but an HTTP/2 preface), and over TLS a rebinding page fails certificate verification for its own
name. grpcio does not show handlers the :authority, so the Host check lives in the gateway only.
"""

from __future__ import annotations

import asyncio
import logging
import os

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ..errors import ServiceError, Unauthenticated
from .decoding import Unparsable, grpc_deserializer
from .heap import note_message
from .routing import Rpc, TokenCheck, unexpected_failure
from .wire import encode_pieces

log = logging.getLogger("underpaint.grpc")

_REFLECTION_PREFIX = "/grpc.reflection."


def _authorization(metadata) -> str | None:
    for key, value in metadata or ():
        if key == "authorization":
            return value
    return None


def _refuse_unparsable(request) -> None:
    if isinstance(request, Unparsable):
        request.refuse()


def _serializer(rpc: Rpc):
    """One copy of the pixels less than upb's SerializeToString for messages that carry images
    (wire.py); UNDERPAINT_TRANSPORT_FAST_PATHS=0 keeps the plain one (bench/transport.py's "before")."""
    if os.environ.get("UNDERPAINT_TRANSPORT_FAST_PATHS") == "0":
        return rpc.response_type.SerializeToString

    def serialize(message) -> bytes:
        wire = b"".join(encode_pieces(message))
        note_message(len(wire))
        return wire
    return serialize


def _unary(rpc: Rpc, tokens: TokenCheck):
    async def handle(request, context):
        try:
            tokens.check(_authorization(context.invocation_metadata()))
            _refuse_unparsable(request)
            return await rpc.handler(request)
        except ServiceError as exc:
            await context.abort(grpc.StatusCode[exc.code], exc.message)
        except (asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except Exception as exc:
            await context.abort(grpc.StatusCode.INTERNAL, unexpected_failure(rpc, exc))
    return grpc.unary_unary_rpc_method_handler(
        handle, request_deserializer=grpc_deserializer(rpc.request_type),
        response_serializer=_serializer(rpc))


def _stream(rpc: Rpc, tokens: TokenCheck):
    async def handle(request, context):
        try:
            tokens.check(_authorization(context.invocation_metadata()))
            _refuse_unparsable(request)
            async for item in rpc.handler(request):
                yield item
        except ServiceError as exc:
            await context.abort(grpc.StatusCode[exc.code], exc.message)
        except (asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except Exception as exc:
            await context.abort(grpc.StatusCode.INTERNAL, unexpected_failure(rpc, exc))
    return grpc.unary_stream_rpc_method_handler(
        handle, request_deserializer=grpc_deserializer(rpc.request_type),
        response_serializer=_serializer(rpc))


class _ReflectionNeedsToken(grpc.aio.ServerInterceptor):
    """Off loopback, reflection (the whole API surface) is for token holders only; health stays open
    so load balancers and `grpc_health_probe` work without it."""

    def __init__(self, tokens: TokenCheck):
        self._tokens = tokens

    async def intercept_service(self, continuation, details):
        if details.method.startswith(_REFLECTION_PREFIX):
            try:
                self._tokens.check(_authorization(details.invocation_metadata))
            except Unauthenticated as exc:
                async def refuse(request_iterator, context, _message=exc.message):
                    await context.abort(grpc.StatusCode.UNAUTHENTICATED, _message)
                return grpc.stream_stream_rpc_method_handler(refuse)
        return await continuation(details)


async def start_grpc(host: str, port: int, services: list[list[Rpc]], tokens: TokenCheck,
                     max_message_bytes: int, tls=None) -> tuple[grpc.aio.Server, int]:
    """tls: an underpaint.tls.TlsFiles, or None for plain text."""
    options = [("grpc.max_receive_message_length", max_message_bytes),
               ("grpc.max_send_message_length", max_message_bytes),
               ("grpc.so_reuseport", 0)]  # a second daemon on a taken port must fail, not share it
    server = grpc.aio.server(options=options, interceptors=[_ReflectionNeedsToken(tokens)])
    names = []
    for rpcs in services:
        service_name = rpcs[0].service
        handlers = {r.name: (_stream if r.server_streaming else _unary)(r, tokens) for r in rpcs}
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service_name, handlers),))
        names.append(service_name)
    health_servicer = health.aio.HealthServicer() if hasattr(health, "aio") else health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(names + [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                                                 reflection.SERVICE_NAME], server)
    address = f"{_bracket(host)}:{port}"
    try:
        if tls is None:
            bound = server.add_insecure_port(address)
        else:
            credentials = grpc.ssl_server_credentials([(tls.key_pem(), tls.cert_pem())])
            bound = server.add_secure_port(address, credentials)
    except RuntimeError:  # grpcio reports a taken port this way
        bound = 0
    if not bound:
        raise OSError(f"cannot listen for gRPC on {host}:{port} (port in use?)")
    await server.start()
    for name in names + [""]:
        result = health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
        if hasattr(result, "__await__"):
            await result
    return server, bound


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
