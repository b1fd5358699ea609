"""Cutting faces out and putting them back: what is outside the mask never changes."""

from __future__ import annotations

import numpy as np
import pytest

from underpaint.finishing.face_crop import (
    FFHQ_TEMPLATE_512,
    alignment,
    blend,
    context_crop,
    face_mask,
    paste_face,
    warp_face,
)
from underpaint.finishing.faces_detect import Face

FACE = Face(177, 67, 93, 93, 0.99)


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=2)


def test_an_identity_restorer_gives_the_picture_back(astronaut):
    matrix = alignment(FACE, 512)
    crop = warp_face(astronaut, matrix, 512)
    out = paste_face(astronaut, crop, matrix)
    diff = np.abs(out.astype(int) - astronaut.astype(int))
    assert diff.mean() < 0.5 and np.percentile(diff, 99.9) <= 16  # only resampling error
    # The crop is 1.75 face widths around the face: nothing beyond it is touched at all.
    ys, xs = np.nonzero(_changed(out, astronaut))
    side = 1.75 * 93
    assert xs.min() >= 177 + 46.5 - side / 2 - 1 and xs.max() <= 177 + 46.5 + side / 2 + 1
    assert ys.max() <= 67 + 46.5 + side / 2


def test_the_pasted_face_replaces_the_middle_and_fades_at_the_edge(astronaut):
    matrix = alignment(FACE, 512)
    white = np.full((512, 512, 3), 255, np.uint8)
    out = paste_face(astronaut, white, matrix)
    assert (out[100:130, 210:240] == 255).all()  # the middle of the face: fully replaced
    ring = out[30:35, 150:300]  # near the crop's top edge: a blend, neither all white nor untouched
    assert (ring < 255).any() and _changed(ring, astronaut[30:35, 150:300]).any()


def test_visibility_zero_changes_nothing_and_half_is_between(astronaut):
    matrix = alignment(FACE, 512)
    white = np.full((512, 512, 3), 255, np.uint8)
    assert np.array_equal(paste_face(astronaut, white, matrix, visibility=0.0), astronaut)
    half = paste_face(astronaut, white, matrix, visibility=0.5)[115, 225].astype(int)
    full = paste_face(astronaut, white, matrix, visibility=1.0)[115, 225].astype(int)
    original = astronaut[115, 225].astype(int)
    assert np.all(np.abs(half - (original + full) / 2) <= 1)


def test_landmarks_align_onto_the_template():
    # Landmarks of a face turned 20 degrees and scaled: the crop puts them on the template.
    angle, scale = np.deg2rad(20), 0.4
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) * scale
    marks = FFHQ_TEMPLATE_512 @ rotation.T + (300, 200)
    face = Face(300, 200, 100, 100, 0.9, tuple(map(tuple, marks)))
    matrix = alignment(face, 512)
    mapped = np.c_[marks, np.ones(5)] @ matrix.T
    assert np.abs(mapped - FFHQ_TEMPLATE_512).max() < 0.5


def test_a_face_at_the_border_is_cut_with_mirrored_pixels_and_pasted_inside_only(astronaut):
    face = Face(0, 0, 80, 80, 0.9)
    matrix = alignment(face, 256)
    crop = warp_face(astronaut, matrix, 256)
    assert crop.shape == (256, 256, 3) and crop.min() >= 0
    out = paste_face(astronaut, np.zeros_like(crop), matrix)
    assert out.shape == astronaut.shape
    assert not _changed(out[200:], astronaut[200:]).any()


def test_the_rerender_mask_is_exactly_zero_beyond_dilate_and_twice_the_blur():
    mask = face_mask((200, 300), Face(100, 50, 60, 60, 0.9), dilate=4, blur=6)
    reach = 4 + 2 * 6
    inside = np.zeros_like(mask, bool)
    inside[50 - reach:110 + reach, 100 - reach:160 + reach] = True
    assert (mask[~inside] == 0).all()
    assert (mask[50 - 4:110 + 4, 100 - 4:160 + 4] == 255).all()
    assert 0 < mask[50 - 4 - 6, 130] < 255  # the soft edge


def test_blend_is_exact_at_zero_and_full():
    rng = np.random.default_rng(1)
    new, old = (rng.integers(0, 256, (8, 8, 3), dtype=np.uint8) for _ in range(2))
    assert np.array_equal(blend(new, old, np.zeros((8, 8), np.uint8)), old)
    assert np.array_equal(blend(new, old, np.full((8, 8), 255, np.uint8)), new)


@pytest.mark.parametrize("shape", [(512, 512), (300, 800), (120, 90)])
def test_the_context_crop_stays_in_the_image_and_holds_the_mask(shape):
    box = (40, 30, 90, 80)
    x0, y0, x1, y1 = context_crop(box, 32, 1.0, shape)
    assert 0 <= x0 <= box[0] and 0 <= y0 <= box[1]
    assert x1 <= shape[1] and y1 <= shape[0]
    assert x1 >= min(box[2], shape[1]) and y1 >= min(box[3], shape[0])
    if shape[0] >= 114 and shape[1] >= 114:
        assert x1 - x0 == y1 - y0  # square like the model when the image allows
