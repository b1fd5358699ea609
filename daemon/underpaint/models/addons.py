"""Add-ons in the models folder: LoRAs, textual-inversion embeddings, VAEs, ControlNets and
IP-Adapters.

They live in their own subfolders of the models folder (loras/, embeddings/, vae/, controlnet/,
ipadapter/; A1111's Lora/, VAE/ and ControlNet/ spellings work too) and are listed with the model family they fit. A file that
cannot be used is listed as unusable with the reason, never fatal. Classification reads only
headers and is remembered per file version, so a rescan of hundreds of files is cheap.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from underpaint.errors import InvalidArgument
from underpaint.models import addon_detect, control_detect
from underpaint.models.addon_detect import Unusable

log = logging.getLogger(__name__)

# Subfolder names (lower case) -> the add-on type they hold.
FOLDERS = {"loras": "lora", "lora": "lora", "embeddings": "embedding", "vae": "vae", "vaes": "vae",
           "controlnet": "controlnet", "controlnets": "controlnet", "ipadapter": "ipadapter",
           "ip-adapter": "ipadapter", "ip_adapter": "ipadapter"}
CANONICAL_FOLDERS = {"lora": "loras", "embedding": "embeddings", "vae": "vae", "controlnet": "controlnet",
                     "ipadapter": "ipadapter"}
TYPES = ("lora", "embedding", "vae", "controlnet", "ipadapter")
LABELS = {"lora": "LoRA", "embedding": "embedding", "vae": "VAE", "controlnet": "ControlNet",
          "ipadapter": "IP-Adapter"}
ARCH_NAMES = {"sd15": "SD 1.x", "sd2": "SD 2.x", "sdxl": "SDXL"}
# Model family -> add-on families that work on it. SD 2.x shares SD 1.x's VAE.
_VAE_FITS = {"sd15": ("sd15",), "sd2": ("sd15", "sd2"), "sdxl": ("sdxl",)}
_SUFFIXES = {"lora": (".safetensors", ".pt", ".ckpt", ".bin"),
             "embedding": (".safetensors", ".pt", ".bin"),
             "vae": (".safetensors", ".pt", ".ckpt", ".bin", ".pth"),
             "controlnet": (".safetensors", ".pth", ".ckpt", ".bin"),
             "ipadapter": (".safetensors", ".bin")}
MAX_DEPTH = 3


@dataclass
class AddOnEntry:
    id: str                   # the name used in requests and prompts: the file name without extension
    type: str                 # "lora", "embedding", "vae", "controlnet", "ipadapter"
    architecture: str         # "sd15", "sd2", "sdxl"; "" = fits any SD family (some VAEs)
    path: Path
    format: str = ""
    is_demo: bool = False
    vectors: int = 0          # embeddings: vectors per token
    widths: dict = field(default_factory=dict)  # embeddings: encoder family -> (vectors, width)
    source_model: str = ""    # embeddings: the checkpoint the file says it was trained on
    description: str = ""
    control_type: str = ""    # ControlNets: "canny", "depth", ...; "" = the file does not say

    @property
    def display_name(self) -> str:
        return self.id + (" (random weights)" if self.is_demo else "")

    def fits(self, model) -> bool:
        return not self.why_not_for(model)

    def why_not_for(self, model) -> str:
        """"" when this add-on can be used with `model` (a registry ModelEntry), else why not."""
        kind = LABELS[self.type]
        if self.is_demo != bool(model.is_demo):
            made = "the random-weights demo model" if self.is_demo else "real models"
            return f"{kind} '{self.id}' is made for {made}; model '{model.id}' is {'a demo' if model.is_demo else 'not a demo'}"
        if self.type == "embedding" or not self.architecture:
            return ""  # embeddings are mapped across encoders where needed (models/encoders.py)
        fits = _VAE_FITS.get(model.architecture, (model.architecture,)) if self.type == "vae" else (model.architecture,)
        if self.architecture in fits:
            return ""
        return (f"{kind} '{self.id}' is made for {ARCH_NAMES.get(self.architecture, self.architecture)}; "
                f"model '{model.id}' is {ARCH_NAMES.get(model.architecture, model.architecture)}")


@dataclass
class UnusableAddOn:
    id: str
    type: str
    path: Path
    reason: str


class AddOnIndex:
    def __init__(self, models_dir: Path, allow_pickle: bool = False, fallback_dir=None):
        """`fallback_dir` returns the folder of the model served when models_dir has none (the
        demo, with its own LoRA, embedding, VAE, ControlNet...), or None: its add-ons are listed
        too, so a first run's pickers are not empty."""
        self.models_dir = Path(models_dir)
        self.allow_pickle = allow_pickle
        self._fallback_dir = fallback_dir or (lambda: None)
        self.entries: list[AddOnEntry] = []
        self.unusable: list[UnusableAddOn] = []
        self._memo: dict[tuple, AddOnEntry | UnusableAddOn] = {}  # (path, size, mtime) -> result
        self._lock = threading.Lock()

    def scan(self) -> list[AddOnEntry]:
        found, unusable, memo = [], [], {}
        for folder, kind in self._folders():
            for path in self._files(folder, kind, 0):
                result = self._classify(path, kind, memo)
                (found if isinstance(result, AddOnEntry) else unusable).append(result)
        found = _unique_ids(found)
        found.sort(key=lambda e: (TYPES.index(e.type), e.id.lower()))
        with self._lock:
            self.entries, self.unusable, self._memo = found, unusable, memo
        return list(found)

    def snapshot(self) -> tuple[list[AddOnEntry], list[UnusableAddOn]]:
        with self._lock:
            return list(self.entries), list(self.unusable)

    def of_type(self, kind: str) -> list[AddOnEntry]:
        with self._lock:
            return [e for e in self.entries if e.type == kind]

    def find(self, kind: str, name: str) -> AddOnEntry | None:
        """Exact id first, then a case-insensitive match (A1111 users type names as they remember them)."""
        entries = self.of_type(kind)
        for entry in entries:
            if entry.id == name:
                return entry
        folded = [e for e in entries if e.id.lower() == name.lower()]
        return folded[0] if len(folded) == 1 else None

    def get(self, kind: str, name: str, field_name: str, model) -> AddOnEntry:
        """The add-on `name` for `model`, or InvalidArgument naming the field, the name and what
        is installed for this model. Rescans once when the name is unknown (a file just added)."""
        entry = self.find(kind, name)
        if entry is None:
            self.scan()
            entry = self.find(kind, name)
        label = LABELS[kind]
        if entry is None:
            why = next((u.reason for u in self.unusable if u.type == kind and u.id.lower() == name.lower()), "")
            if why:
                raise InvalidArgument(field_name, f"{label} '{name}' cannot be used: {why}")
            fitting = [e.id for e in self.of_type(kind) if e.fits(model)]
            raise InvalidArgument(field_name, f"no {label} named '{name}' is installed; installed for model "
                                  f"'{model.id}': {', '.join(fitting) or 'none'} (in {self.folder_hint(kind)})")
        why_not = entry.why_not_for(model)
        if why_not:
            raise InvalidArgument(field_name, why_not)
        return entry

    def folder_hint(self, kind: str) -> str:
        return str(self.models_dir / CANONICAL_FOLDERS[kind])

    # --- scanning ---------------------------------------------------------------------------------

    def _folders(self):
        folders = []
        for root in (self.models_dir, self._fallback_dir()):
            if root is None:
                continue
            try:
                children = sorted(Path(root).iterdir())
            except OSError:
                continue
            folders += [(c, FOLDERS[c.name.lower()]) for c in children if c.is_dir() and c.name.lower() in FOLDERS]
        return folders

    def _files(self, folder: Path, kind: str, depth: int):
        try:
            children = sorted(folder.iterdir())
        except OSError as e:
            log.warning("cannot read %s: %s", folder, e)
            return
        for child in children:
            if child.name.startswith(".") or child.name.endswith(".partial"):
                continue
            if child.is_dir():
                if kind == "ipadapter" and (child / "config.json").is_file():
                    continue  # an image encoder IP-Adapters read, not an add-on of its own
                if kind in ("vae", "controlnet") and (child / "config.json").is_file():
                    yield child  # a diffusers VAE or ControlNet folder
                elif depth + 1 < MAX_DEPTH:
                    yield from self._files(child, kind, depth + 1)
            elif child.suffix.lower() in _SUFFIXES[kind]:
                yield child

    def _classify(self, path: Path, kind: str, memo: dict):
        try:
            stat = (path / "config.json").stat() if path.is_dir() else path.stat()
        except OSError as e:
            return UnusableAddOn(path.stem, kind, path, f"cannot be read: {e}")
        key = (str(path), kind, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._memo.get(key)
        if known is None:
            known = self._detect(path, kind)
        memo[key] = known
        return known

    def _detect(self, path: Path, kind: str):
        name = path.name if path.is_dir() else path.stem
        try:
            if kind == "lora":
                found = addon_detect.detect_lora(path)
            elif kind == "embedding":
                found = addon_detect.detect_embedding(path)
            elif kind == "controlnet":
                found = control_detect.detect_controlnet(path, self.allow_pickle)
            elif kind == "ipadapter":
                found = control_detect.detect_ipadapter(path)
            else:
                found = addon_detect.detect_vae(path, self.allow_pickle)
        except Unusable as e:
            log.warning("%s %s cannot be used: %s", kind, path, e)
            return UnusableAddOn(name, kind, path, str(e))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            log.warning("%s %s cannot be read: %s", kind, path, e)
            return UnusableAddOn(name, kind, path, f"cannot be read ({type(e).__name__}: {e})")
        return AddOnEntry(id=name, type=kind, architecture=found.architecture, path=path, format=found.format,
                          is_demo=found.is_demo, vectors=found.vectors, widths=found.widths,
                          source_model=found.source_model, description=found.description or _describe(kind, found),
                          control_type=found.control_type)


def _describe(kind: str, found) -> str:
    family = ARCH_NAMES.get(found.architecture, "any SD model")
    if kind == "embedding":
        return f"embedding for {family}, {found.vectors} vector{'s' if found.vectors != 1 else ''}"
    if kind == "lora":
        return f"LoRA for {family} ({found.format} format)"
    if kind == "controlnet":
        return f"{found.control_type or 'ControlNet'} ControlNet for {family}"
    if kind == "ipadapter":
        return f"IP-Adapter for {family} (reference images)"
    return f"VAE for {family}"


def _unique_ids(entries: list[AddOnEntry]) -> list[AddOnEntry]:
    """Two files with the same name in different subfolders: the later ones are named by their
    path under the type folder (e.g. "styles/ink"), so every id is unambiguous."""
    seen: dict[tuple, int] = {}
    for entry in entries:
        key = (entry.type, entry.id.lower())
        if key in seen:
            parts = entry.path.parts
            anchor = next(i for i in range(len(parts) - 1, -1, -1) if parts[i].lower() in FOLDERS)
            relative = Path(*parts[anchor + 1:])
            entry.id = (relative if entry.path.is_dir() else relative.with_suffix("")).as_posix()
        seen[(entry.type, entry.id.lower())] = 1
    return entries


@dataclass
class LoraUse:
    entry: AddOnEntry
    weight: float
    field: str                # where it was asked for: "loras[0]", or "prompt" for a <lora:...> tag


@dataclass
class AddonPlan:
    """What a job asked for, checked at submit: the worker puts it on the model (pipelines/addons.py)."""
    loras: list[LoraUse] = field(default_factory=list)
    embeddings: list = field(default_factory=list)  # models.encoders.EmbeddingPlan, one per name used
    vae: AddOnEntry | None = None
    allow_pickle: bool = False

    @property
    def empty(self) -> bool:
        return not (self.loras or self.embeddings or self.vae)


def add_addons_to(response, index: AddOnIndex) -> None:
    """Fills ListModelsResponse.add_ons and .unusable from the index."""
    from underpaint.v1 import underpaint_pb2 as pb

    entries, unusable = index.snapshot()
    response.add_ons.extend(
        pb.AddOn(id=e.id, type=e.type, architecture=e.architecture, path=str(e.path), display_name=e.display_name,
                 description=e.description, is_demo=e.is_demo, vectors=e.vectors, control_type=e.control_type)
        for e in entries)
    response.unusable.extend(
        pb.UnusableFile(id=u.id, path=str(u.path), reason=f"{u.type}: {u.reason}") for u in unusable)
