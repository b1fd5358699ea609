"""Which face restorers and face detectors are installed, and loading a restorer.

    models/face_restorers/   GFPGAN, RestoreFormer (spandrel), CodeFormer (spandrel_extra_arches,
                             non-commercial licence: `pip install underpaint[codeformer]`)
    models/detectors/        YuNet ONNX files for cv2.FaceDetectorYN

The Haar cascade inside the opencv wheel is always there as the fallback detector. Restorers are
recognised by their tensor names (read from the file's header, no weights loaded). Pickled
files (.pth/.pt, how most restorers are published) are read with torch's weights_only loader,
and only when the daemon runs with --allow-pickle, as for every other model.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import FailedPrecondition, NotFound
from .faces_detect import HAAR_ID, HaarDetector, YuNetDetector

log = logging.getLogger(__name__)

RESTORERS_FOLDER = "face_restorers"
DETECTORS_FOLDER = "detectors"
FOLDERS = (RESTORERS_FOLDER, DETECTORS_FOLDER)
PICKLE_SUFFIXES = (".pth", ".pt", ".ckpt", ".bin")
META_DEMO = "underpaint.demo"          # the same metadata keys as the demo diffusion model
META_DESCRIPTION = "underpaint.description"

# Tensor names that identify each family (the keys spandrel detects them by).
# CodeFormer first: it shares quantize.* names with RestoreFormer.
_FAMILIES = {
    "CodeFormer": ("position_emb", "idx_pred_layer.1.weight", "quantize.embedding.weight"),
    "GFPGAN": ("toRGB.0.weight", "stylegan_decoder.style_mlp.1.weight"),
    "RestoreFormer": ("quantize.embedding.weight", "quant_conv.weight", "encoder.conv_in.weight",
                      "decoder.conv_out.weight"),
}
_LICENSES = {"CodeFormer": "non-commercial"}  # S-Lab License 1.0
_WRAPPERS = ("params_ema", "params", "state_dict", "model")


@dataclass
class RestorerEntry:
    id: str
    path: Path
    family: str          # "GFPGAN", "RestoreFormer", "CodeFormer"
    is_demo: bool = False
    description: str = ""

    @property
    def license(self) -> str:
        return _LICENSES.get(self.family, "")


@dataclass
class DetectorEntry:
    id: str
    path: Path
    kind: str            # "haar" or "yunet"
    display_name: str
    detector: object = None


class FaceModels:
    """The face restorers and detectors of one models folder (rescanned on ListModels rescan)."""

    def __init__(self, models_dir: Path | None, allow_pickle: bool = False):
        self.models_dir = Path(models_dir) if models_dir else None
        self.allow_pickle = allow_pickle
        self.restorers: list[RestorerEntry] = []
        self.detectors: list[DetectorEntry] = []
        self.unusable: list[tuple[str, Path, str]] = []  # (id, path, reason)
        self._haar = DetectorEntry(HAAR_ID, Path(), "haar", HaarDetector.display_name)
        self._lock = threading.Lock()
        self._loaded: tuple | None = None   # (entry id, path, device, restorer)

    # --- discovery ---------------------------------------------------------------------------

    def scan(self) -> "FaceModels":
        restorers, detectors, unusable = [], [], []
        if self.models_dir is not None:
            for path in _files(self.models_dir / RESTORERS_FOLDER):
                entry, reason = self._restorer_entry(path)
                if entry:
                    restorers.append(entry)
                elif reason:
                    unusable.append((path.stem, path, reason))
            for path in _files(self.models_dir / DETECTORS_FOLDER):
                if path.suffix.lower() == ".onnx":
                    detectors.append(DetectorEntry(path.stem, path, "yunet", f"YuNet ({path.name})"))
                else:
                    unusable.append((path.stem, path, "not a face detector: put YuNet .onnx files here"))
        restorers.sort(key=lambda e: (e.is_demo, e.family != "GFPGAN", e.id.lower()))
        with self._lock:
            self.restorers, self.detectors, self.unusable = restorers, detectors, unusable
        for entry in restorers:
            log.info("face restorer %s (%s%s)", entry.id, entry.family, ", DEMO: random weights" if entry.is_demo else "")
        return self

    def _restorer_entry(self, path: Path) -> tuple[RestorerEntry | None, str]:
        suffix = path.suffix.lower()
        if suffix == ".safetensors":
            from ..models.single_file import read_safetensors_header

            try:
                keys, metadata = read_safetensors_header(path)
            except (OSError, ValueError) as e:
                return None, f"not a readable .safetensors file ({e})"
        elif suffix in PICKLE_SUFFIXES:
            if not self.allow_pickle:
                return None, ("pickle files (.pth/.pt) can run code when loaded; start the daemon with "
                              "--allow-pickle (it then reads tensors only) or convert it to .safetensors")
            try:
                keys, metadata = list(_read_state_dict(path, mmap=True)), {}
            except Exception as e:  # noqa: BLE001 - an unreadable file is listed, never fatal
                return None, f"cannot read it ({e})"
        else:
            return None, ""  # README, licence files and the like: not worth a line
        family = family_of(keys)
        if family is None:
            return None, "not a face restorer this daemon knows (GFPGAN, RestoreFormer, CodeFormer)"
        if family == "CodeFormer" and not codeformer_available():
            return None, ("CodeFormer needs the optional package spandrel_extra_arches (non-commercial "
                          "licence): pip install 'underpaint[codeformer]'")
        is_demo = metadata.get(META_DEMO) == "true"
        description = metadata.get(META_DESCRIPTION) or f"{family} face restorer"
        return RestorerEntry(path.stem, path, family, is_demo, description), ""

    # --- lookups -----------------------------------------------------------------------------

    def restorer(self, restorer_id: str = "", field: str = "restore_faces.model") -> RestorerEntry:
        with self._lock:
            entries = list(self.restorers)
            unusable = {u[0]: u[2] for u in self.unusable}
        if not restorer_id:
            if not entries:
                raise FailedPrecondition(
                    f"{field}: no face restorer is installed; put GFPGANv1.4 (or "
                    f"RestoreFormer, CodeFormer) into {self._folder(RESTORERS_FOLDER)}")
            return entries[0]
        for entry in entries:
            if entry.id == restorer_id:
                return entry
        if restorer_id in unusable:
            raise FailedPrecondition(f"{field}: '{restorer_id}' cannot be used: {unusable[restorer_id]}")
        installed = ", ".join(e.id for e in entries) or "none"
        raise NotFound(f"{field}: face restorer '{restorer_id}' is not installed; installed: {installed}")

    def detector(self, detector_id: str = "", field: str = "detector"):
        """The detector object for an id; empty = the best installed (a YuNet file, else Haar)."""
        with self._lock:
            entries = list(self.detectors)
        if not detector_id:
            entry = entries[0] if entries else self._haar
        elif detector_id == HAAR_ID:
            entry = self._haar
        else:
            entry = next((e for e in entries if e.id == detector_id), None)
            if entry is None:
                known = ", ".join([HAAR_ID] + [e.id for e in entries])
                raise NotFound(f"{field}: face detector '{detector_id}' is not installed; installed: {known}")
        with self._lock:
            if entry.detector is None:
                entry.detector = HaarDetector() if entry.kind == "haar" else YuNetDetector(entry.path, entry.id)
            return entry.detector

    def detector_entries(self) -> list[DetectorEntry]:
        with self._lock:
            return list(self.detectors) + [self._haar]

    def _folder(self, name: str) -> str:
        return str(self.models_dir / name) if self.models_dir else f"the models folder's {name}/"

    # --- loading -----------------------------------------------------------------------------

    def load_restorer(self, entry: RestorerEntry, device: str):
        """The loaded network for entry (one kept warm: the last used)."""
        from .faces_restore import Restorer

        with self._lock:
            if self._loaded and self._loaded[:3] == (entry.id, entry.path, device):
                return self._loaded[3]
            self._loaded = None  # drop the old one before the new one loads
        restorer = Restorer.load(entry, _read_state_dict(entry.path), device)
        with self._lock:
            self._loaded = (entry.id, entry.path, device, restorer)
        return restorer


def family_of(keys) -> str | None:
    names = {_unwrapped(k) for k in keys}
    for family, required in _FAMILIES.items():
        if all(k in names for k in required):
            return family
    return None


def _unwrapped(key: str) -> str:
    for wrapper in _WRAPPERS:
        if key.startswith(wrapper + "."):
            return key[len(wrapper) + 1:]
    return key


def _read_state_dict(path: Path, mmap: bool = False) -> dict:
    """Tensors of a restorer file: safetensors as they are; pickles with weights_only (tensors
    and plain containers only), unwrapping the params_ema / params layers the official files use."""
    if path.suffix.lower() == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    import torch

    data = torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
    for wrapper in _WRAPPERS:
        if isinstance(data, dict) and isinstance(data.get(wrapper), dict):
            data = data[wrapper]
            break
    if not isinstance(data, dict):
        raise ValueError("it holds no state dict")
    return data


def codeformer_available() -> bool:
    try:
        import spandrel_extra_arches  # noqa: F401
    except ImportError:
        return False
    return True


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".partial"))


# The daemon's index: set up by the server at start (configure), read by jobs and RPCs.
_index = FaceModels(None)


def configure(models_dir: Path, allow_pickle: bool = False) -> FaceModels:
    global _index
    _index = FaceModels(models_dir, allow_pickle).scan()
    return _index


def face_models() -> FaceModels:
    return _index
