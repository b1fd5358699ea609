"""When a handler fails in a way no ServiceError explains (the daemon's fault, not the request's), both
transports answer INTERNAL with a short message that says so, log the traceback, and keep serving.
Real gRPC and Connect servers in this process, over a service whose handlers raise on purpose."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request

import grpc
import pytest

from underpaint.transport.grpc_server import start_grpc
from underpaint.transport.http_gateway import start_gateway
from underpaint.transport.routing import TokenCheck, rpcs, snake
from underpaint.v1 import underpaint_connect, underpaint_pb2 as pb

SERVICE = pb.DESCRIPTOR.services_by_name["Underpaint"]


def _broken_service():
    """Every unary RPC raises KeyError; Watch fails after its first event; GetInfo works."""
    def unary(name):
        async def handler(request):
            raise KeyError("a bug")
        handler.__name__ = name
        return handler

    async def watch(request):
        yield pb.JobEvent(seq=1)
        raise ZeroDivisionError("another bug")

    async def get_info(request):
        return pb.Info(protocol_major=1)

    methods = {snake(m.name): unary(snake(m.name)) for m in SERVICE.methods}
    methods.update(watch=watch, get_info=get_info)
    return type("Broken", (), {k: staticmethod(v) for k, v in methods.items()})()


def test_unexpected_failures_are_internal_logged_and_survivable(caplog):
    async def scenario():
        routes = rpcs(SERVICE, _broken_service())
        server, grpc_port = await start_grpc("127.0.0.1", 0, [routes], TokenCheck(None), 1 << 20)
        gateway, http_port, task = await start_gateway(
            "127.0.0.1", 0, [(underpaint_connect.UnderpaintASGIApplication, routes)], TokenCheck(None), 1 << 20)
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
                submit = channel.unary_unary("/underpaint.v1.Underpaint/Submit",
                                             request_serializer=pb.GenerateRequest.SerializeToString)
                with pytest.raises(grpc.aio.AioRpcError) as unary_error:
                    await submit(pb.GenerateRequest(prompt="x"), timeout=30)
                watch = channel.unary_stream("/underpaint.v1.Underpaint/Watch",
                                             request_serializer=pb.WatchRequest.SerializeToString,
                                             response_deserializer=pb.JobEvent.FromString)
                seen = []
                with pytest.raises(grpc.aio.AioRpcError) as stream_error:
                    async for event in watch(pb.WatchRequest(job_id="j"), timeout=30):
                        seen.append(event.seq)
                info = channel.unary_unary("/underpaint.v1.Underpaint/GetInfo",
                                           request_serializer=pb.GetInfoRequest.SerializeToString,
                                           response_deserializer=pb.Info.FromString)
                still = await info(pb.GetInfoRequest(), timeout=30)
            http_status, http_body = await asyncio.to_thread(_post_json, http_port, "Cancel", {"jobId": "j"})
            return unary_error.value, stream_error.value, seen, still, http_status, http_body
        finally:
            gateway.should_exit = True
            await task
            await server.stop(None)

    with caplog.at_level(logging.ERROR, logger="underpaint.transport"):
        unary_error, stream_error, seen, still, http_status, http_body = asyncio.run(scenario())
    assert unary_error.code() == grpc.StatusCode.INTERNAL
    assert "bug in the daemon" in unary_error.details() and "KeyError" in unary_error.details()
    assert seen == [1] and stream_error.code() == grpc.StatusCode.INTERNAL  # after the first event
    assert still.protocol_major == 1
    assert http_status == 500 and http_body["code"] == "internal" and "bug in the daemon" in http_body["message"]
    logged = [r for r in caplog.records if "failed unexpectedly" in r.getMessage()]
    assert {r.getMessage().split()[0] for r in logged} >= {"underpaint.v1.Underpaint/Submit",
                                                         "underpaint.v1.Underpaint/Watch",
                                                         "underpaint.v1.Underpaint/Cancel"}
    assert all(r.exc_info for r in logged)  # the traceback is in the log, not in the answer


def _post_json(port, method, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/underpaint.v1.Underpaint/{method}",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
