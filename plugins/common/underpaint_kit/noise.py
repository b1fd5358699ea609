"""The noise for hosts: variation seeds, resize-seed-from and frozen noise on any request, and the
two jobs built on it. The daemon does the work; a host sends pixels and places results.

    set_noise(request, variation_seed=..., variation_strength=0.3)  -> any request, in place
    keyframes_request(frames, prompt, strength=0.5)  -> one img2img per frame, one frozen noise;
                                                        results come back in frame order (Result.index)
    edit_request(image, from_prompt, to_prompt)      -> "Edit (no mask)": invert, re-sample

`frames` is a list of pb.Image (requests.rgba_image(...)), all one size. For a canvas edit pass
`canvas` (requests.canvas_request(...).canvas) instead of `image`; the result is placed like any
canvas result.
"""

from __future__ import annotations

import math

from .protocol import pb

CAPABILITY = "noise"


def set_noise(request: pb.GenerateRequest, variation_seed: int = -1, variation_strength: float = 0.0,
              resize_seed_from=None, freeze: bool = False) -> pb.GenerateRequest:
    """Fills request.noise. variation_strength 0..1 (0 = the seed's image, 1 = the variation
    seed's); resize_seed_from: (width, height) whose composition to keep; freeze: per-step noise
    from the seed and the step only."""
    strength = float(variation_strength)
    if not math.isfinite(strength) or not 0.0 <= strength <= 1.0:
        raise ValueError(f"variation_strength: expected 0 to 1, got {variation_strength!r}")
    if int(variation_seed) < -1:
        raise ValueError(f"variation_seed: expected -1 (random) or a seed >= 0, got {variation_seed!r}")
    noise = request.noise
    noise.variation_seed, noise.variation_strength, noise.freeze = int(variation_seed), strength, bool(freeze)
    if resize_seed_from is not None:
        width, height = (int(v) for v in resize_seed_from)
        if width <= 0 or height <= 0:
            raise ValueError(f"resize_seed_from: expected a positive (width, height), got {resize_seed_from!r}")
        noise.resize_seed_from_width, noise.resize_seed_from_height = width, height
    return request


def keyframes_request(frames, prompt: str, negative_prompt: str = "", strength: float = 0.0,
                      model: str = "", steps: int = 0, guidance: float = 0.0, seed: int = -1,
                      sampler: str = "", previews: bool = True, client: str = "") -> pb.GenerateRequest:
    """A KEYFRAMES job: every frame restyled with the same prompt and the same frozen noise.
    strength: denoise 0..1 (0 = the daemon's default, 0.5)."""
    frames = list(frames)
    if not frames:
        raise ValueError("frames: at least one frame is needed")
    size = (frames[0].width, frames[0].height)
    for i, frame in enumerate(frames):
        if (frame.width, frame.height) != size:
            raise ValueError(f"frames[{i}]: is {frame.width}x{frame.height} but frames[0] is "
                             f"{size[0]}x{size[1]}; all frames must be the same size")
    _check_strength(strength)
    return pb.GenerateRequest(type=pb.JOB_TYPE_KEYFRAMES, frames=frames, prompt=prompt,
                              negative_prompt=negative_prompt, strength=strength, model=model, steps=steps,
                              guidance=guidance, seed=seed, sampler=sampler, previews=previews, client=client,
                              noise=pb.NoiseOptions(freeze=True))


def edit_request(from_prompt: str, to_prompt: str, image=None, canvas=None, negative_prompt: str = "",
                 strength: float = 0.0, model: str = "", steps: int = 0, guidance: float = 0.0,
                 seed: int = -1, inversion_steps: int = 0, previews: bool = True,
                 client: str = "") -> pb.GenerateRequest:
    """An EDIT job ("Edit (no mask)"): the image is inverted to its noise under from_prompt and
    re-sampled with to_prompt. strength: how much of the schedule to invert (0 = 1, all)."""
    if (image is None) == (canvas is None):
        raise ValueError("image/canvas: give exactly one of them")
    _check_strength(strength)
    request = pb.GenerateRequest(type=pb.JOB_TYPE_EDIT, prompt=to_prompt, negative_prompt=negative_prompt,
                                 strength=strength, model=model, steps=steps, guidance=guidance, seed=seed,
                                 previews=previews, client=client,
                                 edit=pb.EditOptions(source_prompt=from_prompt, inversion_steps=inversion_steps))
    if image is not None:
        request.init_image.CopyFrom(image)
    else:
        request.canvas.CopyFrom(canvas)
        if not request.canvas.operation:
            request.canvas.operation = pb.CANVAS_OPERATION_REFINE
    return request


def _check_strength(strength: float) -> None:
    if not math.isfinite(float(strength)) or not 0.0 <= float(strength) <= 1.0:
        raise ValueError(f"strength: expected 0 < strength <= 1 (0 = the default), got {strength!r}")
