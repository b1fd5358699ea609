"""Control images: framed where the generation looks and preprocessed into what a ControlNet
reads (white lines on black). Pure numpy/OpenCV, no model."""

from __future__ import annotations

import numpy as np
import pytest

from underpaint.canvas import model as canvas_model
from underpaint.controls import frame_for_canvas, frame_for_size, preprocess
from underpaint.errors import InvalidArgument


def rgba(rgb: np.ndarray, alpha: int = 255) -> np.ndarray:
    return np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), alpha, np.uint8)], axis=2)


def drawn_square(paper: int = 255, ink: int = 0) -> np.ndarray:
    img = np.full((64, 64, 3), paper, np.uint8)
    img[16:48, 16] = img[16:48, 47] = img[16, 16:48] = img[47, 16:48] = ink
    return rgba(img)


def test_line_art_drawn_dark_on_white_becomes_white_on_black():
    out = preprocess(drawn_square(), "lineart")
    assert out.shape == (64, 64, 3)
    assert out[16, 30].tolist() == [255, 255, 255] and out[30, 30].tolist() == [0, 0, 0]


def test_line_art_already_white_on_black_is_kept():
    out = preprocess(drawn_square(paper=0, ink=255), "lineart")
    assert out[16, 30, 0] == 255 and out[30, 30, 0] == 0


def test_strokes_on_a_transparent_layer_are_the_lines_whatever_their_colour():
    layer = np.zeros((64, 64, 4), np.uint8)
    layer[10:12, :] = [200, 30, 30, 255]     # a red stroke
    layer[40:42, :] = [0, 0, 0, 128]         # a half-transparent black one
    out = preprocess(layer, "lineart")
    assert out[10, 5, 0] == 255 and out[40, 5, 0] == 128 and out[25, 5, 0] == 0
    scribble = preprocess(layer, "scribble")
    assert set(np.unique(scribble)) == {0, 255}
    assert scribble[40, 5, 0] == 255  # 128 is a line for a scribble


def test_canny_finds_the_edges_of_a_shape_and_nothing_on_flat_colour():
    img = np.zeros((64, 64, 3), np.uint8)
    img[16:48, 16:48] = 255
    edges = preprocess(rgba(img), "canny")[..., 0]
    assert edges[16:48, 14:19].any() and edges[30, 30] == 0 and edges[2, 2] == 0
    assert set(np.unique(edges)) <= {0, 255}


def test_none_keeps_the_image_and_transparency_is_black():
    img = np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    assert np.array_equal(preprocess(rgba(img), "none"), img)
    assert not preprocess(rgba(img, 0), "none").any()
    assert np.array_equal(preprocess(rgba(img), "invert"), 255 - img)


def test_unknown_preprocessor_names_the_field():
    with pytest.raises(InvalidArgument) as err:
        preprocess(drawn_square(), "sobel", "controls[2].preprocessor")
    assert err.value.field == "controls[2].preprocessor"


def test_framing_covers_the_size_and_keeps_the_centre():
    img = np.zeros((100, 200, 4), np.uint8)
    img[:, 95:105] = 255  # a bar in the middle of a wide image
    out = frame_for_size(img, 64, 64)
    assert out.shape == (64, 64, 4)
    assert out[32, 32, 0] > 200 and out[32, 5, 0] == 0 and out[32, 60, 0] == 0


def _plan(**fields):
    base = dict(gen_width=64, gen_height=64, init_image=None, mask=None, x=0, y=0, width=64, height=64,
                alpha=np.zeros((64, 64), np.uint8), document_width=200, document_height=200, offset_x=0,
                offset_y=0, work_x=100, work_y=40, work_width=64, work_height=64)
    base.update(fields)
    return canvas_model.CanvasPlan(**base)


def test_framing_on_a_canvas_cuts_the_work_area_out_of_the_document():
    layer = np.zeros((20, 20, 4), np.uint8)
    layer[...] = 255
    out = frame_for_canvas(layer, 110, 50, _plan())  # 10 px into the work area from its corner
    assert out[10:30, 10:30].min() == 255
    assert out[:10].max() == 0 and out[30:].max() == 0
    # an expand moved the old document by (offset_x, offset_y): the layer moves with it
    moved = frame_for_canvas(layer, 110, 50, _plan(offset_x=8, offset_y=4))
    assert moved[14:34, 18:38].min() == 255 and moved[10:14].max() == 0
    # a work area twice the generation size: scaled down with it
    half = frame_for_canvas(layer, 110, 50, _plan(work_width=128, work_height=128))
    assert half[6:14, 6:14].min() > 200 and half[20:].max() == 0
    # entirely outside: transparent
    assert frame_for_canvas(layer, 0, 0, _plan()).max() == 0


def test_a_very_long_thin_image_is_cropped_before_it_is_scaled():
    thin = np.zeros((1, 200_000, 4), np.uint8)
    thin[0, 100_000] = 255
    out = frame_for_size(thin, 64, 64)
    assert out.shape == (64, 64, 4)
