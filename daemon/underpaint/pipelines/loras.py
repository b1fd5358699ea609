"""LoRAs on a loaded model through diffusers' peft backend (kohya and diffusers layouts).

Adapters stay loaded on the model between jobs (loading is the slow part; switching weights
with set_adapters is milliseconds) and are switched off after every job: peft's disabled LoRA
layers call the original layer alone, so a job without LoRAs gives the pixels of a model that
never saw one, bit for bit. At most MAX_ADAPTERS stay loaded per model; the least recently used
is deleted beyond that.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from underpaint.errors import FailedPrecondition

log = logging.getLogger(__name__)

MAX_ADAPTERS = 8


@dataclass
class LoraState:
    """Adapters loaded on one model: file version -> adapter name, least recently used first."""
    adapters: OrderedDict = field(default_factory=OrderedDict)
    counter: int = 0
    enabled: bool = False
    loads: int = 0  # adapters loaded from disk so far (the cache's misses)


def activate(model, state: LoraState, uses: list, on_activity=None) -> None:
    """Loads (or reuses) each (AddOnEntry, weight) and makes exactly these active with their weights."""
    pipe = model.txt2img
    names, weights = [], []
    for entry, weight in uses:
        if weight == 0:
            continue  # no effect: skip the work (and stay bit-exact)
        names.append(_adapter(model, state, entry, on_activity))
        weights.append(float(weight))
    if not names:
        deactivate(model, state)
        return
    with _quiet():
        pipe.enable_lora()
        pipe.set_adapters(names, adapter_weights=weights)
    state.enabled = True


def deactivate(model, state: LoraState) -> None:
    if state.adapters and state.enabled:
        with _quiet():
            model.txt2img.disable_lora()
    state.enabled = False


def _adapter(model, state: LoraState, entry, on_activity) -> str:
    path = Path(entry.path)
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in state.adapters:
        state.adapters.move_to_end(key)
        return state.adapters[key]
    for old in [k for k in state.adapters if k[0] == key[0]]:  # the file changed: drop the old version
        _delete(model, state, old)
    state.counter += 1
    name = f"lora{state.counter}"
    if on_activity:
        on_activity("loading_lora", f"loading LoRA '{entry.id}' ({stat.st_size / 2**20:.0f} MB)", entry.id)
    pipe = model.txt2img
    try:
        with _quiet():
            pipe.load_lora_weights(str(path), adapter_name=name)
    except Exception as e:  # noqa: BLE001 - a file that does not fit: say which, keep the model clean
        _forget(pipe, name)
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        raise FailedPrecondition(f"LoRA '{entry.id}' could not be applied to model '{model.entry.id}': {reason}") from e
    attached = [c for c, adapters in pipe.get_list_adapters().items() if name in adapters]
    if not attached:
        _forget(pipe, name)
        raise FailedPrecondition(f"LoRA '{entry.id}' has no layer that matches model '{model.entry.id}'")
    state.adapters[key] = name
    state.loads += 1
    log.info("LoRA %s loaded on model %s as %s (%s)", entry.id, model.entry.id, name, ", ".join(attached))
    while len(state.adapters) > MAX_ADAPTERS:
        _delete(model, state, next(iter(state.adapters)))
    return name


def _delete(model, state: LoraState, key) -> None:
    name = state.adapters.pop(key)
    _forget(model.txt2img, name)


def _forget(pipe, name: str) -> None:
    with contextlib.suppress(Exception), _quiet():
        pipe.delete_adapters([name])


@contextlib.contextmanager
def _quiet():
    """diffusers, peft and transformers report every partial match at warning level (a LoRA
    without text-encoder layers, other adapters' keys as "missing"): noise in a daemon's log."""
    import diffusers.utils.logging as dlog
    import transformers.utils.logging as tlog

    d, t = dlog.get_verbosity(), tlog.get_verbosity()
    dlog.set_verbosity_error()
    tlog.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            yield
    finally:
        dlog.set_verbosity(d)
        tlog.set_verbosity(t)
