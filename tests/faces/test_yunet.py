"""A YuNet file in models/detectors/ is found, preferred, decoded with its landmarks, and those
landmarks align the face for restoration."""

from __future__ import annotations

import numpy as np
import pytest

from underpaint.finishing.face_crop import FFHQ_TEMPLATE_512, alignment
from underpaint.finishing.face_models import FaceModels
from underpaint.finishing.faces_detect import HaarDetector, YuNetDetector

from .yunet_stand_in import LANDMARKS, STRIDE, write_yunet_stand_in


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("yunet-models")
    write_yunet_stand_in(root / "detectors" / "face_detection_yunet_2023mar.onnx")
    return FaceModels(root).scan()


def _picture(width, height, cells):
    image = np.zeros((height, width, 3), np.uint8)
    for col, row in cells:
        image[row * STRIDE:(row + 1) * STRIDE, col * STRIDE:(col + 1) * STRIDE] = 255
    return image


def test_an_installed_yunet_is_the_default_and_haar_stays_selectable(models):
    assert isinstance(models.detector(), YuNetDetector)
    assert models.detector().id == "face_detection_yunet_2023mar"
    assert isinstance(models.detector("haar-frontalface"), HaarDetector)


def test_yunet_boxes_scores_and_landmarks(models):
    faces = models.detector().detect(_picture(224, 160, [(4, 2)]))
    assert len(faces) == 1
    face = faces[0]
    assert (face.x, face.y, face.width, face.height) == (128, 64, 32, 32) and face.score > 0.95
    expected = [(128 + LANDMARKS[2 * k] * 32, 64 + LANDMARKS[2 * k + 1] * 32) for k in range(5)]
    assert np.allclose(face.landmarks, expected, atol=0.01)
    assert models.detector().detect(_picture(224, 160, [])) == []
    assert models.detector().detect(_picture(224, 160, [(4, 2)]), min_confidence=0.99) == []


def test_yunet_in_a_big_picture_reports_its_pixels(models):
    # 4096 px: searched at 2048 (cells of 64 px become 32), boxes and landmarks scaled back.
    image = np.zeros((2048, 4096, 3), np.uint8)
    image[640:704, 2560:2624] = 255
    (face,) = models.detector().detect(image)
    assert (face.x, face.y, face.width, face.height) == (2560, 640, 64, 64)
    assert np.allclose(face.landmarks[0], (2560 + LANDMARKS[0] * 64, 640 + LANDMARKS[1] * 64), atol=0.1)


def test_landmarks_drive_the_restorer_crop(models):
    (face,) = models.detector().detect(_picture(224, 160, [(4, 2)]))
    matrix = alignment(face, 512)
    mapped = np.c_[np.asarray(face.landmarks), np.ones(5)] @ matrix.T
    # A similarity transform: the best fit of the five points onto the FFHQ template.
    assert np.abs(mapped - FFHQ_TEMPLATE_512).mean() < 40
    assert abs(matrix[0, 0] - matrix[1, 1]) < 1e-6 and abs(matrix[0, 1] + matrix[1, 0]) < 1e-6
