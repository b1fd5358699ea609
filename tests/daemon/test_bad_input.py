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
    ("canvas with no document size", dict(canvas=pb.CanvasRequest(operation=pb.CANVAS_OPERATION_GENERATE),
                                          width=0, height=0),
     grpc.StatusCode.INVALID_ARGUMENT, "canvas.document_width"),
    ("canvas fill without pixels", dict(canvas=pb.CanvasRequest(document_width=64, document_height=64,
                                                               operation=pb.CANVAS_OPERATION_FILL),
                                        width=0, height=0),
     grpc.StatusCode.INVALID_ARGUMENT, "canvas.region"),
]

# With `canvas` set the daemon plans the size, the init image and the mask itself: fields that
# would be ignored are refused, naming the field.
DOC = rgba_image(np.zeros((64, 64, 3), np.uint8))
SELECTION = gray_image(np.full((64, 64), 255, np.uint8))


def _canvas(operation, **fields):
    canvas = pb.CanvasRequest(document_width=64, document_height=64, operation=operation, region=DOC)
    for name, value in fields.items():
        getattr(canvas, name).CopyFrom(value)
    return canvas


CONTRADICTIONS = [
    ("width with canvas", dict(width=64, height=0), pb.CANVAS_OPERATION_REFINE, {}, "width: 64 is not used"),
    ("height with canvas", dict(width=0, height=128), pb.CANVAS_OPERATION_FILL, dict(selection=SELECTION),
     "height: 128 is not used"),
    ("init_image with canvas", dict(init_image=INIT), pb.CANVAS_OPERATION_REFINE, {}, "init_image: is not used"),
    ("mask with canvas", dict(mask=SELECTION), pb.CANVAS_OPERATION_FILL, dict(selection=SELECTION),
     "mask: is not used"),
    ("strength with canvas generate", dict(strength=0.5), pb.CANVAS_OPERATION_GENERATE, {},
     "strength: 0.5 is not used by the canvas generate"),
    ("selection with expand", {}, pb.CANVAS_OPERATION_EXPAND,
     dict(selection=SELECTION, expand=pb.Margins(left=64)), "canvas.selection: is not used by expand"),
]


@pytest.mark.parametrize("name,fields,operation,canvas_fields,says", CONTRADICTIONS,
                         ids=[c[0] for c in CONTRADICTIONS])
def test_canvas_contradictions_are_refused_naming_the_field(grpc_client, name, fields, operation,
                                                            canvas_fields, says):
    fields = dict(dict(width=0, height=0), **fields)
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(request(canvas=_canvas(operation, **canvas_fields), **fields))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith(says), err.value.details()
    assert grpc_client.info().queue_length == 0  # refused before queuing


def test_strength_is_honoured_where_the_canvas_uses_it(grpc_client):
    """The refusals are precise: refine with a strength, expand without a selection still run."""
    for operation, fields, canvas_fields in ((pb.CANVAS_OPERATION_REFINE, dict(strength=0.5), {}),
                                             (pb.CANVAS_OPERATION_EXPAND, {}, dict(expand=pb.Margins(left=64)))):
        job = grpc_client.submit(request(canvas=_canvas(operation, **canvas_fields), width=0, height=0,
                                         steps=2, **fields))
        events = list(grpc_client.watch(job.id))
        assert events[-1].finished.status == pb.JOB_STATUS_SUCCEEDED, events[-1].finished.message


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
