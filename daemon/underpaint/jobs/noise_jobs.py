"""Submit-time checks for the jobs built on the noise: KEYFRAMES and EDIT.

KEYFRAMES: every frame is an img2img of itself with one prompt, one seed and frozen noise, so
what changes between outputs is what changed between inputs. EDIT: the init image is inverted to
the noise that makes it under the source prompt, then sampled with the new prompt.
"""

from __future__ import annotations

import dataclasses

from .. import images
from ..errors import InvalidArgument, Unimplemented
from ..v1 import underpaint_pb2 as pb
from .noise_options import NoiseSettings

MAX_FRAMES = 500
DEFAULT_KEYFRAME_STRENGTH = 0.5   # enough to restyle, little enough to keep each frame's layout
DEFAULT_EDIT_STRENGTH = 1.0       # invert all the way: the edit is the prompt change, not noise
EDIT_METHODS = ("ddim_inversion",)
NOT_YET_METHODS = ("reverse_euler",)  # A1111's img2img alternative: in the protocol, not built yet


def check_job_fields(req: pb.GenerateRequest) -> None:
    """Fields that only one job type takes are refused on the others, by name."""
    job_type = req.type or pb.JOB_TYPE_GENERATE
    if len(req.frames) and job_type != pb.JOB_TYPE_KEYFRAMES:
        raise InvalidArgument("frames", "only KEYFRAMES jobs take frames; set type = JOB_TYPE_KEYFRAMES")
    if req.HasField("edit") and job_type != pb.JOB_TYPE_EDIT:
        raise InvalidArgument("edit", "only EDIT jobs take edit options; set type = JOB_TYPE_EDIT")


def resolve_keyframes(req: pb.GenerateRequest, resolved, limits) -> None:
    """Decodes the frames (all one size) into resolved.frames; the size, strength and noise follow."""
    if not req.frames:
        raise InvalidArgument("frames", "a KEYFRAMES job needs at least one frame")
    if len(req.frames) > MAX_FRAMES:
        raise InvalidArgument("frames", f"{len(req.frames)} frames is over the limit of {MAX_FRAMES}; "
                              "send the sequence in parts")
    for name in ("init_image", "mask", "canvas"):
        if req.HasField(name):
            raise InvalidArgument(name, "a KEYFRAMES job takes its images from frames only")
    if req.count > 1:
        raise InvalidArgument("count", "a KEYFRAMES job makes one image per frame; leave count at 0 or 1")
    frames = []
    for i, frame in enumerate(req.frames):
        rgb = images.decode(frame, f"frames[{i}]", 3, limits.max_generation_pixels)
        if frames and rgb.shape != frames[0].shape:
            raise InvalidArgument(f"frames[{i}]", f"is {rgb.shape[1]}x{rgb.shape[0]} but frames[0] is "
                                  f"{frames[0].shape[1]}x{frames[0].shape[0]}; all frames must be the same size")
        frames.append(rgb)
    height, width = frames[0].shape[:2]
    multiple = resolved.model.size_multiple
    for name, value in (("width", width), ("height", height)):
        if value % multiple:
            raise InvalidArgument("frames[0]", f"{name} {value} is not a multiple of {multiple}; "
                                  "crop or scale the frames")
    if (req.width and req.width != width) or (req.height and req.height != height):
        raise InvalidArgument("width", f"the frames are {width}x{height}; leave width and height at 0 or equal")
    resolved.width, resolved.height, resolved.frames = width, height, frames
    resolved.count = len(frames)
    resolved.strength = _strength(req.strength, DEFAULT_KEYFRAME_STRENGTH)
    # One noise for every frame: the job's seed, frozen (that is what a keyframes job is).
    resolved.noise = dataclasses.replace(resolved.noise or NoiseSettings(), freeze=True)


def resolve_edit(req: pb.GenerateRequest, resolved) -> None:
    """EDIT needs the image (init_image or the canvas, already decoded) and a known method."""
    if resolved.init_image is None:
        raise InvalidArgument("init_image", "an EDIT job needs the image to edit (init_image or canvas.region)")
    if resolved.mask is not None and not req.HasField("canvas"):
        raise InvalidArgument("mask", "an EDIT job needs no mask: the prompt change says what to change")
    if req.count > 1:
        raise InvalidArgument("count", "an EDIT job makes one image; leave count at 0 or 1")
    options = req.edit
    method = options.method or EDIT_METHODS[0]
    if method in NOT_YET_METHODS:
        raise Unimplemented(f"edit.method: '{method}' is not offered by this daemon yet; use ddim_inversion")
    if method not in EDIT_METHODS:
        raise InvalidArgument("edit.method", f"unknown method '{options.method}'; one of {', '.join(EDIT_METHODS)}")
    if not 0 <= options.inversion_steps <= 150:
        raise InvalidArgument("edit.inversion_steps", f"{options.inversion_steps} is out of range; allowed 0 to 150")
    resolved.strength = _strength(req.strength, DEFAULT_EDIT_STRENGTH)
    resolved.sampler = "ddim"  # the inversion is DDIM's; the re-sampling must be too
    resolved.edit = EditPlan(source_prompt=options.source_prompt, method=method,
                             inversion_steps=options.inversion_steps or resolved.steps)


@dataclasses.dataclass(frozen=True)
class EditPlan:
    source_prompt: str
    method: str
    inversion_steps: int


def _strength(value: float, default: float) -> float:
    strength = value or default
    if not 0.0 < strength <= 1.0:
        raise InvalidArgument("strength", f"{strength} is out of range; allowed 0 to 1 (0 = default {default})")
    return float(strength)
