"""What models are installed: a scan of the models folder.

Diffusers folders (a model_index.json) and .safetensors checkpoints are listed; pickled
checkpoints (.ckpt/.pt) only with the explicit opt-in, because loading a pickle runs code.
Files that are not whole SD checkpoints (LoRAs, VAEs, upscalers kept in the same tree) are
skipped with a log line.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from underpaint.errors import FailedPrecondition, NotFound
from underpaint.models import demo
from underpaint.models.single_file import (
    NATIVE_SIZE,
    detect_architecture,
    read_safetensors_header,
)

log = logging.getLogger(__name__)

MAX_DEPTH = 4  # how deep to look for models under the models folder


@dataclass
class ModelEntry:
    id: str
    display_name: str
    architecture: str  # "sd15", "sd2", "sdxl"
    native_width: int
    native_height: int
    kind: str  # "diffusers" | "single_file"
    is_demo: bool
    path: Path
    size_multiple: int
    description: str


class ModelRegistry:
    def __init__(self, models_dir: Path, allow_pickle: bool = False):
        self.models_dir = Path(models_dir)
        self.allow_pickle = allow_pickle
        self.entries: list[ModelEntry] = []
        self.refused: dict[str, str] = {}  # id -> why it is not offered
        self._lock = threading.Lock()

    def scan(self) -> list[ModelEntry]:
        entries, refused = [], {}
        if self.models_dir.is_dir():
            self._walk(self.models_dir, 0, entries, refused)
        else:
            log.info("models folder %s does not exist; no models installed", self.models_dir)
        entries.sort(key=lambda e: (e.is_demo, e.id.lower()))
        with self._lock:
            self.entries, self.refused = entries, refused
        return list(entries)

    def get(self, model_id: str) -> ModelEntry:
        with self._lock:
            entries, refused = self.entries, self.refused
        for entry in entries:
            if entry.id == model_id:
                return entry
        if model_id in refused:
            raise FailedPrecondition(f"model '{model_id}' cannot be used: {refused[model_id]}")
        installed = ", ".join(e.id for e in entries) or "none"
        raise NotFound(f"model '{model_id}' is not installed; installed: {installed}")

    @property
    def default_id(self) -> str:
        """The first non-demo model, else the demo; "" when nothing is installed."""
        with self._lock:
            entries = self.entries
        for entry in entries:
            if not entry.is_demo:
                return entry.id
        return entries[0].id if entries else ""

    # -- scanning ------------------------------------------------------------------------------

    def _walk(self, folder: Path, depth: int, entries: list, refused: dict) -> None:
        try:
            children = sorted(folder.iterdir())
        except OSError as e:
            log.warning("cannot read %s: %s", folder, e)
            return
        for child in children:
            if child.name.startswith(".") or child.name.endswith(".partial"):
                continue
            entry = None
            try:
                if child.is_dir():
                    if (child / "model_index.json").is_file():
                        entry = self._folder_entry(child, refused)
                    elif depth + 1 < MAX_DEPTH:
                        self._walk(child, depth + 1, entries, refused)
                elif child.suffix.lower() == ".safetensors":
                    entry = self._file_entry(child)
                elif child.suffix.lower() in (".ckpt", ".pt"):
                    entry = self._pickle_entry(child, refused)
            except (OSError, ValueError, KeyError) as e:
                log.warning("skipping %s: not a readable model (%s)", child, e)
            if entry is not None:
                if any(e.id == entry.id for e in entries):  # same stem elsewhere: keep both
                    entry.id = child.relative_to(self.models_dir).as_posix()
                entries.append(entry)

    def _folder_entry(self, folder: Path, refused: dict) -> ModelEntry | None:
        index = json.loads((folder / "model_index.json").read_text())
        marker = _read_json(folder / demo.MARKER_FILE)
        unet = _read_json(folder / "unet" / "config.json")
        vae = _read_json(folder / "vae" / "config.json")
        if not unet or not vae:
            log.info("skipping %s: no unet/vae config (not a Stable Diffusion pipeline)", folder)
            return None
        unet_dir = folder / "unet"
        has_safetensors = any(unet_dir.glob("*.safetensors"))
        if not has_safetensors and not self.allow_pickle:
            reason = "its weights are pickle files (.bin); convert them to safetensors or use --allow-pickle"
            log.warning("refusing %s: %s", folder, reason)
            refused[folder.name] = reason
            return None
        architecture = marker.get("architecture") or _folder_architecture(index, unet)
        factor = 2 ** (len(vae.get("block_out_channels", [0, 0, 0, 0])) - 1)
        native = int(unet.get("sample_size", 64)) * factor
        return ModelEntry(
            id=folder.name,
            display_name=marker.get("display_name") or folder.name,
            architecture=architecture,
            native_width=int(marker.get("native_width", native)),
            native_height=int(marker.get("native_height", native)),
            kind="diffusers",
            is_demo=bool(marker.get("demo", False)),
            path=folder,
            size_multiple=factor,
            description=marker.get("description") or f"{_ARCH_NAMES.get(architecture, architecture)} (diffusers folder)",
        )

    def _file_entry(self, path: Path) -> ModelEntry | None:
        keys, metadata = read_safetensors_header(path)
        architecture = metadata.get(demo.META_ARCHITECTURE) or detect_architecture(keys)
        if architecture is None:
            log.info("skipping %s: not a Stable Diffusion checkpoint (a LoRA, VAE or other file?)", path)
            return None
        if architecture not in NATIVE_SIZE:
            log.info("skipping %s: %s checkpoints are not supported", path, architecture)
            return None
        is_demo = metadata.get(demo.META_DEMO) == "true"
        width = height = NATIVE_SIZE[architecture]
        if demo.META_NATIVE_SIZE in metadata:
            width, height = (int(v) for v in metadata[demo.META_NATIVE_SIZE].split("x"))
        name = "Underpaint demo, single file (random weights)" if is_demo else path.stem
        return ModelEntry(
            id=path.stem,
            display_name=name,
            architecture=architecture,
            native_width=width,
            native_height=height,
            kind="single_file",
            is_demo=is_demo,
            path=path,
            size_multiple=8,
            description=metadata.get(demo.META_DESCRIPTION)
            or f"{_ARCH_NAMES.get(architecture, architecture)} (single file)",
        )

    def _pickle_entry(self, path: Path, refused: dict) -> ModelEntry | None:
        if not self.allow_pickle:
            reason = (
                "pickle checkpoints (.ckpt/.pt) can run code when loaded; convert it to .safetensors "
                "or start the daemon with --allow-pickle"
            )
            log.warning("refusing %s: %s", path, reason)
            refused[path.stem] = reason
            return None
        architecture = detect_architecture(_pickle_keys(path))
        if architecture not in NATIVE_SIZE:
            log.info("skipping %s: not a supported Stable Diffusion checkpoint", path)
            return None
        return ModelEntry(
            id=path.stem,
            display_name=path.stem,
            architecture=architecture,
            native_width=NATIVE_SIZE[architecture],
            native_height=NATIVE_SIZE[architecture],
            kind="single_file",
            is_demo=False,
            path=path,
            size_multiple=8,
            description=f"{_ARCH_NAMES[architecture]} (pickle checkpoint, allowed by --allow-pickle)",
        )


def _pickle_keys(path: Path) -> list[str]:
    """Tensor names of a torch checkpoint without reading its tensors (mmap), refusing any
    object but tensors and plain containers (weights_only)."""
    import torch

    try:
        data = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unreadable pickle is skipped, never fatal
        raise ValueError(f"cannot read checkpoint: {e}") from e
    if isinstance(data, dict) and isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]
    return list(data) if isinstance(data, dict) else []


_ARCH_NAMES = {"sd15": "SD 1.x", "sd2": "SD 2.x", "sdxl": "SDXL"}


def _folder_architecture(index: dict, unet: dict) -> str:
    if "XL" in index.get("_class_name", "") or unet.get("addition_embed_type") == "text_time":
        return "sdxl"
    if unet.get("cross_attention_dim") == 1024:
        return "sd2"
    return "sd15"


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}

