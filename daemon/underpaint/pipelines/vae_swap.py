"""A VAE from models/vae/ for one job, then the model's own again.

Single-file VAEs (the original layout, with or without the "first_stage_model." prefix, or
diffusers' layout) carry no config: they are built with the config of the model's own VAE,
which describes the same network for every SD family. Diffusers VAE folders bring their own.
Loaded VAEs are kept for the next job (a couple of them: they are ~80 M parameters).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import torch

from underpaint.errors import FailedPrecondition

_PIPES = ("txt2img", "img2img", "inpaint")
MAX_CACHED = 2

_cache: OrderedDict[tuple, torch.nn.Module] = OrderedDict()
_lock = threading.Lock()


@contextlib.contextmanager
def use_vae(model, entry, allow_pickle: bool = False, on_activity=None):
    """Within the block every pipeline of `model` (a LoadedModel) decodes with `entry`'s VAE."""
    if entry is None:
        yield
        return
    vae = load_vae(model, entry, allow_pickle, on_activity)
    pipes = [getattr(model, name) for name in _PIPES if getattr(model, name, None) is not None]
    originals = [p.vae for p in pipes]
    try:
        for pipe in pipes:
            pipe.vae = vae
        yield
    finally:
        for pipe, original in zip(pipes, originals):
            pipe.vae = original


def load_vae(model, entry, allow_pickle: bool = False, on_activity=None) -> torch.nn.Module:
    own = model.txt2img.vae
    path = Path(entry.path)
    stat = (path / "config.json").stat() if path.is_dir() else path.stat()
    config = json.dumps(dict(own.config), sort_keys=True, default=str)
    key = (str(path), stat.st_size, stat.st_mtime_ns, str(own.device), str(own.dtype), config)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    if on_activity:
        on_activity("loading_vae", f"loading VAE '{entry.id}'", entry.id)
    try:
        vae = _read(entry, path, own, allow_pickle)
    except FailedPrecondition:
        raise
    except Exception as e:  # noqa: BLE001 - a file that does not fit: say which, keep serving
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        raise FailedPrecondition(f"VAE '{entry.id}' could not be loaded for model '{model.entry.id}': {reason}") from e
    vae = vae.to(device=own.device).eval()
    if vae.dtype != own.dtype:
        vae = vae.to(dtype=own.dtype)
    with _lock:
        _cache[key] = vae
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
    return vae


def _read(entry, path: Path, own, allow_pickle: bool):
    from diffusers import AutoencoderKL

    from underpaint.models.single_file import offline

    if path.is_dir():
        with offline():
            return AutoencoderKL.from_pretrained(str(path), local_files_only=True, use_safetensors=True,
                                                 torch_dtype=own.dtype)
    if path.suffix.lower() != ".safetensors" and not allow_pickle:
        raise FailedPrecondition(f"VAE '{entry.id}' is a pickle file; convert it to .safetensors or use --allow-pickle")
    if entry.format == "diffusers":
        from safetensors.torch import load_file

        state = {k.removeprefix("vae."): v for k, v in load_file(str(path)).items()}
        vae = AutoencoderKL.from_config(own.config)
        vae.load_state_dict(state, strict=True)
        return vae.to(dtype=own.dtype)
    with tempfile.TemporaryDirectory(prefix="underpaint-vae-") as tmp, offline():
        (Path(tmp) / "config.json").write_text(json.dumps(dict(own.config), default=str))
        return AutoencoderKL.from_single_file(str(path), config=tmp, local_files_only=True, torch_dtype=own.dtype)
