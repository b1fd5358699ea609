"""Finding faces: OpenCV's Haar cascade (its XML ships inside the opencv wheel, so it works
offline with nothing installed), or a YuNet ONNX file the user put in models/detectors/.

Every detector answers the same thing: Face boxes in image pixels with a 0..1 score, largest
first. Only numpy and cv2 here (no torch), so the DetectFaces RPC stays quick.

Haar scores. A cascade says yes or no; it has no calibrated confidence. Two numbers it does give
tell real faces from the odd false window well: the last stage's sum for the best window of a
cluster (levelWeight) and how many overlapping windows fired (neighbours). A logistic fit of both,
made on skimage's lfw_subset faces (at 40-200 px) against every window the cascade fires on in
skimage's non-face photos (coins, gravel, cat, ...), gives

    z = 0.76 * levelWeight + 2.31 * ln(neighbours) - 7.62

Textures at larger scales still fool it now and then (a helmet's reflection at 0.87), and those
windows hold no eyes: OpenCV's eye cascade, run on the upper 60 % of the box scaled to 120 px,
adds 1 to z when it finds an eye and takes 3 away when it finds none. score = 1 / (1 + exp(-z)).
At the default threshold 0.3 this kept 92-97 % of the LFW faces at each size and none of the 43
windows on the non-face photos (without the eye check: 88-97 % and 4).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_MIN_CONFIDENCE = 0.3     # ADetailer's default threshold, which the Haar score follows
MAX_DETECT_SIDE = 2048           # larger images are searched at this size (faces > ~24 px there)
HAAR_ID = "haar-frontalface"
HAAR_FILE = "haarcascade_frontalface_default.xml"
_HAAR_SCALE_FACTOR = 1.1         # the fit above was made with these settings: keep them together
_HAAR_MIN_NEIGHBOURS = 2
_GROUP_EPS = 0.2                 # OpenCV's own grouping tolerance (CascadeClassifier's GROUP_EPS)
_SCORE = (0.76, 2.31, -7.62)     # levelWeight, ln(neighbours), bias
_EYES_FOUND, _NO_EYES = 1.0, -3.0  # added to the logit by the eye check
_EYE_FILE = "haarcascade_eye.xml"
_EYE_WIDTH = 120                 # the box's upper part is scaled to this width for the eye search


@dataclass(frozen=True)
class Face:
    x: int
    y: int
    width: int
    height: int
    score: float
    # YuNet only: right eye, left eye, nose tip, right and left mouth corners as (x, y) pairs,
    # in the subject's terms (its right eye is on the image's left).
    landmarks: tuple | None = None

    def scaled(self, factor: float) -> "Face":
        marks = None if self.landmarks is None else tuple((x * factor, y * factor) for x, y in self.landmarks)
        return Face(round(self.x * factor), round(self.y * factor), round(self.width * factor),
                    round(self.height * factor), self.score, marks)


def sort_faces(faces) -> list[Face]:
    """Largest first (then top-left first), the order DetectFacesResponse promises."""
    return sorted(faces, key=lambda f: (-f.width * f.height, f.y, f.x))


def _gray(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY)


def _search_scale(width: int, height: int) -> float:
    return min(1.0, MAX_DETECT_SIDE / max(width, height))


def _resized(rgb: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    if scale >= 1.0:
        return rgb
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    return cv2.resize(np.ascontiguousarray(rgb), size, interpolation=cv2.INTER_AREA)


class HaarDetector:
    """OpenCV's frontal-face Haar cascade from the opencv wheel's cv2/data folder."""

    id = HAAR_ID
    display_name = "OpenCV Haar cascade (frontal faces)"

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else haar_path()
        self._local = threading.local()  # a CascadeClassifier is not safe to share between threads

    def _cascade(self, name: str = "cascade"):
        import cv2

        cascade = getattr(self._local, name, None)
        if cascade is None:
            path = self.path if name == "cascade" else self.path.with_name(_EYE_FILE)
            cascade = cv2.CascadeClassifier(str(path))
            if cascade.empty():
                raise RuntimeError(f"cannot read the Haar cascade {path}")
            setattr(self._local, name, cascade)
        return cascade

    def _has_eyes(self, gray: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
        import cv2

        top = gray[y:y + max(1, int(h * 0.6)), x:x + w]
        height = max(1, round(_EYE_WIDTH * top.shape[0] / top.shape[1]))
        top = cv2.resize(top, (_EYE_WIDTH, height), interpolation=cv2.INTER_CUBIC if w < _EYE_WIDTH else cv2.INTER_AREA)
        return len(self._cascade("eyes").detectMultiScale(top, 1.1, 2, minSize=(12, 12), maxSize=(60, 60))) > 0

    def detect(self, rgb: np.ndarray, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> list[Face]:
        scale = _search_scale(rgb.shape[1], rgb.shape[0])
        gray = _gray(_resized(rgb, scale))
        # minNeighbors=0 returns every window that passed all stages with its last-stage sum;
        # grouping them here (as OpenCV would) keeps both numbers the score needs in one pass.
        rects, _levels, weights = self._cascade().detectMultiScale3(
            gray, scaleFactor=_HAAR_SCALE_FACTOR, minNeighbors=0, outputRejectLevels=True)
        faces = []
        for (x, y, w, h), neighbours, weight in group_windows(np.asarray(rects).reshape(-1, 4),
                                                              np.ravel(weights)):
            z = haar_logit(weight, neighbours)
            if _sigmoid(z + _EYES_FOUND) < min_confidence:
                continue  # not even eyes could lift it over the threshold: skip the eye search
            score = _sigmoid(z + (_EYES_FOUND if self._has_eyes(gray, x, y, w, h) else _NO_EYES))
            if score >= min_confidence:
                faces.append(Face(x, y, w, h, score).scaled(1 / scale))
        return sort_faces(faces)


def haar_logit(level_weight: float, neighbours: int) -> float:
    """The cascade's own evidence (before the eye check), as a logit."""
    a, b, c = _SCORE
    return a * level_weight + b * math.log(max(neighbours, 1)) + c


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def group_windows(rects: np.ndarray, weights: np.ndarray, min_count: int = _HAAR_MIN_NEIGHBOURS,
                  eps: float = _GROUP_EPS) -> list:
    """OpenCV's groupRectangles: clusters of similar windows -> (averaged rect, count, best weight);
    clusters of fewer than min_count windows go, then those lying inside a stronger one.
    Returns [((x, y, w, h), count, weight)]."""
    n = len(rects)
    if n == 0:
        return []
    x, y, w, h = (rects[:, i].astype(np.float64) for i in range(4))
    delta = eps * (np.minimum.outer(w, w) + np.minimum.outer(h, h)) * 0.5
    similar = ((np.abs(x[:, None] - x[None, :]) <= delta) & (np.abs(y[:, None] - y[None, :]) <= delta)
               & (np.abs((x + w)[:, None] - (x + w)[None, :]) <= delta)
               & (np.abs((y + h)[:, None] - (y + h)[None, :]) <= delta))
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(similar, 1))):
        parent[root(int(i))] = root(int(j))
    labels = np.array([root(i) for i in range(n)])
    clusters = []
    for label in np.unique(labels):
        members = labels == label
        count = int(members.sum())
        if count < min_count:
            continue
        box = tuple(int(round(v)) for v in rects[members].astype(np.float64).mean(axis=0))
        clusters.append((box, count, float(weights[members].max())))
    kept = []
    for i, (box, count, weight) in enumerate(clusters):
        inside_stronger = False
        for j, (other, other_count, _) in enumerate(clusters):
            if i == j:
                continue
            dx, dy = round(other[2] * eps), round(other[3] * eps)
            if (box[0] >= other[0] - dx and box[1] >= other[1] - dy
                    and box[0] + box[2] <= other[0] + other[2] + dx
                    and box[1] + box[3] <= other[1] + other[3] + dy
                    and (other_count > max(3, count) or count < 3)):
                inside_stronger = True
                break
        if not inside_stronger:
            kept.append((box, count, weight))
    return kept


class YuNetDetector:
    """A YuNet ONNX file (OpenCV Zoo's face_detection_yunet_*.onnx) run by cv2.FaceDetectorYN.
    Gives real confidences and five landmarks, which face restoration uses to align faces."""

    def __init__(self, path: Path, id: str = ""):
        self.path = Path(path)
        self.id = id or self.path.stem
        self.display_name = f"YuNet ({self.path.name})"
        self._lock = threading.Lock()
        self._net = None

    def detect(self, rgb: np.ndarray, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> list[Face]:
        import cv2

        scale = _search_scale(rgb.shape[1], rgb.shape[0])
        small = _resized(rgb, scale)
        bgr = cv2.cvtColor(np.ascontiguousarray(small[..., :3]), cv2.COLOR_RGB2BGR)
        with self._lock:  # one network, its input size set per call
            if self._net is None:
                self._net = cv2.FaceDetectorYN.create(str(self.path), "", (bgr.shape[1], bgr.shape[0]),
                                                      score_threshold=0.05)
            self._net.setInputSize((bgr.shape[1], bgr.shape[0]))
            _, rows = self._net.detect(bgr)
        faces = []
        for row in (rows if rows is not None else []):
            score = float(row[14])
            if score < min_confidence:
                continue
            x, y, w, h = (float(v) for v in row[:4])
            x0, y0 = max(0, round(x)), max(0, round(y))
            x1, y1 = min(bgr.shape[1], round(x + w)), min(bgr.shape[0], round(y + h))
            if x1 <= x0 or y1 <= y0:
                continue
            marks = tuple((float(row[4 + 2 * k]), float(row[5 + 2 * k])) for k in range(5))
            faces.append(Face(x0, y0, x1 - x0, y1 - y0, min(1.0, score), marks).scaled(1 / scale))
        return sort_faces(faces)


def haar_path() -> Path:
    import cv2

    return Path(cv2.data.haarcascades) / HAAR_FILE
