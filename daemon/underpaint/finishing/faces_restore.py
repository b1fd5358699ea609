"""The restore_faces finishing step: detect, align each face into the restorer's 512 px frame,
restore it, and blend it back with a soft edge (RestoreFacesOptions.visibility mixes it in).

Networks load through spandrel (GFPGAN, RestoreFormer) or spandrel_extra_arches (CodeFormer,
optional because of its non-commercial licence; kept in a registry of its own so it never turns
up for other spandrel users in this process). Every family is driven in its native value range
here, so each maps RGB in [0, 1] to RGB in [0, 1]:

* GFPGAN takes and returns [-1, 1]; spandrel's own call passes [0, 1] through unchanged (the
  grey-noise bug other projects hit), so the network is called directly. Its StyleGAN noise is
  the stored per-layer noise, so the same face restores the same way every time.
* RestoreFormer: spandrel's call normalises both ways.
* CodeFormer: [-1, 1] with the fidelity weight w (0 = best quality, 1 = closest to the input).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidArgument
from . import CHECKS, STEPS
from .face_crop import alignment, paste_face, warp_face
from .face_models import RestorerEntry, face_models
from .faces_detect import DEFAULT_MIN_CONFIDENCE

DEFAULT_FIDELITY = 0.5


class Restorer:
    def __init__(self, family: str, module, size: int, device: str, call):
        self.family, self.module, self.size, self.device = family, module, size, device
        self._call = call

    @classmethod
    def load(cls, entry: RestorerEntry, state_dict: dict, device: str) -> "Restorer":
        import torch

        descriptor = _loader(entry.family).load_from_state_dict(state_dict)
        found = descriptor.architecture.id
        if found != entry.family:
            raise ValueError(f"{entry.path.name}: expected a {entry.family} network, spandrel found {found}")
        module = descriptor.model.eval().to(device=device, dtype=torch.float32)
        if entry.family == "GFPGAN":
            def call(x, fidelity):
                return module(x * 2 - 1, return_rgb=False, randomize_noise=False)[0].add(1).div(2)
        elif entry.family == "CodeFormer":
            def call(x, fidelity):
                return module(x * 2 - 1, weight=fidelity)[0].add(1).div(2)
        else:
            def call(x, fidelity):
                return descriptor(x)
        return cls(entry.family, module, 512, device, call)

    def restore(self, face_rgb: np.ndarray, fidelity: float = DEFAULT_FIDELITY) -> np.ndarray:
        """size x size uint8 RGB in, the restored face out (same shape)."""
        import torch

        x = torch.from_numpy(np.ascontiguousarray(face_rgb)).to(self.device)
        x = x.permute(2, 0, 1).unsqueeze(0).float().div(255)
        with torch.inference_mode():
            y = self._call(x, fidelity).clamp(0, 1)
        return y[0].permute(1, 2, 0).mul(255).round().byte().cpu().numpy()


def _loader(family: str):
    from spandrel import ArchRegistry, ModelLoader

    if family != "CodeFormer":
        return ModelLoader()
    from spandrel_extra_arches import EXTRA_REGISTRY

    registry = ArchRegistry()
    registry.add(*[s for s in EXTRA_REGISTRY if s.architecture.id == "CodeFormer"])
    return ModelLoader(registry=registry)


def check_options(options, field: str = "restore_faces") -> None:
    """Submit-time checks (the model is looked up too, so a wrong id fails before queueing)."""
    for name in ("fidelity", "visibility"):
        value = getattr(options, name)
        if options.HasField(name) and not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise InvalidArgument(f"{field}.{name}", f"{value:g} is out of range; allowed 0 to 1")
    check_confidence(options.min_confidence, f"{field}.min_confidence")
    face_models().restorer(options.model, f"{field}.model")


def check_confidence(value: float, field: str) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InvalidArgument(field, f"{value:g} is out of range; allowed 0 to 1 (0 = the default, "
                              f"{DEFAULT_MIN_CONFIDENCE:g})")


def restore_faces(ctx, rgb: np.ndarray, options, index: int) -> np.ndarray:
    from .faces_result import note_faces

    models = face_models()
    entry = models.restorer(options.model)
    faces = models.detector().detect(rgb, options.min_confidence or DEFAULT_MIN_CONFIDENCE)
    note_faces(ctx, index, faces, rgb.shape)
    if not faces:
        return rgb
    ctx.activity("faces", f"loading face restorer {entry.id}", subject=entry.id)
    restorer = models.load_restorer(entry, ctx.cache.device)
    fidelity = options.fidelity if options.HasField("fidelity") else DEFAULT_FIDELITY
    visibility = options.visibility if options.HasField("visibility") else 1.0
    for number, face in enumerate(faces):
        ctx.check_cancelled()
        ctx.activity("faces", f"restoring face {number + 1} of {len(faces)} with {entry.id}",
                     fraction=number / len(faces), subject=entry.id)
        matrix = alignment(face, restorer.size)
        restored = restorer.restore(warp_face(rgb, matrix, restorer.size), fidelity)
        rgb = paste_face(rgb, restored, matrix, visibility)
    ctx.activity("faces", f"restored {len(faces)} face{'s' if len(faces) > 1 else ''}", fraction=1.0,
                 subject=entry.id)
    return rgb


STEPS["restore_faces"] = restore_faces
CHECKS["restore_faces"] = check_options
