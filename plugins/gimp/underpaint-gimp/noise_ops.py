"""Edit (no mask) and Keyframes (docs/noise.md): the requests built from the image.

No GIMP import: works on any document with GimpDocument's methods.
"""

from __future__ import annotations

import _vendor

_vendor.activate()

from underpaint_kit import history, noise, requests  # noqa: E402

from operation_errors import OperationError  # noqa: E402


def edit_request(document, params: dict, client: str = "gimp"):
    """The selection (or the image) inverted under from-prompt and painted again with prompt,
    as a canvas request: the result is placed like a refine's."""
    document.check_supported()
    if not str(params.get("from-prompt", "")).strip() or not str(params.get("prompt", "")).strip():
        raise OperationError("from-prompt, prompt: say what the picture shows now (From prompt) and "
                             "what it should show (To prompt).")
    doc_size = document.size()
    selection_rect = document.selection_rect()
    try:
        region_rect = requests.context_rect(doc_size, selection_rect)
        canvas = requests.canvas_request(
            operation="refine", document_size=doc_size, region_rect=region_rect,
            region_rgba=document.read_pixels(region_rect, bool(params.get("sample-merged", True))),
            selection=document.read_selection(selection_rect) if selection_rect else None,
            selection_rect=selection_rect).canvas
        request = noise.edit_request(
            params["from-prompt"], params["prompt"], canvas=canvas,
            negative_prompt=params.get("negative-prompt", ""), model=params.get("model", ""),
            strength=float(params.get("strength", 0.0)), steps=int(params.get("steps", 0)),
            guidance=float(params.get("guidance", 0.0)), seed=int(params.get("seed", -1)),
            previews=False, client=client)
    except ValueError as error:
        raise OperationError(str(error)) from None
    return history.archive_options(request, "gimp", document.image_name())


def keyframes_request(document, params: dict, client: str = "gimp"):
    """Every top-level layer (bottom = frame 1), read over the whole image so all frames have
    one size, restyled with one prompt and frozen noise. Returns (request, frame names)."""
    document.check_supported()
    frames = document.frames()
    if len(frames) < 2:
        raise OperationError("Keyframes needs at least two layers: each layer is one frame "
                             "(the bottom layer is frame 1).")
    width, height = document.size()
    try:
        request = noise.keyframes_request(
            [requests.rgba_image(width, height, rgba) for _name, rgba in frames], params.get("prompt", ""),
            negative_prompt=params.get("negative-prompt", ""), strength=float(params.get("strength", 0.0)),
            model=params.get("model", ""), steps=int(params.get("steps", 0)),
            guidance=float(params.get("guidance", 0.0)), seed=int(params.get("seed", -1)), previews=False,
            client=client)
    except ValueError as error:
        raise OperationError(str(error)) from None
    return history.archive_options(request, "gimp", document.image_name()), [name for name, _ in frames]
