"""Faces for hosts: the requests behind "Restore faces" and "Re-render faces", and what the daemon
offers for them. The daemon finds the faces, does the work and blends the result back; a plugin
sends its pixels (or its canvas) and puts the returned layer where the Result says.

    daemon.detect_faces(image)                      -> pb.DetectFacesResponse (quick, not a job)
    restore_faces_request(image=...)                -> a FINISH job: GFPGAN/RestoreFormer/CodeFormer
    rerender_faces_request(prompt, image=...)       -> a FINISH job: the model redraws each face
    add_face_steps(generate_request, rerender=True) -> a generation that also fixes its faces

Each FINISH request takes its input either as `image` (a pb.Image, e.g. requests.rgba_image(...))
or as `canvas` (a pb.CanvasRequest: document size, region pixels and the selection; build one with
requests.canvas_request(...).canvas). Results carry `faces` (document pixels with a canvas) and a
`note` ("no faces found", the image then comes back unchanged).
"""

from __future__ import annotations

from .protocol import pb

CAPABILITY_DETECT = "face_detect"
CAPABILITY_RESTORE = "face_restore"
CAPABILITY_RERENDER = "face_rerender"
NO_FACES = "no faces found"


def restore_faces_request(image=None, canvas=None, model: str = "", fidelity: float | None = None,
                          visibility: float | None = None, min_confidence: float = 0.0,
                          client: str = "") -> pb.GenerateRequest:
    """Face restoration of an image or a canvas area. model: a "face_restorer" add-on id ("" = the
    first installed); fidelity: CodeFormer only, 0 = best quality .. 1 = closest to the input;
    visibility: 0..1, how much of the restored face shows."""
    options = pb.RestoreFacesOptions(model=model, min_confidence=_fraction("min_confidence", min_confidence))
    if fidelity is not None:
        options.fidelity = _fraction("fidelity", fidelity)
    if visibility is not None:
        options.visibility = _fraction("visibility", visibility)
    return _finish(pb.FinishingStep(restore_faces=options), image, canvas, client)


def rerender_faces_request(prompt: str = "", image=None, canvas=None, negative_prompt: str = "",
                           model: str = "", strength: float = 0.0, steps: int = 0, seed: int = -1,
                           padding: int = 0, mask_blur: int = 0, min_confidence: float = 0.0,
                           client: str = "") -> pb.GenerateRequest:
    """Re-rendering of each face by the model (ADetailer): denoise `strength` (0 = 0.4), `padding`
    pixels of context (0 = 32), soft edge `mask_blur` (0 = 4). model: the diffusion model."""
    request = _finish(pb.FinishingStep(rerender_faces=_rerender_options(
        "", "", strength, steps, padding, mask_blur, min_confidence)), image, canvas, client)
    request.prompt, request.negative_prompt, request.model, request.seed = prompt, negative_prompt, model, seed
    return request


def add_face_steps(request: pb.GenerateRequest, restore: bool = False, rerender: bool = False,
                   restorer: str = "", face_prompt: str = "", strength: float = 0.0) -> pb.GenerateRequest:
    """Appends the face steps to a generation (they run on each image as it is made): re-render
    first (it redraws), then restore. face_prompt: "" = the generation's own prompt."""
    if rerender:
        request.finishing.append(pb.FinishingStep(rerender_faces=_rerender_options(
            face_prompt, "", strength, 0, 0, 0, 0.0)))
    if restore:
        request.finishing.append(pb.FinishingStep(restore_faces=pb.RestoreFacesOptions(model=restorer)))
    return request


def face_restorers(list_models_response) -> list:
    """The "face_restorer" add-ons of a ListModels response (for a model picker; each has a
    `license`, "non-commercial" for CodeFormer, and `is_demo` for random weights)."""
    return [a for a in list_models_response.add_ons if a.type == "face_restorer"]


def face_detectors(list_models_response) -> list:
    return [a for a in list_models_response.add_ons if a.type == "face_detector"]


def _rerender_options(prompt, negative_prompt, strength, steps, padding, mask_blur, min_confidence):
    if strength and not 0.0 < strength <= 1.0:
        raise ValueError(f"strength: expected 0 < strength <= 1, got {strength!r}")
    for name, value in (("steps", steps), ("padding", padding), ("mask_blur", mask_blur)):
        if int(value) < 0:
            raise ValueError(f"{name}: must not be negative, got {value!r}")
    return pb.RerenderFacesOptions(prompt=prompt, negative_prompt=negative_prompt, strength=strength,
                                   steps=int(steps), padding=int(padding), mask_blur=int(mask_blur),
                                   min_confidence=_fraction("min_confidence", min_confidence))


def _finish(step, image, canvas, client: str) -> pb.GenerateRequest:
    if (image is None) == (canvas is None):
        raise ValueError("image, canvas: give exactly one (the picture, or the canvas area to work on)")
    request = pb.GenerateRequest(type=pb.JOB_TYPE_FINISH, client=client, previews=False)
    request.finishing.append(step)
    if image is not None:
        request.init_image.CopyFrom(image)
    else:
        request.canvas.CopyFrom(canvas)
    return request


def _fraction(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}: expected 0..1, got {value!r}")
    return value
