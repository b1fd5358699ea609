"""Cutting a face out of an image and putting a reworked one back.

Both face operations share one rule: a pixel the blend mask leaves at 0 comes back bit for bit.
Blends are integer ((new * m + old * (255 - m) + 127) // 255), and every mask is built so that it
is exactly 0 beyond a known distance from the face (canvas.masks' feather functions).

Restoration networks want the face in their own frame: GFPGAN, RestoreFormer and CodeFormer were
trained on FFHQ crops where the eyes and mouth sit at fixed points of a 512 px square. With five
landmarks (YuNet) the crop is a similarity transform onto those points; from a bare box (Haar) it
is a square around the box, sized and raised to put the eyes roughly where the template has them.
"""

from __future__ import annotations

import numpy as np

from ..canvas.masks import feather_inside, feather_outside
from .faces_detect import Face

# FFHQ's five-point template for 512 px crops (eyes, nose tip, mouth corners), as the restorers'
# own pipelines align faces.
FFHQ_TEMPLATE_512 = np.array([[192.98, 239.95], [318.90, 240.19], [256.63, 314.02],
                              [201.26, 371.41], [313.09, 371.15]], dtype=np.float32)
# A Haar frontal-face box spans brows to mouth: the eyes lie ~38 % down and ~42 % of its width
# apart. Matching that to the template's eyes gives a crop 1.75 box widths wide whose centre sits
# 7 % of the box above the box's centre.
HAAR_CROP_SIDE = 1.75
HAAR_CROP_RAISE = 0.07


def blend(new: np.ndarray, old: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Integer blend: mask 0 keeps `old` exactly, 255 takes `new`, values between mix."""
    m = mask.astype(np.uint32)[..., None]
    mixed = new.astype(np.uint32) * m + old.astype(np.uint32) * (255 - m)
    return ((mixed + 127) // 255).astype(np.uint8)


def alignment(face: Face, size: int) -> np.ndarray:
    """The 2x3 affine matrix taking image pixels to the size x size restorer frame."""
    import cv2

    if face.landmarks is not None:
        points = np.asarray(face.landmarks, dtype=np.float32)
        matrix, _ = cv2.estimateAffinePartial2D(points, FFHQ_TEMPLATE_512 * (size / 512), method=cv2.LMEDS)
        if matrix is not None:
            return matrix
    side = HAAR_CROP_SIDE * max(face.width, face.height)
    cx = face.x + face.width / 2
    cy = face.y + face.height / 2 - HAAR_CROP_RAISE * face.height
    scale = size / side
    return np.array([[scale, 0.0, size / 2 - scale * cx], [0.0, scale, size / 2 - scale * cy]])


def warp_face(rgb: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    """The face crop (size x size RGB); beyond the image's edges it is mirrored, not black."""
    import cv2

    shrink = np.sqrt(abs(np.linalg.det(matrix[:, :2]))) < 1
    return cv2.warpAffine(np.ascontiguousarray(rgb[..., :3]), matrix, (size, size),
                          flags=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REFLECT_101)


def paste_face(rgb: np.ndarray, face_rgb: np.ndarray, matrix: np.ndarray,
               visibility: float = 1.0) -> np.ndarray:
    """rgb with face_rgb (in the frame `matrix` maps to) blended back: a soft edge inside the
    crop's footprint, its width 1/20 of the crop; pixels outside the footprint are untouched."""
    import cv2

    size = face_rgb.shape[0]
    inverse = cv2.invertAffineTransform(matrix)
    corners = np.array([[0, 0, 1], [size, 0, 1], [0, size, 1], [size, size, 1]], dtype=np.float64)
    spots = corners @ inverse.T
    height, width = rgb.shape[:2]
    x0, y0 = max(0, int(np.floor(spots[:, 0].min()))), max(0, int(np.floor(spots[:, 1].min())))
    x1, y1 = min(width, int(np.ceil(spots[:, 0].max()))), min(height, int(np.ceil(spots[:, 1].max())))
    out = rgb.copy()
    if x1 <= x0 or y1 <= y0 or visibility <= 0:
        return out
    local = inverse.copy()
    local[:, 2] -= (x0, y0)
    region = (x1 - x0, y1 - y0)
    scale = np.sqrt(abs(np.linalg.det(inverse[:, :2])))
    back = cv2.warpAffine(face_rgb, local, region, flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)
    # Where the crop fully covers a pixel (no border sampled), faded towards the crop's edge.
    footprint = cv2.warpAffine(np.full((size, size), 255, np.uint8), local, region,
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    footprint = np.where(footprint == 255, 255, 0).astype(np.uint8)
    mask = feather_inside(footprint, max(1, round(size * scale / 40)))
    if visibility < 1:
        mask = np.round(mask.astype(np.float32) * visibility).astype(np.uint8)
    out[y0:y1, x0:x1, :3] = blend(back, rgb[y0:y1, x0:x1, :3], mask)
    return out


def face_mask(shape: tuple[int, int], face: Face, dilate: int, blur: int) -> np.ndarray:
    """The re-render mask: the face box grown by `dilate`, its edge faded outwards over `blur`
    pixels. 255 inside the grown box, exactly 0 beyond dilate + 2 * blur of the box."""
    height, width = shape
    mask = np.zeros((height, width), np.uint8)
    x0, y0 = max(0, face.x - dilate), max(0, face.y - dilate)
    x1, y1 = min(width, face.x + face.width + dilate), min(height, face.y + face.height + dilate)
    mask[y0:y1, x0:x1] = 255
    return feather_outside(mask, blur, reach=blur) if blur > 0 else mask


def context_crop(mask_box: tuple[int, int, int, int], padding: int, aspect: float,
                 shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): mask_box padded on every side, widened to `aspect` (w / h) where the image
    allows, and kept inside the image."""
    height, width = shape
    x0, y0, x1, y1 = mask_box
    x0, y0, x1, y1 = x0 - padding, y0 - padding, x1 + padding, y1 + padding
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        w = min(width, round(h * aspect))
    else:
        h = min(height, round(w / aspect))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = min(w, width), min(h, height)
    left = int(round(min(max(cx - w / 2, 0), width - w)))
    top = int(round(min(max(cy - h / 2, 0), height - h)))
    return left, top, left + w, top + h
