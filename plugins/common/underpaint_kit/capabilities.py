"""What a request needs from the daemon, so a host says "too old for control layers" instead of
sending what the daemon cannot do.

Protobuf lets an older daemon parse a request with fields it does not know and drop them: a
control layer, an upscale step or a live session would simply not happen, with no error at all.
Daemon.submit checks each request against the capabilities the daemon listed in GetInfo and
raises DaemonLacksFeature, naming what is missing in the artist's words, before anything is sent.
"""

from __future__ import annotations

from .errors import DaemonLacksFeature
from .protocol import pb


def needs(request: "pb.GenerateRequest") -> list[tuple[str, str]]:
    """(capability, what the artist calls it) for each feature the request uses, in order."""
    out = []
    kinds = {control.type for control in request.controls}
    if kinds - {"reference"}:
        out.append(("controls", "control layers"))
    if "reference" in kinds:
        out.append(("reference_images", "reference images"))
    if request.loras:
        out.append(("lora", "LoRAs"))
    if request.vae:
        out.append(("vae", "a chosen VAE"))
    if request.clip_skip:
        out.append(("clip_skip", "CLIP skip"))
    if request.styles:
        out.append(("styles", "styles"))
    if request.HasField("noise"):
        out.append(("noise", "variation seeds and frozen noise"))
    if request.type == pb.JOB_TYPE_KEYFRAMES:
        out.append(("noise", "keyframes"))
    if request.type == pb.JOB_TYPE_EDIT:
        out.append(("noise", "Edit"))
    if request.type == pb.JOB_TYPE_TRAIN_EMBEDDING:
        out.append(("train_embedding", "training"))
    if request.type == pb.JOB_TYPE_FINISH or request.finishing:
        out.append(("finish", "finishing steps"))
    for step in request.finishing:
        kind = step.WhichOneof("step")
        if kind == "upscale":
            out.append(("upscale", "upscaling"))
            if step.upscale.model:
                out.append(("upscale_model", "upscaling with a model"))
            if step.upscale.diffusion:
                out.append(("upscale_diffusion", "re-rendering an upscale"))
        elif kind == "restore_faces":
            out.append(("face_restore", "restoring faces"))
        elif kind == "rerender_faces":
            out.append(("face_rerender", "re-rendering faces"))
    if request.live_session:
        out.append(("live", "Live"))
    return list(dict.fromkeys(out))


def check(request: "pb.GenerateRequest", info: "pb.Info") -> None:
    """Raises DaemonLacksFeature when the daemon that sent `info` cannot do all of `request`."""
    offered = set(info.capabilities)
    missing = [what for capability, what in needs(request) if capability not in offered]
    if missing:
        raise DaemonLacksFeature(missing, info.daemon_version)
