"""Operations on the pixels that are there (FINISH jobs): Upscale, Restore Faces, Re-render Faces.

No GIMP import: works on any document with GimpDocument's methods.
"""

from __future__ import annotations

import _vendor

_vendor.activate()

from underpaint_kit import faces, history, requests, upscale  # noqa: E402

from operation_errors import OperationError  # noqa: E402


class NothingToDo(Exception):
    """The job ran and found nothing to change (no face): a message, not an error."""


def work_area(document) -> tuple:
    """Where a finishing job reads and puts back its pixels: the selection's bounds, else the image."""
    return document.selection_rect() or (0, 0) + tuple(document.size())


def face_request(document, operation: str, params: dict, client: str = "gimp"):
    """Restore or re-render the faces in work_area()."""
    x, y, w, h = work_area(document)
    try:
        image = requests.rgba_image(w, h, document.read_pixels((x, y, w, h),
                                                               bool(params.get("sample-merged", True))))
        if operation == "restore-faces":
            request = faces.restore_faces_request(image=image, model=params.get("restorer", ""), client=client)
        else:
            request = faces.rerender_faces_request(
                params.get("prompt", ""), image=image, negative_prompt=params.get("negative-prompt", ""),
                model=params.get("model", ""), strength=float(params.get("strength", 0.0)),
                seed=int(params.get("seed", -1)), client=client)
    except ValueError as error:
        raise OperationError(str(error)) from None
    return history.archive_options(request, "gimp", document.image_name())


def check_faces_found(results) -> None:
    if all(result.note == faces.NO_FACES for result in results):
        raise NothingToDo("No faces found: nothing was changed.")


def upscale_request(document, params: dict, client: str = "gimp"):
    """The selection's area (or the whole image) as a canvas, upscaled by params["scale"]; the
    result comes back placed in the image scaled by the same factor."""
    document.check_supported()
    doc_size = tuple(document.size())
    selection_rect = document.selection_rect()
    area = selection_rect or (0, 0) + doc_size
    diffusion = bool(params.get("diffusion", False))
    try:
        canvas = requests.canvas_request(
            operation="refine", document_size=doc_size, region_rect=area,
            region_rgba=document.read_pixels(area, bool(params.get("sample-merged", True))),
            selection=document.read_selection(selection_rect) if selection_rect else None,
            selection_rect=selection_rect).canvas
        request = upscale.upscale_request(
            canvas=canvas, scale=float(params.get("scale", 2.0)), model=params.get("upscaler", ""),
            diffusion=diffusion, strength=float(params.get("strength", 0.0)) if diffusion else 0.0,
            prompt=params.get("prompt", "") if diffusion else "", client=client)
    except ValueError as error:
        raise OperationError(str(error)) from None
    return history.archive_options(request, "gimp", document.image_name())
