"""Run-time enforcement: every result of a job with an image check is checked before a client
sees it, and its progress previews only ever show coarse blocks.

A flagged result is blurred (Result.policy = "blurred") or withheld (Result.policy = "withheld",
no image), with a note and a "policy" Activity saying so; the job still succeeds, so a client
knows how many images were made and which ones it was not given.
"""

from __future__ import annotations

from .. import images
from ..errors import FailedPrecondition
from ..v1 import underpaint_pb2 as pb
from .image_check import BLURRED, WITHHELD, blur, coarse_preview, image_checker

_CHANNELS = {pb.PIXEL_FORMAT_RGB8: 3}
_NO_LIMIT = 2**62


def check_result(ctx, result: pb.Result, mode: str) -> None:
    """Checks result.image in place (mode "blur" or "block")."""
    if mode == "off" or not result.image.data:
        return
    number = result.index + 1
    ctx.activity("policy", f"checking image {number}", subject="image_check")
    arr = images.decode(result.image, "result", _CHANNELS.get(result.image.format, 4), _NO_LIMIT)
    rgb = images.convert_channels(arr, 3) if arr.shape[2] == 4 else arr
    checker = image_checker()
    if checker is None:  # a worker process the daemon did not set up: never pass an image unchecked
        raise FailedPrecondition("image_check: this worker has no image checker; the image is not sent")
    if not checker.flagged(rgb, ctx.cache.device):
        return
    if mode == "blur":
        result.image.CopyFrom(images.encode(blur(arr), result.image.format))
        result.policy = BLURRED
        message = f"image {number} was blurred: the content policy's image check flagged it"
    else:
        result.ClearField("image")
        result.policy = WITHHELD
        message = f"image {number} was withheld: the content policy's image check flagged it"
    result.note = "; ".join(n for n in (result.note, message) if n)
    ctx.activity("policy", message, 1.0, subject="image_check")


def preview_for(arr, mode: str):
    return arr if mode == "off" else coarse_preview(arr)
