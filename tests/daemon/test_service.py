"""Info, models, samplers, health and reflection over real gRPC."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

import underpaint
from underpaint.v1 import underpaint_pb2 as pb


def test_info_reports_versions_device_and_limits(grpc_client, daemon):
    info = grpc_client.info()
    assert info.daemon_version == underpaint.__version__
    assert (info.protocol_major, info.protocol_minor) == (underpaint.PROTOCOL_MAJOR, underpaint.PROTOCOL_MINOR)
    assert info.device in ("cpu", "cuda", "mps")
    assert info.system_memory_total > info.system_memory_available > 0
    assert info.demo_only
    assert info.models_dir == str(daemon.models_dir)
    assert info.max_message_bytes >= 8192 * 8192 * 4 + 8192 * 8192
    assert "canvas" in info.capabilities


def test_models_lists_both_demo_forms_labelled_as_random_weights(grpc_client):
    resp = grpc_client.models()
    kinds = {m.kind for m in resp.models}
    assert kinds == {"diffusers", "single_file"}
    for m in resp.models:
        assert m.is_demo and m.architecture == "sd15"
        assert m.size_multiple == 8 and m.native_width % 8 == 0
        assert "random" in m.description.lower()
    assert resp.default_model in {m.id for m in resp.models}


def test_samplers_are_string_ids_with_a_default(grpc_client):
    resp = grpc_client.samplers()
    ids = [s.id for s in resp.samplers]
    assert resp.default_sampler in ids
    assert {"euler", "euler_a", "ddim", "dpmpp_2m"} <= set(ids)
    assert all(s.display_name for s in resp.samplers)


def test_every_sampler_runs(grpc_client):
    from .helpers import request, run_job

    for sampler in [s.id for s in grpc_client.samplers().samplers]:
        _, _, results, finished = run_job(grpc_client, request(sampler=sampler, steps=2))
        assert finished.status == pb.JOB_STATUS_SUCCEEDED, (sampler, finished.message)
        assert results[0].parameters.sampler == sampler


def test_health_and_reflection_are_served(daemon):
    channel = grpc.insecure_channel(daemon.grpc)
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest(service="")).status == health_pb2.HealthCheckResponse.SERVING
    assert health.Check(health_pb2.HealthCheckRequest(service="underpaint.v1.Underpaint")).status == \
        health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    responses = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = {s.name for s in next(responses).list_services_response.service}
    assert {"underpaint.v1.Underpaint", "underpaint.v1.Board", "grpc.health.v1.Health"} <= names
    channel.close()


def test_echo_returns_the_image_unchanged(grpc_client):
    import numpy as np

    data = np.random.default_rng(0).integers(0, 256, 37 * 23 * 4, dtype=np.uint8).tobytes()
    image = pb.Image(width=37, height=23, format=pb.PIXEL_FORMAT_RGBA8, data=data)
    back = grpc_client.call(grpc_client.stub.Echo, image)
    assert back == image


def test_the_client_sends_a_large_image_and_its_fields_whole(grpc_client):
    """Requests with pixels of 1 MiB or more leave the Python client encoded in pieces (wire.py),
    fields in another order than upb's: the daemon must read the same request."""
    import numpy as np

    from underpaint.v1 import board_pb2

    width, height = 1024, 600  # 2.3 MiB of RGBA
    data = np.random.default_rng(1).integers(0, 256, width * height * 4, dtype=np.uint8).tobytes()
    image = pb.Image(width=width, height=height, format=pb.PIXEL_FORMAT_RGBA8, data=data)
    assert grpc_client.call(grpc_client.stub.Echo, image, timeout=120) == image
    meta = board_pb2.BoardMeta(source_app="cli", document="pieces.kra", layer="Paint 1", note="large", x=12, y=34)
    entry = grpc_client.call(grpc_client.board.Publish,
                             board_pb2.PublishRequest(channel="tests/pieces", image=image, meta=meta), timeout=120)
    assert (entry.channel, entry.width, entry.height) == ("tests/pieces", width, height)
    assert entry.meta == meta
    fetched = grpc_client.call(grpc_client.board.Fetch, board_pb2.FetchRequest(channel="tests/pieces"), timeout=120)
    assert fetched.image.data == data
    assert fetched.digest == entry.digest
