"""Every bad request is answered precisely (status + the field named) and the daemon keeps serving."""

from __future__ import annotations

import grpc
import numpy as np
import pytest

from underpaint.v1 import underpaint_pb2 as pb

from .helpers import gray_image, request, rgba_image

INIT = rgba_image(np.zeros((64, 64, 3), np.uint8))

CASES = [
    ("unknown model", dict(model="no-such-model"), grpc.StatusCode.NOT_FOUND, "no-such-model"),
    ("width not a multiple of 8", dict(width=70), grpc.StatusCode.INVALID_ARGUMENT, "width"),
    ("height negative", dict(height=-8), grpc.StatusCode.INVALID_ARGUMENT, "height"),
    ("over the pixel limit", dict(width=4096, height=4096), grpc.StatusCode.INVALID_ARGUMENT, "pixels"),
    ("steps too many", dict(steps=1000), grpc.StatusCode.INVALID_ARGUMENT, "steps"),
    ("steps negative", dict(steps=-1), grpc.StatusCode.INVALID_ARGUMENT, "steps"),
    ("guidance too high", dict(guidance=99.0), grpc.StatusCode.INVALID_ARGUMENT, "guidance"),
    ("guidance NaN", dict(guidance=float("nan")), grpc.StatusCode.INVALID_ARGUMENT, "guidance"),
    ("strength above 1", dict(init_image=INIT, strength=1.5), grpc.StatusCode.INVALID_ARGUMENT, "strength"),
    ("strength runs no step", dict(init_image=INIT, strength=0.1, steps=4), grpc.StatusCode.INVALID_ARGUMENT,
     "at least 10"),
    ("strength without init", dict(strength=0.5), grpc.StatusCode.INVALID_ARGUMENT, "strength"),
    ("count too many", dict(count=100), grpc.StatusCode.INVALID_ARGUMENT, "count"),
    ("seed below -1", dict(seed=-5), grpc.StatusCode.INVALID_ARGUMENT, "seed"),
    ("unknown sampler", dict(sampler="warp_drive"), grpc.StatusCode.INVALID_ARGUMENT, "sampler"),
    ("image bytes do not match", dict(init_image=pb.Image(width=64, height=64, format=pb.PIXEL_FORMAT_RGBA8,
                                                         data=b"\0" * 100)),
     grpc.StatusCode.INVALID_ARGUMENT, "init_image.data"),
    ("broken PNG", dict(init_image=pb.Image(format=pb.PIXEL_FORMAT_PNG, data=b"\x89PNG not really")),
     grpc.StatusCode.INVALID_ARGUMENT, "init_image.data"),
    ("init size differs", dict(init_image=rgba_image(np.zeros((32, 32, 3), np.uint8))),
     grpc.StatusCode.INVALID_ARGUMENT, "init_image"),
    ("mask size differs", dict(init_image=INIT, mask=gray_image(np.zeros((32, 64), np.uint8))),
     grpc.StatusCode.INVALID_ARGUMENT, "mask"),
    ("mask without init", dict(mask=gray_image(np.zeros((64, 64), np.uint8))),
     grpc.StatusCode.INVALID_ARGUMENT, "mask"),
    ("canvas with no document size", dict(canvas=pb.CanvasRequest(operation=pb.CANVAS_OPERATION_GENERATE)),
     grpc.StatusCode.INVALID_ARGUMENT, "canvas.document_width"),
    ("canvas fill without pixels", dict(canvas=pb.CanvasRequest(document_width=64, document_height=64,
                                                               operation=pb.CANVAS_OPERATION_FILL)),
     grpc.StatusCode.INVALID_ARGUMENT, "canvas.region"),
]


@pytest.mark.parametrize("name,fields,code,mentions", CASES, ids=[c[0] for c in CASES])
def test_bad_request_is_refused_precisely(grpc_client, name, fields, code, mentions):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(request(**fields))
    assert err.value.code() == code, err.value.details()
    assert mentions in err.value.details()
    # ... and the daemon still answers
    assert grpc_client.info().protocol_major == 1


def test_messages_name_the_allowed_range(grpc_client):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(request(steps=1000))
    assert "1 to 150" in err.value.details()
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(request(width=70))
    assert "multiple of 8" in err.value.details()
