"""Text encoders of installed models, read from disk without loading the models, and the plan
for putting an embedding onto a model's encoders.

Families: SD 1.x reads CLIP ViT-L ("clip_l", 768 wide), SD 2.x OpenCLIP ViT-H ("clip_h", 1024),
SDXL both CLIP-L and OpenCLIP bigG ("clip_g", 1280). All share CLIP's 49,408-token vocabulary,
which is what lets an embedding made for one encoder be mapped onto another
(pipelines/embedding_map.py). The token table of the encoder an embedding was made for must
come from a model installed here: the target itself when it has that encoder (SDXL's CLIP-L),
else the model the embedding names, else one of the embedding's family.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from underpaint.errors import InvalidArgument
from underpaint.models.addon_detect import read_header

# Model architecture -> its encoder slots: (slot, family). Slot "te" is text_encoder/tokenizer,
# "te2" is text_encoder_2/tokenizer_2.
SLOTS = {"sd15": (("te", "clip_l"),), "sd2": (("te", "clip_h"),), "sdxl": (("te", "clip_l"), ("te2", "clip_g"))}
FAMILY_NAMES = {"clip_l": "CLIP-L", "clip_h": "OpenCLIP-H", "clip_g": "OpenCLIP-bigG"}
# When the embedding lacks the target's family, map from the closest one it has.
_MAP_PREFERENCE = {"clip_l": ("clip_l", "clip_g", "clip_h"), "clip_h": ("clip_h", "clip_g", "clip_l"),
                   "clip_g": ("clip_g", "clip_h", "clip_l")}
_SINGLE_FILE_PREFIXES = {"te": ("cond_stage_model.", "conditioner.embedders.0."), "te2": ("conditioner.embedders.1.",)}
_TOKEN_TABLE = "token_embedding.weight"


@dataclass(frozen=True)
class EncoderTable:
    """Where one encoder's token table lies on disk."""
    model_id: str
    slot: str
    family: str
    file: str
    key: str
    rows: int
    width: int


@dataclass
class SlotPlan:
    slot: str                 # the target's encoder slot
    family: str               # the target encoder's family
    width: int
    use_family: str           # which of the embedding's vector sets goes in
    source: EncoderTable | None = None  # map from this token table (None: use the vectors as they are)
    target: EncoderTable | None = None
    drift_only: bool = False  # same family: map only if the two tables differ


@dataclass
class EmbeddingPlan:
    entry: object             # AddOnEntry
    slots: list[SlotPlan]


_tables_memo: dict[tuple, dict] = {}
_memo_lock = threading.Lock()


def encoder_tables(model) -> dict[str, EncoderTable]:
    """{slot: EncoderTable} for a registry ModelEntry, from file headers; {} when unreadable."""
    path = Path(model.path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    key = (str(path), stamp, model.architecture)
    with _memo_lock:
        if key in _tables_memo:
            return _tables_memo[key]
    try:
        tables = _folder_tables(model, path) if path.is_dir() else _file_tables(model, path)
    except Exception:  # noqa: BLE001 - an unreadable model just offers no table
        tables = {}
    with _memo_lock:
        _tables_memo[key] = tables
    return tables


def _folder_tables(model, path: Path) -> dict:
    tables = {}
    for slot, family in SLOTS.get(model.architecture, ()):
        folder = path / ("text_encoder" if slot == "te" else "text_encoder_2")
        for weights in sorted(folder.glob("*.safetensors")):
            shapes, _ = read_header(weights)
            name = next((k for k in shapes if k.endswith(_TOKEN_TABLE)), None)
            if name:
                rows, width = shapes[name]
                tables[slot] = EncoderTable(model.id, slot, family, str(weights), name, rows, width)
                break
    return tables


def _file_tables(model, path: Path) -> dict:
    if path.suffix.lower() != ".safetensors":
        return {}  # pickled checkpoints: not opened just to read a table
    shapes, _ = read_header(path)
    tables = {}
    for slot, family in SLOTS.get(model.architecture, ()):
        name = next((k for k in shapes if k.endswith(_TOKEN_TABLE) and k.startswith(_SINGLE_FILE_PREFIXES[slot])), None)
        if name:
            rows, width = shapes[name]
            tables[slot] = EncoderTable(model.id, slot, family, str(path), name, rows, width)
    return tables


def read_table(table: EncoderTable):
    """The token table as a float32 tensor (one tensor read from the file, not the model)."""
    from safetensors import safe_open

    with safe_open(table.file, framework="pt", device="cpu") as f:
        return f.get_tensor(table.key).float()


def plan_embedding(entry, model, models: list, field: str = "prompt", where: str = "") -> EmbeddingPlan:
    """How `entry` (an embedding AddOnEntry) goes onto `model`'s encoders, or InvalidArgument
    naming `field` and `where` (e.g. "'easyneg' at position 12") when it cannot."""
    where = where or f"'{entry.id}'"
    targets = encoder_tables(model)
    slots = []
    for slot, family in SLOTS.get(model.architecture, ()):
        target = targets.get(slot)
        have = entry.widths.get(family)
        if target is None:  # a table the header cannot show (pickled checkpoint): same family only
            if not have:
                raise InvalidArgument(field, f"{where}: embedding '{entry.id}' has no {FAMILY_NAMES[family]} "
                                      f"vectors, and model '{model.id}' is a file whose text encoder cannot be "
                                      "read to map them (convert it to .safetensors)")
            slots.append(SlotPlan(slot, family, have[1], family))
            continue
        if have and have[1] == target.width:
            named = _named_source(entry, models, model, family, target.width)
            slots.append(SlotPlan(slot, family, target.width, family, source=named, target=target,
                                  drift_only=named is not None))
            continue
        plan = _mapping_source(entry, model, models, family, targets)
        if plan is None:
            raise InvalidArgument(field, _no_source_message(entry, model, family, where))
        use_family, source = plan
        slots.append(SlotPlan(slot, family, target.width, use_family, source=source, target=target))
    return EmbeddingPlan(entry, slots)


def _candidates(entry, models: list, model) -> list:
    """Models whose tables may serve as the source, best first: the target, the model the
    embedding names, models of the embedding's family, then the rest; demo with demo only."""
    pool = [m for m in models if bool(m.is_demo) == bool(entry.is_demo)]
    named = [m for m in pool if entry.source_model and m.id.lower() == Path(entry.source_model).stem.lower()]
    same = [m for m in pool if m.architecture == entry.architecture]
    ordered = [model] + named + same + pool
    seen, out = set(), []
    for m in ordered:
        if m.id not in seen:
            seen.add(m.id)
            out.append(m)
    return out


def _named_source(entry, models, model, family, width) -> EncoderTable | None:
    """Same family and width: map only from the checkpoint the embedding was trained on, when it
    is installed and is not the target (a fine-tune whose token table drifted)."""
    if not entry.source_model:
        return None
    stem = Path(entry.source_model).stem.lower()
    for m in models:
        if m.id.lower() == stem and m.id != model.id:
            table = next((t for t in encoder_tables(m).values() if t.family == family and t.width == width), None)
            if table:
                return table
    return None


def _mapping_source(entry, model, models, family, targets) -> tuple[str, EncoderTable] | None:
    for use_family in _MAP_PREFERENCE[family]:
        have = entry.widths.get(use_family)
        if not have:
            continue
        for candidate in _candidates(entry, models, model):
            tables = targets if candidate is model else encoder_tables(candidate)
            table = next((t for t in tables.values() if t.family == use_family and t.width == have[1]), None)
            if table:
                return use_family, table
    return None


def _no_source_message(entry, model, family, where) -> str:
    arch = {"sd15": "SD 1.x", "sd2": "SD 2.x", "sdxl": "SDXL"}
    made = arch.get(entry.architecture, entry.architecture)
    what = ", ".join(f"{FAMILY_NAMES.get(f, f)} {w}-wide" for f, (_, w) in entry.widths.items())
    return (f"{where}: embedding '{entry.id}' was made for {made} ({what}); model "
            f"'{model.id}' reads {FAMILY_NAMES[family]}. Mapping it needs the token table of a {made} model, "
            f"and none is installed in the models folder: install one (any {made} checkpoint) or use a "
            f"{made} model")

