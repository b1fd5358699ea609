"""Face detection on real photos: the astronaut, LFW faces and LFW non-faces, big images."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from underpaint.finishing.faces_detect import (
    DEFAULT_MIN_CONFIDENCE,
    Face,
    HaarDetector,
    group_windows,
    haar_path,
    haar_logit,
    sort_faces,
)


@pytest.fixture(scope="module")
def haar():
    return HaarDetector()


@pytest.fixture(scope="module")
def lfw():
    from skimage import data

    faces = data.lfw_subset()  # 200 crops of 25x25: the first 100 are faces, the rest are not
    return (faces * 255).round().astype(np.uint8)


def _portrait(gray25: np.ndarray, size: int) -> np.ndarray:
    """An LFW crop scaled to `size` with a third of it as margin (the cascade needs some room)."""
    big = cv2.resize(gray25, (size, size), interpolation=cv2.INTER_CUBIC)
    pad = size // 3
    framed = cv2.copyMakeBorder(big, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    return np.dstack([framed] * 3)


def _overlap(face: Face, box) -> float:
    x0, y0 = max(face.x, box[0]), max(face.y, box[1])
    x1, y1 = min(face.x + face.width, box[0] + box[2]), min(face.y + face.height, box[1] + box[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / (face.width * face.height + box[2] * box[3] - inter)


def test_the_astronaut_has_one_face_where_it_is(haar, astronaut):
    faces = haar.detect(astronaut)
    assert len(faces) == 1
    assert _overlap(faces[0], (177, 67, 93, 93)) > 0.8  # OpenCV's own detectMultiScale box
    assert faces[0].score > 0.95


def test_most_lfw_faces_are_found_and_non_faces_are_not(haar, lfw):
    found = sum(bool(haar.detect(_portrait(img, 100))) for img in lfw[:100])
    false = sum(bool(haar.detect(_portrait(img, 100))) for img in lfw[100:])
    assert found >= 90, f"only {found} of 100 faces found"
    assert false <= 3, f"{false} of 100 non-face crops reported as faces"


def test_the_threshold_trades_faces_for_certainty(haar, lfw):
    scores = [max((f.score for f in haar.detect(_portrait(img, 100), 0.0)), default=0.0) for img in lfw[:100]]
    kept = [sum(s >= t for s in scores) for t in (0.0, DEFAULT_MIN_CONFIDENCE, 0.9, 0.999)]
    assert kept == sorted(kept, reverse=True)
    assert kept[0] > kept[-1]  # scores spread: the threshold means something
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_grouping_matches_opencvs_own(astronaut, lfw):
    cascade = cv2.CascadeClassifier(str(haar_path()))
    pictures = [astronaut] + [_portrait(img, 100) for img in lfw[::20]]
    from skimage import data
    pictures += [data.coins(), data.camera()]  # windows that fire on no face
    for picture in pictures:
        gray = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY) if picture.ndim == 3 else picture
        expected_rects, expected_counts = cascade.detectMultiScale2(gray, 1.1, 1)
        rects, _levels, weights = cascade.detectMultiScale3(gray, 1.1, 0, outputRejectLevels=True)
        ours = group_windows(np.asarray(rects).reshape(-1, 4), np.ravel(weights))
        assert sorted((box, count) for box, count, _ in ours) == sorted(
            (tuple(int(v) for v in r), int(n)) for r, n in zip(expected_rects, np.ravel(expected_counts)))


def test_the_evidence_grows_with_both_cues():
    assert haar_logit(2.0, 5) < haar_logit(6.0, 5) < haar_logit(6.0, 40)


def test_windows_without_eyes_are_doubted(haar, astronaut):
    # At 1024 px the cascade also fires on the helmet's reflection (levelWeight and neighbours
    # alone give it 0.87); it holds no eye, so it stays below the threshold. Her face does not.
    big = cv2.resize(astronaut, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    faces = haar.detect(big)
    assert len(faces) == 1 and _overlap(faces[0], (354, 134, 186, 186)) > 0.7
    reflection = [f for f in haar.detect(big, 0.0) if _overlap(f, (838, 865, 55, 55)) > 0.5]
    assert reflection and reflection[0].score < DEFAULT_MIN_CONFIDENCE


def test_faces_in_a_big_image_come_back_in_its_own_pixels(haar, astronaut):
    # 5000 px wide: searched at 2048, boxes scaled back up to the canvas.
    canvas = np.full((3000, 5000, 3), 128, np.uint8)
    big = cv2.resize(astronaut, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    canvas[1500:2524, 3000:4024] = big
    faces = haar.detect(canvas)
    assert len(faces) == 1
    expected = (3000 + 177 * 2, 1500 + 67 * 2, 186, 186)
    assert _overlap(faces[0], expected) > 0.7


def test_no_faces_in_noise_or_a_flat_image(haar):
    rng = np.random.default_rng(0)
    assert haar.detect(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)) == []
    assert haar.detect(np.zeros((64, 64, 3), np.uint8)) == []


def test_faces_are_sorted_largest_first():
    faces = [Face(0, 0, 10, 10, 0.5), Face(50, 50, 30, 30, 0.4), Face(20, 5, 30, 30, 0.9)]
    assert [(f.x, f.y) for f in sort_faces(faces)] == [(20, 5), (50, 50), (0, 0)]
