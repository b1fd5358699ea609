"""Textual-inversion embeddings on a loaded model: read the file, map the vectors across encoders
where the plan says so, and add them as tokens to the model's tokenizer(s) and text encoder(s).

Added tokens stay for the model's life (a later prompt that uses the name again costs nothing);
they never change how other text encodes, since only the embedding's own distinctive token
strings (models/embedding_names.py) look them up. Each model gets an embedding on its first use,
so embeddings keep working after the user switches checkpoints.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import torch

from underpaint.errors import FailedPrecondition
from underpaint.models.addon_detect import embedding_tensors, load_pickled_embedding
from underpaint.models.embedding_names import slug, token_strings
from underpaint.models.encoders import FAMILY_NAMES, EmbeddingPlan, read_table
from underpaint.pipelines.embedding_map import LinearMap, fit_linear_map

log = logging.getLogger(__name__)

_COMPONENTS = {"te": ("tokenizer", "text_encoder"), "te2": ("tokenizer_2", "text_encoder_2")}
_ARCH = {"sd15": "SD 1.x", "sd2": "SD 2.x", "sdxl": "SDXL"}


@dataclass
class _Installed:
    key: tuple
    tokens: list[str]
    note: str = ""


@dataclass
class EmbeddingState:
    """What one loaded model holds: embedding name -> its tokens (and the mapping note)."""
    installed: dict[str, _Installed] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)  # token slug -> embedding name


def read_vectors(entry) -> dict[str, torch.Tensor]:
    """{encoder family: (vectors, width) float32} from any supported embedding file."""
    path = Path(entry.path)
    if path.suffix.lower() == ".safetensors":
        from safetensors.torch import load_file

        data = load_file(str(path))
    else:
        data = load_pickled_embedding(path)
    tensors = embedding_tensors(data)
    if "clip_l" in tensors and "clip_g" in tensors:
        found = {"clip_l": tensors["clip_l"], "clip_g": tensors["clip_g"]}
    elif len(tensors) == 1 and len(entry.widths) == 1:
        found = {next(iter(entry.widths)): next(iter(tensors.values()))}
    else:
        raise FailedPrecondition(f"embedding '{entry.id}' changed on disk and is no longer readable; rescan models")
    return {k: (v.unsqueeze(0) if v.ndim == 1 else v).float() for k, v in found.items()}


def install(model, state: EmbeddingState, plan: EmbeddingPlan, on_activity=None) -> _Installed:
    """Puts the planned embedding on `model` (a LoadedModel) unless it already holds this version."""
    entry = plan.entry
    stat = Path(entry.path).stat()
    key = (str(entry.path), stat.st_size, stat.st_mtime_ns,
           tuple((s.slot, s.use_family, s.source.file if s.source else "") for s in plan.slots))
    known = state.installed.get(entry.id)
    if known is not None and known.key == key:
        return known
    vectors = read_vectors(entry)
    per_slot, notes = {}, []
    for slot in plan.slots:
        v = vectors[slot.use_family]
        if slot.source is not None:
            mapped, note = _mapped(entry, slot, v, on_activity)
            v = mapped
            if note:
                notes.append(note)
        width = getattr(model.txt2img, _COMPONENTS[slot.slot][1]).get_input_embeddings().weight.shape[1]
        if v.shape[1] != width:
            raise FailedPrecondition(f"embedding '{entry.id}' has {v.shape[1]}-wide vectors; model "
                                     f"'{model.entry.id}' needs {width}")
        per_slot[slot.slot] = v
    counts = {v.shape[0] for v in per_slot.values()}
    if len(counts) != 1:
        raise FailedPrecondition(f"embedding '{entry.id}' has different vector counts per text encoder ({sorted(counts)})")
    tokens = token_strings(_slug_for(state, entry.id), counts.pop())
    pipe = model.txt2img
    for slot_name, v in per_slot.items():
        tokenizer_name, encoder_name = _COMPONENTS[slot_name]
        _add_tokens(getattr(pipe, tokenizer_name), getattr(pipe, encoder_name), tokens, v)
    installed = _Installed(key, tokens, "; ".join(notes))
    state.installed[entry.id] = installed
    log.info("embedding %s on model %s as %d token(s)%s", entry.id, model.entry.id, len(tokens),
             f" ({installed.note})" if installed.note else "")
    return installed


def _slug_for(state: EmbeddingState, name: str) -> str:
    base = slug(name)
    candidate, n = base, 1
    while state.slugs.get(candidate, name) != name:  # two names that slug alike get distinct tokens
        n += 1
        candidate = f"{base}{n}"
    state.slugs[candidate] = name
    return candidate


def _add_tokens(tokenizer, encoder, tokens: list[str], vectors: torch.Tensor) -> None:
    missing = [t for t in tokens if t not in tokenizer.added_tokens_encoder]
    if missing:
        tokenizer.add_tokens(missing)
    ids = tokenizer.convert_tokens_to_ids(tokens)
    table = encoder.get_input_embeddings()
    if table.num_embeddings < len(tokenizer):
        encoder.resize_token_embeddings(len(tokenizer), mean_resizing=False)
        table = encoder.get_input_embeddings()
    with torch.no_grad():
        table.weight[ids] = vectors.to(table.weight.dtype).to(table.weight.device)
    # Old CLIP configs (eos_token_id 2) find the end of text as the largest token id, which an
    # added token would now be; point them at the real end-of-text id (same result without them).
    for module in encoder.modules():
        if getattr(module, "eos_token_id", None) == 2 and tokenizer.eos_token_id is not None:
            module.eos_token_id = tokenizer.eos_token_id


# --- mapping across encoders --------------------------------------------------------------------

_fits: OrderedDict[tuple, LinearMap] = OrderedDict()
_fits_lock = threading.Lock()
_MAX_FITS = 8


def _mapped(entry, slot, vectors: torch.Tensor, on_activity) -> tuple[torch.Tensor, str]:
    source, target = slot.source, slot.target
    key = (source.file, source.key, target.file, target.key, _mtime(source.file), _mtime(target.file))
    with _fits_lock:
        fit = _fits.get(key)
    if fit is None:
        if on_activity:
            on_activity("embedding", f"fitting a map from {source.model_id}'s {FAMILY_NAMES[source.family]} to "
                        f"{target.model_id}'s {FAMILY_NAMES[target.family]} token table for embedding "
                        f"'{entry.id}'", entry.id)
        s, t = read_table(source), read_table(target)
        rows = min(s.shape[0], t.shape[0])
        if slot.drift_only and s.shape[1] == t.shape[1] and torch.equal(s[:rows], t[:rows]):
            return vectors, ""  # the model kept the table the embedding was trained with
        fit = fit_linear_map(s, t)
        with _fits_lock:
            _fits[key] = fit
            while len(_fits) > _MAX_FITS:
                _fits.popitem(last=False)
    note = (f"embedding '{entry.id}' ({_ARCH.get(entry.architecture, entry.architecture)}) mapped onto "
            f"{target.model_id}'s {FAMILY_NAMES[target.family]} encoder by a least-squares fit to "
            f"{source.model_id}'s {FAMILY_NAMES[source.family]} token table over {fit.rows:,} shared "
            f"tokens: fit residual {fit.residual:.3g} ({fit.quality})")
    return fit.apply(vectors), note


def _mtime(path: str) -> int:
    try:
        return Path(path).stat().st_mtime_ns
    except OSError:
        return 0
