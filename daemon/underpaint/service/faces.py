"""The service side of finishing networks: the DetectFaces RPC, and the face restorers, detectors
and upscalers in ListModels."""

from __future__ import annotations

import math

from .. import images
from ..errors import InvalidArgument
from ..finishing.face_models import face_models
from ..finishing.faces_detect import DEFAULT_MIN_CONFIDENCE, HAAR_ID
from ..v1 import underpaint_pb2 as pb

MIN_IMAGE_SIDE = 24  # the Haar cascade's window: nothing smaller can hold a face it finds


def detect_faces(request: pb.DetectFacesRequest, max_pixels: int) -> pb.DetectFacesResponse:
    """Runs on a worker thread (the service hands it off the event loop): decoding and the
    cascade touch every pixel."""
    if not (math.isfinite(request.min_confidence) and 0.0 <= request.min_confidence <= 1.0):
        raise InvalidArgument("min_confidence", f"{request.min_confidence:g} is out of range; allowed 0 to 1 "
                              f"(0 = the default, {DEFAULT_MIN_CONFIDENCE:g})")
    if not request.HasField("image"):
        raise InvalidArgument("image", "is missing; send the picture to search")
    detector = face_models().detector(request.detector, "detector")
    rgb = images.decode(request.image, "image", 3, max_pixels)
    check_image_size(rgb, "image")
    faces = detector.detect(rgb, request.min_confidence or DEFAULT_MIN_CONFIDENCE)
    return pb.DetectFacesResponse(
        faces=[pb.FaceBox(x=f.x, y=f.y, width=f.width, height=f.height, score=f.score) for f in faces],
        detector=detector.id)


def check_image_size(rgb, field: str) -> None:
    height, width = rgb.shape[:2]
    if width < MIN_IMAGE_SIDE or height < MIN_IMAGE_SIDE:
        raise InvalidArgument(field, f"is {width}x{height}; faces can be found in images of at least "
                              f"{MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE} pixels")


def add_face_models_to(response: pb.ListModelsResponse) -> None:
    """Lists the face restorers and detectors (AddOn types "face_restorer", "face_detector") and
    the files in their folders that cannot be used."""
    models = face_models()
    for e in models.restorers:
        response.add_ons.add(id=e.id, type="face_restorer", path=str(e.path), display_name=e.id,
                             description=e.description + (" (random weights, for testing)" if e.is_demo else ""),
                             is_demo=e.is_demo, license=e.license)
    for e in models.detector_entries():
        description = ("built in: OpenCV's frontal-face Haar cascade (used when no other detector is installed)"
                       if e.id == HAAR_ID else "YuNet face detector (cv2.FaceDetectorYN): scores and landmarks")
        response.add_ons.add(id=e.id, type="face_detector", path=str(e.path) if e.id != HAAR_ID else "",
                             display_name=e.display_name, description=description)
    for face_id, path, reason in models.unusable:
        response.unusable.add(id=face_id, path=str(path), reason=reason)


def add_upscalers_to(response: pb.ListModelsResponse) -> None:
    """Lists the upscaling networks (AddOn type "upscaler", with their scale) and the files in
    their folder that cannot be used."""
    from ..finishing.upscale_models import upscaler_models

    models = upscaler_models()
    for e in models.entries:
        response.add_ons.add(id=e.id, type="upscaler", path=str(e.path), display_name=e.id, scale=e.scale,
                             architecture="", description=e.description + (" (random weights, for testing)"
                                                                           if e.is_demo else ""),
                             is_demo=e.is_demo)
    for upscaler_id, path, reason in models.unusable:
        response.unusable.add(id=upscaler_id, path=str(path), reason=reason)
