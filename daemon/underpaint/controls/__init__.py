"""Control images: how a host's layer becomes what a ControlNet or IP-Adapter reads.

framing.py puts the image where the generation looks (the whole frame for plain requests, the
work area of a canvas operation); preprocess.py turns it into the control's kind of image
(edges for canny, white-on-black lines for scribble and line art). Pure numpy and OpenCV.
"""

from .framing import frame_for_canvas, frame_for_size
from .preprocess import DEFAULT_PREPROCESSOR, PREPROCESSORS, preprocess

__all__ = ["frame_for_canvas", "frame_for_size", "preprocess", "PREPROCESSORS", "DEFAULT_PREPROCESSOR"]
