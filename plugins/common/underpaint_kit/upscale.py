"""Upscaling for hosts: the requests behind "Upscale" (an image, the document or a selection) and
the step that upscales what a generation makes. The daemon does the work (network in tiles,
Lanczos, or diffusion re-render tile by tile) and returns the enlarged pixels.

    upscale_request(image=..., scale=4, model="RealESRGAN_x4plus")   -> a FINISH job
    upscale_request(canvas=..., scale=2, diffusion=True, prompt=P)   -> GOBIG on a canvas area
    add_upscale_step(generate_request, scale=2)                      -> generate, then upscale
    upscalers(list_models_response)                                  -> the "upscaler" add-ons

With a canvas, the Result's image covers the selection's bounding box scaled by the factor, at
(x, y) in a document of document_width x document_height (the old document scaled): a host either
resizes its document to that size and adds the layer, or opens the image as a new document.
"""

from __future__ import annotations

from .faces import _finish
from .protocol import pb

CAPABILITY = "upscale"
CAPABILITY_DIFFUSION = "upscale_diffusion"
MAX_SCALE = 16.0


def upscale_options(scale: float = 0.0, width: int = 0, height: int = 0, model: str = "",
                    diffusion: bool = False, strength: float = 0.0, tile_size: int = 0,
                    tile_padding: int = 0, seam_pass: bool = False) -> pb.UpscaleOptions:
    """scale: above 1 up to 16, 0 = the upscaler's own factor (2 with Lanczos); or a target
    width x height. model: an "upscaler" add-on id, "" = Lanczos. diffusion: re-render tile by
    tile with the job's model at denoise `strength` (0 = 0.35)."""
    scale = float(scale)
    if scale and not 1.0 < scale <= MAX_SCALE:
        raise ValueError(f"scale: expected above 1 up to {MAX_SCALE:g} (or 0 for the upscaler's own), got {scale!r}")
    if bool(width) != bool(height) or int(width) < 0 or int(height) < 0:
        raise ValueError(f"width, height: give both (positive) or neither, got {width!r} x {height!r}")
    if scale and width:
        raise ValueError("scale, width: give a scale or a target size, not both")
    if strength and not 0.0 < strength <= 1.0:
        raise ValueError(f"strength: expected 0 < strength <= 1, got {strength!r}")
    if not diffusion and (strength or tile_size or tile_padding or seam_pass):
        raise ValueError("strength, tile_size, tile_padding, seam_pass: only apply with diffusion=True")
    return pb.UpscaleOptions(scale=scale, width=int(width), height=int(height), model=model, diffusion=diffusion,
                             strength=float(strength), tile_size=int(tile_size), tile_padding=int(tile_padding),
                             seam_pass=seam_pass)


def upscale_request(image=None, canvas=None, *, prompt: str = "", negative_prompt: str = "",
                    diffusion_model: str = "", steps: int = 0, seed: int = -1, client: str = "",
                    **options) -> pb.GenerateRequest:
    """A FINISH job that upscales `image` (a pb.Image) or a canvas area (a pb.CanvasRequest).
    options: those of upscale_options. prompt/steps/seed/diffusion_model: for diffusion."""
    request = _finish(pb.FinishingStep(upscale=upscale_options(**options)), image, canvas, client)
    request.prompt, request.negative_prompt, request.model = prompt, negative_prompt, diffusion_model
    request.steps, request.seed = int(steps), int(seed)
    return request


def add_upscale_step(request: pb.GenerateRequest, **options) -> pb.GenerateRequest:
    """Appends an upscale to a generation (it runs on each image as it is made, after any face
    steps already added)."""
    request.finishing.append(pb.FinishingStep(upscale=upscale_options(**options)))
    return request


def upscalers(list_models_response) -> list:
    """The "upscaler" add-ons of a ListModels response (each with its `scale`; `is_demo` for random weights)."""
    return [a for a in list_models_response.add_ons if a.type == "upscaler"]
