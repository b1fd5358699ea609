"""Canvas operations end to end: a host's document, selection and operation in; layers placed at
the returned (x, y) change exactly what they should."""

from __future__ import annotations

import numpy as np

from underpaint.canvas import composite_over
from underpaint.v1 import underpaint_pb2 as pb

from .helpers import gray_image, pixels, request, rgba_image, run_job


def _document(w, h, seed=0):
    rng = np.random.default_rng(seed)
    doc = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    doc[:, :, 3] = 255
    return doc


def _canvas_job(client, doc, operation, selection=None, sel_xy=(0, 0), **fields):
    h, w = doc.shape[:2]
    canvas = pb.CanvasRequest(document_width=w, document_height=h, region=rgba_image(doc),
                              operation=operation, **fields.pop("canvas_fields", {}))
    if selection is not None:
        canvas.selection.CopyFrom(gray_image(selection))
        canvas.selection_x, canvas.selection_y = sel_xy
    fields.setdefault("steps", 3)
    return run_job(client, request(canvas=canvas, width=0, height=0, **fields))


def test_fill_changes_only_the_selection(grpc_client):
    doc = _document(150, 110)
    sel = np.zeros((37, 41), np.uint8)
    sel[:] = 255
    _, _, results, finished = _canvas_job(grpc_client, doc, pb.CANVAS_OPERATION_FILL, sel, (53, 31),
                                          canvas_fields=dict(mask_options=pb.MaskOptions(feather=-1)))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    r = results[0]
    layer = pixels(r.image)
    out = composite_over(doc, layer, r.x, r.y)
    selected = np.zeros(doc.shape[:2], bool)
    selected[31:68, 53:94] = True
    assert np.array_equal(out[~selected], doc[~selected])
    assert (out[selected] != doc[selected]).any(axis=1).mean() > 0.9
    assert (r.document_width, r.document_height) == (150, 110)


def test_generate_without_selection_covers_the_whole_canvas(grpc_client):
    doc = _document(96, 72)
    _, _, results, finished = _canvas_job(grpc_client, doc, pb.CANVAS_OPERATION_GENERATE)
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    r = results[0]
    assert (r.x, r.y, r.image.width, r.image.height) == (0, 0, 96, 72)
    assert (pixels(r.image)[:, :, 3] == 255).all()


def test_variations_are_placed_alike_with_their_own_seeds(grpc_client):
    doc = _document(64, 64)
    sel = np.full((20, 20), 255, np.uint8)
    _, _, results, _ = _canvas_job(grpc_client, doc, pb.CANVAS_OPERATION_FILL, sel, (10, 10), count=2, seed=10)
    assert [r.seed for r in results] == [10, 11]
    assert results[0].x == results[1].x and results[0].y == results[1].y
    assert results[0].image.data != results[1].image.data


def test_expand_grows_the_document_and_keeps_old_pixels(grpc_client):
    doc = _document(80, 64)
    margins = pb.Margins(left=8, top=24, right=0, bottom=16)
    _, _, results, finished = _canvas_job(grpc_client, doc, pb.CANVAS_OPERATION_EXPAND,
                                          canvas_fields=dict(expand=margins, mask_options=pb.MaskOptions(feather=4)))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    r = results[0]
    assert (r.document_width, r.document_height) == (88, 104)
    assert (r.offset_x, r.offset_y) == (8, 24)
    grown = np.zeros((104, 88, 4), np.uint8)
    grown[24:88, 8:88] = doc
    out = composite_over(grown, pixels(r.image), r.x, r.y)
    # the new margins are filled, opaque
    assert (out[:24, :, 3] == 255).all() and (out[88:, :, 3] == 255).all() and (out[:, :8, 3] == 255).all()
    # old pixels farther than the feather width from a seam are untouched
    inner = (slice(24 + 4, 88 - 4), slice(8 + 4, 88))
    assert np.array_equal(out[inner], grown[inner])


def test_refine_keeps_the_document_size_and_uses_strength(grpc_client):
    doc = _document(64, 64, seed=3)
    _, _, results, finished = _canvas_job(grpc_client, doc, pb.CANVAS_OPERATION_REFINE, strength=0.3, steps=10)
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    assert results[0].parameters.strength == np.float32(0.3)
    assert (results[0].image.width, results[0].image.height) == (64, 64)


def test_empty_selection_is_refused(grpc_client):
    import grpc
    import pytest

    doc = _document(64, 64)
    canvas = pb.CanvasRequest(document_width=64, document_height=64, region=rgba_image(doc),
                              selection=gray_image(np.zeros((10, 10), np.uint8)), selection_x=5, selection_y=5,
                              operation=pb.CANVAS_OPERATION_FILL)
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(request(canvas=canvas, width=0, height=0))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "canvas.selection" in err.value.details()
