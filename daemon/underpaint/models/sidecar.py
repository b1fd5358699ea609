"""Per-model defaults written beside a model: `<name>.underpaint.json` next to a single file
(`mymodel.safetensors` -> `mymodel.underpaint.json`), `underpaint.json` inside a diffusers folder.

    {"sampler": "dpmpp_2m_karras", "guidance": 5.5, "steps": 30, "clip_skip": 2,
     "vae": "vae-ft-mse-840000", "no_mean_restore": false}

Every key is optional. A request field left at 0 / "" takes the model's default, else the
daemon's (jobs/request.py): request > sidecar > built-in. A bad value is logged and ignored, so a
typo in a sidecar never stops a model from being served; ListModels shows what is in force.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FOLDER_FILE = "underpaint.json"
FILE_SUFFIX = ".underpaint.json"
MAX_STEPS = 150
MAX_GUIDANCE = 30.0
MAX_CLIP_SKIP = 12


@dataclass(frozen=True)
class ModelDefaults:
    sampler: str = ""
    guidance: float = 0.0
    steps: int = 0
    clip_skip: int = 0
    vae: str = ""
    no_mean_restore: bool = False
    source: str = ""  # the sidecar file, "" when there is none

    def to_pb(self, pb):
        return pb.ModelDefaults(sampler=self.sampler, guidance=self.guidance, steps=self.steps,
                                clip_skip=self.clip_skip, vae=self.vae, no_mean_restore=self.no_mean_restore)


def sidecar_path(model) -> Path:
    path = Path(model.path)
    return path / FOLDER_FILE if path.is_dir() else path.with_name(path.stem + FILE_SUFFIX)


_memo: dict[tuple, ModelDefaults] = {}
_lock = threading.Lock()


def read_defaults(model, samplers=()) -> ModelDefaults:
    """The defaults for a registry ModelEntry; empty ones when it has no (readable) sidecar.
    `samplers`: the sampler ids the daemon offers (an unknown one is ignored, with a log line)."""
    path = sidecar_path(model)
    try:
        stat = path.stat()
    except OSError:
        return ModelDefaults()
    key = (str(path), stat.st_size, stat.st_mtime_ns, tuple(samplers))
    with _lock:
        if key in _memo:
            return _memo[key]
    defaults = _parse(path, set(samplers))
    with _lock:
        _memo[key] = defaults
    return defaults


def _parse(path: Path, samplers: set) -> ModelDefaults:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        log.warning("ignoring %s: not readable JSON (%s)", path, e)
        return ModelDefaults()
    if not isinstance(data, dict):
        log.warning("ignoring %s: expected a JSON object of defaults", path)
        return ModelDefaults()
    values = {}
    checks = {
        "sampler": lambda v: isinstance(v, str) and (not samplers or v in samplers),
        "guidance": lambda v: _number(v) and 1.0 <= v <= MAX_GUIDANCE,
        "steps": lambda v: _integer(v) and 1 <= v <= MAX_STEPS,
        "clip_skip": lambda v: _integer(v) and 0 <= v <= MAX_CLIP_SKIP,
        "vae": lambda v: isinstance(v, str),
        "no_mean_restore": lambda v: isinstance(v, bool),
    }
    for name, value in data.items():
        check = checks.get(name)
        if check is None:
            log.warning("%s: unknown key %r ignored (known: %s)", path, name, ", ".join(checks))
        elif not check(value):
            log.warning("%s: %s = %r is not valid and is ignored", path, name, value)
        else:
            values[name] = float(value) if name == "guidance" else value
    return ModelDefaults(**values, source=str(path))


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _integer(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
