"""Which upscaling networks are installed, and loading one.

    models/upscalers/   ESRGAN / RealESRGAN, SwinIR, HAT, DAT, OmniSR, ... (whatever spandrel
                        recognises with the purpose "SR"), as .safetensors or, with --allow-pickle,
                        as the .pth files they are usually published as.

A file is recognised by loading its tensors through spandrel once per file version (path, size,
mtime), which also tells its architecture and scale; face restorers and other networks put here by
mistake are listed as unusable with a hint. The last upscaler used stays loaded.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import FailedPrecondition, NotFound

log = logging.getLogger(__name__)

UPSCALERS_FOLDER = "upscalers"
FOLDERS = (UPSCALERS_FOLDER, "upscale_models", "esrgan", "realesrgan")  # ours, ComfyUI's, A1111's
SUFFIXES = (".safetensors", ".pth", ".pt", ".ckpt", ".bin")
META_DEMO = "underpaint.demo"
META_DESCRIPTION = "underpaint.description"


@dataclass
class UpscalerEntry:
    id: str
    path: Path
    architecture: str      # spandrel's name: "ESRGAN", "SwinIR", "HAT", ...
    scale: int
    is_demo: bool = False
    description: str = ""


class UpscalerModels:
    """The upscalers of one models folder (rescanned on ListModels rescan)."""

    def __init__(self, models_dir: Path | None, allow_pickle: bool = False):
        self.models_dir = Path(models_dir) if models_dir else None
        self.allow_pickle = allow_pickle
        self.entries: list[UpscalerEntry] = []
        self.unusable: list[tuple[str, Path, str]] = []
        self._memo: dict[tuple, tuple] = {}   # (path, size, mtime) -> (entry, reason)
        self._lock = threading.Lock()
        self._loaded: tuple | None = None     # (id, path, device, descriptor)

    def scan(self) -> "UpscalerModels":
        entries, unusable, memo = [], [], {}
        for path in self._files():
            stat = path.stat()
            key = (str(path), stat.st_size, stat.st_mtime_ns)
            entry, reason = self._memo.get(key) or self._classify(path)
            memo[key] = (entry, reason)
            if entry is not None:
                entries.append(entry)
            elif reason:
                unusable.append((path.stem, path, reason))
        entries.sort(key=lambda e: (e.is_demo, e.id.lower()))
        with self._lock:
            self.entries, self.unusable, self._memo = entries, unusable, memo
        for e in entries:
            log.info("upscaler %s (%s x%d%s)", e.id, e.architecture, e.scale, ", DEMO: random weights" if e.is_demo else "")
        return self

    def _files(self) -> list[Path]:
        if self.models_dir is None or not self.models_dir.is_dir():
            return []
        folders = [c for c in sorted(self.models_dir.iterdir()) if c.is_dir() and c.name.lower() in FOLDERS]
        return [p for folder in folders for p in sorted(folder.iterdir())
                if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".partial")]

    def _classify(self, path: Path) -> tuple[UpscalerEntry | None, str]:
        suffix = path.suffix.lower()
        if suffix not in SUFFIXES:
            return None, ""  # README and licence files: not worth a line
        if suffix != ".safetensors" and not self.allow_pickle:
            return None, ("pickle files (.pth/.pt) can run code when loaded; start the daemon with "
                          "--allow-pickle (it then reads tensors only) or convert it to .safetensors")
        try:
            state, metadata = read_state_dict(path)
            descriptor = _describe(state)
        except Exception as e:  # noqa: BLE001 - an unreadable file is listed, never fatal
            return None, f"not an upscaler this daemon can load ({type(e).__name__}: {str(e)[:200]})"
        if descriptor.purpose != "SR":
            where = "face_restorers/" if descriptor.purpose == "FaceSR" else "another folder"
            return None, (f"a {descriptor.architecture.name} network ({descriptor.purpose}), not an upscaler; "
                          f"move it to {where}")
        if descriptor.scale < 1 or descriptor.input_channels != 3 or descriptor.output_channels != 3:
            return None, f"a {descriptor.architecture.name} network without RGB in and out; not supported"
        is_demo = metadata.get(META_DEMO) == "true"
        name = descriptor.architecture.name
        description = metadata.get(META_DESCRIPTION) or f"{name} x{descriptor.scale} upscaler"
        return UpscalerEntry(path.stem, path, name, int(descriptor.scale), is_demo, description), ""

    # --- lookups -----------------------------------------------------------------------------

    def get(self, upscaler_id: str, field: str = "upscale.model") -> UpscalerEntry:
        with self._lock:
            entries, unusable = list(self.entries), {u[0]: u[2] for u in self.unusable}
        for entry in entries:
            if entry.id == upscaler_id:
                return entry
        if upscaler_id in unusable:
            raise FailedPrecondition(f"{field}: '{upscaler_id}' cannot be used: {unusable[upscaler_id]}")
        installed = ", ".join(e.id for e in entries) or "none"
        folder = self.models_dir / UPSCALERS_FOLDER if self.models_dir else "models/upscalers/"
        raise NotFound(f"{field}: upscaler '{upscaler_id}' is not installed; installed: {installed} "
                       f"(in {folder}); leave it empty for Lanczos")

    def load(self, entry: UpscalerEntry, device: str):
        """The spandrel ImageModelDescriptor for entry, in float32 on `device`, in eval mode."""
        import torch

        with self._lock:
            if self._loaded and self._loaded[:3] == (entry.id, entry.path, device):
                return self._loaded[3]
            self._loaded = None  # drop the old one before the new one loads
        state, _ = read_state_dict(entry.path)
        descriptor = _describe(state).to(device=device, dtype=torch.float32).eval()
        with self._lock:
            self._loaded = (entry.id, entry.path, device, descriptor)
        return descriptor


def _describe(state: dict):
    from spandrel import ModelLoader

    return ModelLoader().load_from_state_dict(state)


def read_state_dict(path: Path) -> tuple[dict, dict]:
    """(tensors, metadata): safetensors as they are; pickles through torch's weights_only loader
    (spandrel unwraps params_ema / params / state_dict itself)."""
    if path.suffix.lower() == ".safetensors":
        from safetensors import safe_open
        from safetensors.torch import load_file

        with safe_open(str(path), "pt") as f:
            metadata = f.metadata() or {}
        return load_file(str(path)), metadata
    import torch

    data = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(data, dict):
        raise ValueError("it holds no state dict")
    return data, {}


# The daemon's index: set up by the server at start (configure), read by jobs and RPCs.
_index = UpscalerModels(None)


def configure(models_dir: Path, allow_pickle: bool = False) -> UpscalerModels:
    global _index
    _index = UpscalerModels(models_dir, allow_pickle).scan()
    return _index


def upscaler_models() -> UpscalerModels:
    return _index
