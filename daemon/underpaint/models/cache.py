"""Loaded pipelines kept warm, least recently used first out, within a memory budget.

Only the worker thread loads, and it holds the lock for the whole load (so a model is never
loaded twice). Readers on the event loop must never wait for that: `loaded_ids()` reads a
snapshot that is replaced, not changed, under the lock.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from typing import Callable

import torch

from underpaint.devices import memory_info
from underpaint.models.loader import LoadedModel, load_model, weights_on_disk
from underpaint.models.registry import ModelEntry

log = logging.getLogger(__name__)


def default_budget(device: str) -> int:
    """How many bytes of models to keep loaded when no budget is given: most of a GPU's
    memory (what else would it hold?), half of the RAM on CPU/MPS (shared with everything)."""
    total, _free = memory_info(device)
    share = 0.75 if torch.device(device).type == "cuda" else 0.5
    return int(total * share)


class PipelineCache:
    def __init__(self, device: str, dtype: torch.dtype, budget_bytes: int | None = None,
                 allow_pickle: bool = False, loader=load_model):
        self.device = device
        self.dtype = dtype
        self.budget_bytes = default_budget(device) if budget_bytes is None else int(budget_bytes)
        self.allow_pickle = allow_pickle
        self._loader = loader
        self._loaded: OrderedDict[str, LoadedModel] = OrderedDict()  # oldest use first
        self._snapshot: tuple[str, ...] = ()  # ids in _loaded, for readers that must not wait
        self._lock = threading.RLock()

    def get(self, entry: ModelEntry, progress: Callable[[float, str], None] | None = None) -> LoadedModel:
        """The loaded model for `entry`, loading it (and evicting others) when needed.
        `progress(fraction, message)` hears about a load (never about a cache hit): 0.0 when it
        starts, fractions as components arrive, 1.0 when the model is ready."""
        with self._lock:
            model = self._loaded.get(entry.id)
            if model is not None and model.entry.path == entry.path:
                self._loaded.move_to_end(entry.id)
                self._publish()
                return model
            if model is not None:  # same id, different file (rescan): reload
                self._evict(entry.id)
            on_disk = weights_on_disk(entry)
            # Make room first so two big models are never resident together if avoidable.
            self._evict_until(self.budget_bytes - on_disk)
            notify = progress or (lambda fraction, message: None)
            label = f"loading model {entry.id} ({human_bytes(on_disk)})"
            log.info("%s from %s", label, entry.path)
            notify(0.0, label)
            model = self._loader(entry, self.device, self.dtype, allow_pickle=self.allow_pickle,
                                 progress=lambda fraction, what: notify(fraction, f"{label}: {what}"))
            self._loaded[entry.id] = model
            self._evict_until(self.budget_bytes, keep=entry.id)
            self._publish()
            notify(1.0, f"model {entry.id} loaded ({human_bytes(model.size_bytes)} in memory)")
            return model

    def loaded_ids(self) -> list[str]:
        """Ids of models in memory, least recently used first; never waits for a load."""
        return list(self._snapshot)

    def _publish(self) -> None:
        self._snapshot = tuple(self._loaded)

    def used_bytes(self) -> int:
        with self._lock:
            return sum(m.size_bytes for m in self._loaded.values())

    def unload(self, model_id: str) -> bool:
        with self._lock:
            if model_id not in self._loaded:
                return False
            self._evict(model_id)
            self._release_memory()
            return True

    def clear(self) -> None:
        with self._lock:
            for model_id in list(self._loaded):
                self._evict(model_id)
            self._release_memory()

    def _evict_until(self, limit: int, keep: str | None = None) -> None:
        evicted = False
        for model_id in list(self._loaded):  # oldest first
            if self.used_bytes() <= limit:
                break
            if model_id == keep:
                continue
            self._evict(model_id)
            evicted = True
        if evicted:
            self._release_memory()

    def _evict(self, model_id: str) -> None:
        model = self._loaded.pop(model_id)
        self._publish()
        log.info("unloading model %s (%.0f MB)", model_id, model.size_bytes / 2**20)

    def _release_memory(self) -> None:
        gc.collect()
        if torch.device(self.device).type == "cuda":
            torch.cuda.empty_cache()


def human_bytes(n: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"
