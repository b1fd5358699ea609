"""Preprocessors: from a framed RGBA control image to the RGB image a ControlNet reads.

ControlNets for edges and lines read white lines on black. People draw dark lines on white
paper or on a transparent layer, so line art and scribbles are read "as drawn": on a layer with
transparency the strokes are what is painted (whatever its colour); on an opaque image the lines
are whatever differs from the paper, inverted when the paper is light. Depth, normal and pose
maps need estimators, which ship no weights here: those images are used as given (already a
depth map, a pose skeleton, ...).
"""

from __future__ import annotations

import numpy as np

from underpaint.errors import InvalidArgument

CANNY_LOW, CANNY_HIGH = 100, 200  # A1111's defaults
PREPROCESSORS = ("none", "canny", "lineart", "scribble", "invert")
DEFAULT_PREPROCESSOR = {"canny": "canny", "lineart": "lineart", "scribble": "scribble"}  # others: "none"
ESTIMATORS = ("depth", "normal", "pose", "openpose", "segmentation", "softedge", "hed", "midas", "zoe")


def _luminance(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114).astype(np.float32)


def _over_black(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4].astype(np.uint32)
    return ((rgba[..., :3].astype(np.uint32) * alpha + 127) // 255).astype(np.uint8)


def _gray3(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray.astype(np.uint8)[..., None], 3, axis=2)


def lines_as_drawn(rgba: np.ndarray) -> np.ndarray:
    """(h, w) uint8 line strength, 255 = a line."""
    alpha = rgba[..., 3]
    if (alpha < 255).any():  # a layer with transparency: the paint is the line
        return alpha.copy()
    lum = _luminance(rgba[..., :3])
    if np.median(lum) >= 128:  # dark lines on light paper
        return (255 - lum).round().astype(np.uint8)
    return lum.round().astype(np.uint8)


def preprocess(rgba: np.ndarray, name: str, field: str = "preprocessor") -> np.ndarray:
    """(h, w, 3) uint8 RGB for the ControlNet. `name` is one of PREPROCESSORS."""
    if name == "none":
        return _over_black(rgba)
    if name == "invert":
        return 255 - _over_black(rgba)
    if name == "canny":
        import cv2

        gray = cv2.cvtColor(_over_black(rgba), cv2.COLOR_RGB2GRAY)
        return _gray3(cv2.Canny(gray, CANNY_LOW, CANNY_HIGH))
    if name == "lineart":
        return _gray3(lines_as_drawn(rgba))
    if name == "scribble":
        return _gray3(np.where(lines_as_drawn(rgba) >= 128, 255, 0))
    raise InvalidArgument(field, f"unknown preprocessor '{name}'; one of: {', '.join(PREPROCESSORS)}")
