"""What models are installed: a scan of the models folder.

Diffusers folders (a model_index.json) and single-file checkpoints (.safetensors; pickled .ckpt
only with the explicit opt-in, because loading a pickle can run code) are models. A file or
folder that is meant as a model but cannot be used is listed as unusable with the reason, and
the scan goes on: one bad download never stops the daemon. The add-on folders (loras/,
embeddings/, vae/) are models/addons.py's and are not looked into; other files that are not
models at all (upscalers, stray LoRAs kept in the same tree) are collected in `other_files`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from underpaint.errors import FailedPrecondition, NotFound
from underpaint.finishing.face_models import FOLDERS as FACE_FOLDERS
from underpaint.finishing.upscale_models import FOLDERS as UPSCALER_FOLDERS
from underpaint.models import demo
from underpaint.models.addons import FOLDERS as ADDON_FOLDERS
from underpaint.models.checkpoint_files import Unusable, read_pickle, read_safetensors
from underpaint.models.identify import ARCH_NAMES, identify_folder, identify_single_file

log = logging.getLogger(__name__)

MAX_DEPTH = 4  # how deep to look for models under the models folder
CHECKPOINT_PICKLES = (".ckpt",)  # refused without --allow-pickle; .pt/.pth are usually add-ons
OTHER_PICKLES = (".pt", ".pth")


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
    prediction_type: str = ""  # "epsilon" | "v_prediction" when told from the file; "" = the configs'


@dataclass(frozen=True)
class UnusableEntry:
    id: str  # the id it would have had
    path: Path
    reason: str  # for people: what is wrong and what to do


@dataclass
class ScanResult:
    models: list[ModelEntry] = field(default_factory=list)
    unusable: list[UnusableEntry] = field(default_factory=list)
    other_files: list[Path] = field(default_factory=list)  # not models: candidates for add-ons


class ModelRegistry:
    def __init__(self, models_dir: Path, allow_pickle: bool = False,
                 fallback: Callable[[], Path] | None = None):
        """`fallback` returns a folder of models to serve when models_dir has none (the demo)."""
        self.models_dir = Path(models_dir)
        self.allow_pickle = allow_pickle
        self._fallback = fallback
        self.entries: list[ModelEntry] = []
        self.unusable: list[UnusableEntry] = []
        self.other_files: list[Path] = []
        self.serving_fallback = False
        self._lock = threading.Lock()

    def scan(self) -> list[ModelEntry]:
        result = self._scan_folder(self.models_dir)
        serving_fallback = False
        if not result.models and self._fallback is not None:
            result.models = self._scan_folder(self._fallback()).models
            serving_fallback = True
        result.models.sort(key=lambda e: (e.is_demo, e.id.lower()))
        for item in result.unusable:
            log.warning("unusable: %s (%s): %s", item.id, item.path, item.reason)
        with self._lock:  # readers see the old lists or the new ones, never a mix
            self.entries, self.unusable, self.other_files = result.models, result.unusable, result.other_files
            self.serving_fallback = serving_fallback
        return list(result.models)

    @property
    def fallback_dir(self) -> Path | None:
        """The folder served because models_dir has no model (the demo), else None."""
        return self._fallback() if self.serving_fallback and self._fallback is not None else None

    def get(self, model_id: str) -> ModelEntry:
        with self._lock:
            entries, unusable = self.entries, self.unusable
        for entry in entries:
            if entry.id == model_id:
                return entry
        for item in unusable:
            if item.id == model_id:
                raise FailedPrecondition(f"model '{model_id}' cannot be used: {item.reason}")
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

    def _scan_folder(self, root: Path) -> ScanResult:
        result = ScanResult()
        if root.is_dir():
            _Walk(root, self.allow_pickle, result).folder(root, 0)
        else:
            log.info("models folder %s does not exist; no models installed", root)
        return result


class _Walk:
    """One pass over a models folder; every entry ends up in exactly one list of `result`."""

    def __init__(self, root: Path, allow_pickle: bool, result: ScanResult):
        self.root, self.allow_pickle, self.result = root, allow_pickle, result
        self._ids: set[str] = set()

    def folder(self, folder: Path, depth: int) -> None:
        try:
            children = sorted(folder.iterdir())
        except OSError as e:
            self._unusable(folder, f"cannot list this folder: {e.strerror or e}")
            return
        for child in children:
            if child.name.startswith(".") or child.name.endswith(".partial"):
                continue
            if depth == 0 and child.name.lower() in ADDON_FOLDERS and child.is_dir():
                continue  # LoRAs, embeddings, VAEs: models/addons.py lists them
            if depth == 0 and child.name.lower() in FACE_FOLDERS + UPSCALER_FOLDERS:  # finishing networks
                continue
            try:
                self._visit(child, depth)
            except Unusable as e:
                self._unusable(child, str(e))
            except Exception as e:  # noqa: BLE001 - a case nobody foresaw must not stop the daemon
                log.exception("scanning %s failed", child)
                self._unusable(child, f"could not be read ({type(e).__name__}: {e})")

    def _visit(self, child: Path, depth: int) -> None:
        if child.is_dir():
            if (child / "model_index.json").exists() or (child / "model_index.json").is_symlink():
                self._add(self._folder_entry(child))
            elif depth + 1 < MAX_DEPTH:
                self.folder(child, depth + 1)
            return
        suffix = child.suffix.lower()
        if suffix == ".safetensors":
            self._add(self._file_entry(child, read_safetensors(child)) or child)
        elif suffix in CHECKPOINT_PICKLES or (suffix in OTHER_PICKLES and self.allow_pickle):
            if not self.allow_pickle:
                raise Unusable("pickle checkpoints (.ckpt) can run code when loaded; convert it to "
                               ".safetensors or start the daemon with --allow-pickle")
            self._add(self._file_entry(child, read_pickle(child)) or child)
        elif suffix in OTHER_PICKLES:
            self.result.other_files.append(child)

    def _add(self, found: ModelEntry | Path) -> None:
        if isinstance(found, Path):
            log.info("%s is not a whole checkpoint (a LoRA, VAE or other add-on?)", found)
            self.result.other_files.append(found)
            return
        found.id = self._unique_id(found.path)
        self.result.models.append(found)

    def _unusable(self, path: Path, reason: str) -> None:
        self.result.unusable.append(UnusableEntry(self._unique_id(path), path, reason))

    def _unique_id(self, path: Path) -> str:
        """The file's stem; the path under the models folder when another has that stem."""
        model_id = path.name if path.is_dir() else path.stem
        if model_id in self._ids:
            model_id = path.relative_to(self.root).as_posix()
        self._ids.add(model_id)
        return model_id

    def _folder_entry(self, folder: Path) -> ModelEntry:
        info = identify_folder(folder)
        if info.weights == "pickle" and not self.allow_pickle:
            raise Unusable("its weights are pickle files (.bin); convert them to safetensors or use --allow-pickle")
        marker = info.marker
        name = ARCH_NAMES.get(info.architecture, info.architecture)
        return ModelEntry(
            id=folder.name,
            display_name=_text(marker.get("display_name")) or folder.name,
            architecture=info.architecture,
            native_width=info.native_width,
            native_height=info.native_height,
            kind="diffusers",
            is_demo=marker.get("demo") is True,
            path=folder,
            size_multiple=info.size_multiple,
            description=_text(marker.get("description")) or f"{name} (diffusers folder)",
        )

    def _file_entry(self, path: Path, index) -> ModelEntry | None:
        info = identify_single_file(index)
        if info is None:
            return None
        is_demo = index.metadata.get(demo.META_DEMO) == "true"
        kind = "pickle checkpoint, allowed by --allow-pickle" if path.suffix.lower() != ".safetensors" else "single file"
        details = ", ".join(x for x in (info.note, kind) if x)
        return ModelEntry(
            id=path.stem,
            display_name="Underpaint demo, single file (random weights)" if is_demo else path.stem,
            architecture=info.architecture,
            native_width=info.native_width,
            native_height=info.native_height,
            kind="single_file",
            is_demo=is_demo,
            path=path,
            size_multiple=8,
            description=index.metadata.get(demo.META_DESCRIPTION)
            or f"{ARCH_NAMES[info.architecture]} ({details})",
            prediction_type=info.prediction_type,
        )


def _text(value) -> str:
    return value if isinstance(value, str) else ""
