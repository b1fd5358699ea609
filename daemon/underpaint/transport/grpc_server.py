"""Native gRPC transport (grpcio aio), with health checking and server reflection."""

from __future__ import annotations

import logging

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ..errors import ServiceError
from .routing import Rpc, TokenCheck

log = logging.getLogger("underpaint.grpc")


def _authorization(context) -> str | None:
    for key, value in context.invocation_metadata() or ():
        if key == "authorization":
            return value
    return None


def _unary(rpc: Rpc, tokens: TokenCheck):
    async def handle(request, context):
        try:
            tokens.check(_authorization(context))
            return await rpc.handler(request)
        except ServiceError as exc:
            await context.abort(grpc.StatusCode[exc.code], exc.message)
    return grpc.unary_unary_rpc_method_handler(
        handle, request_deserializer=rpc.request_type.FromString,
        response_serializer=rpc.response_type.SerializeToString)


def _stream(rpc: Rpc, tokens: TokenCheck):
    async def handle(request, context):
        try:
            tokens.check(_authorization(context))
            async for item in rpc.handler(request):
                yield item
        except ServiceError as exc:
            await context.abort(grpc.StatusCode[exc.code], exc.message)
    return grpc.unary_stream_rpc_method_handler(
        handle, request_deserializer=rpc.request_type.FromString,
        response_serializer=rpc.response_type.SerializeToString)


async def start_grpc(host: str, port: int, services: list[list[Rpc]], tokens: TokenCheck,
                     max_message_bytes: int) -> tuple[grpc.aio.Server, int]:
    options = [("grpc.max_receive_message_length", max_message_bytes),
               ("grpc.max_send_message_length", max_message_bytes),
               ("grpc.so_reuseport", 0)]  # a second daemon on a taken port must fail, not share it
    server = grpc.aio.server(options=options)
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
    try:
        bound = server.add_insecure_port(f"{_bracket(host)}:{port}")
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
