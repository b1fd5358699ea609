"""Turn a registry entry into ready pipelines (txt2img, img2img, inpaint) sharing one set of
weights, without touching the network."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import torch

from underpaint.errors import FailedPrecondition, JobCancelled, ResourceExhausted, ServiceError
from underpaint.models.component_loading import Progress, load_folder_components
from underpaint.models.registry import ModelEntry
from underpaint.models.single_file import PICKLE_SUFFIXES, load_single_file, offline

log = logging.getLogger(__name__)

LOADING_SHARE = 0.9  # of a load's progress: reading components; the rest is the model hash


@dataclass
class LoadedModel:
    entry: ModelEntry
    txt2img: object  # diffusers pipelines; the three share unet, vae, text encoders
    img2img: object
    inpaint: object
    model_hash: str  # short sha256 (A1111's "Model hash"): the file, or the folder's unet weights
    size_bytes: int  # parameters + buffers of all components, as loaded
    device: str
    dtype: torch.dtype
    base_scheduler_config: dict = field(default_factory=dict)  # the model's own, before any job
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # one job at a time
    addons: object = field(default=None, repr=False)  # pipelines.addons.AddonState, made on first use

    @property
    def architecture(self) -> str:
        return self.entry.architecture


def load_model(entry: ModelEntry, device: str, dtype: torch.dtype, allow_pickle: bool = False,
               progress: Progress | None = None) -> LoadedModel:
    """Load `entry` onto `device`. `progress(fraction, what)` is called as the work advances
    (fraction of the weights loaded; 1.0 once it is ready); an exception it raises (a cancel)
    stops the load between two components."""
    from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting

    report = progress or (lambda fraction, what: None)
    _quiet_progress_bars()

    def loaded_part(fraction: float, component: str) -> None:  # components: 0..90 % of the work
        report(LOADING_SHARE * fraction, f"{component} loaded")

    try:
        if entry.kind == "single_file":
            txt2img = load_single_file(entry.path, entry.architecture, dtype, allow_pickle=allow_pickle,
                                       prediction_type=entry.prediction_type, progress=loaded_part)
        else:
            txt2img = _load_folder(entry.path, dtype, allow_pickle, loaded_part)
        txt2img.to(device)
    except (ServiceError, JobCancelled):
        raise
    except torch.OutOfMemoryError as e:
        raise ResourceExhausted(f"not enough memory to load model '{entry.id}' on {device}") from e
    except Exception as e:  # a broken or unexpected file: say which model and why, keep serving
        log.exception("loading model %s failed", entry.id)
        reason = (str(e).strip().splitlines() or [""])[0]  # diffusers appends long advice; keep the gist
        raise FailedPrecondition(f"model '{entry.id}' could not be loaded: {type(e).__name__}: {reason}") from e
    txt2img.set_progress_bar_config(disable=True)
    sample_size = txt2img.unet.config.sample_size
    if isinstance(sample_size, (list, tuple)):  # [height, width]: valid, but SD pipelines compare it with a number
        txt2img.unet.register_to_config(sample_size=max(sample_size))
    img2img = AutoPipelineForImage2Image.from_pipe(txt2img)
    inpaint = AutoPipelineForInpainting.from_pipe(txt2img)
    for pipe in (img2img, inpaint):
        pipe.set_progress_bar_config(disable=True)
    report(LOADING_SHARE, "computing the model hash")
    model = LoadedModel(
        entry=entry,
        txt2img=txt2img,
        img2img=img2img,
        inpaint=inpaint,
        model_hash=model_hash(entry),
        size_bytes=pipeline_bytes(txt2img),
        device=device,
        dtype=dtype,
        base_scheduler_config=dict(txt2img.scheduler.config),
    )
    from ..pipelines.accel import prepare_model

    prepare_model(model)  # GPU only: attention kernels, memory layout, optional compile
    return model


def _quiet_progress_bars() -> None:
    """Loading bars are for notebooks; in a daemon's log they are noise."""
    import diffusers.utils.logging
    import transformers.utils.logging

    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()


def _load_folder(folder: Path, dtype: torch.dtype, allow_pickle: bool, progress: Progress):
    from diffusers import AutoPipelineForText2Image

    index = json.loads((folder / "model_index.json").read_text())
    unet_dir = folder / "unet"
    has_plain = any(unet_dir.glob("diffusion_pytorch_model.safetensors"))
    has_fp16 = any(unet_dir.glob("diffusion_pytorch_model.fp16.safetensors"))
    has_safetensors = any(unet_dir.glob("*.safetensors"))
    if not has_safetensors and not allow_pickle:
        raise FailedPrecondition(
            f"'{folder.name}' holds pickle weights (.bin) only; convert to safetensors or use --allow-pickle"
        )
    kwargs = {"dtype": dtype, "local_files_only": True, "use_safetensors": has_safetensors}
    if has_fp16 and not has_plain:
        kwargs["variant"] = "fp16"
    if "safety_checker" in index:  # SD 1.x/2.x folders: never load the checker
        kwargs.update(safety_checker=None, requires_safety_checker=False)
    with offline():
        components = load_folder_components(folder, index, dtype, progress)
        return AutoPipelineForText2Image.from_pretrained(str(folder), **components, **kwargs)


def pipeline_bytes(pipe) -> int:
    total = 0
    for component in pipe.components.values():
        if isinstance(component, torch.nn.Module):
            total += sum(t.numel() * t.element_size() for t in component.parameters())
            total += sum(t.numel() * t.element_size() for t in component.buffers())
    return total


def weights_on_disk(entry: ModelEntry) -> int:
    """Bytes of weight files: a cheap estimate of a model's size before loading it."""
    path = Path(entry.path)
    if path.is_file():
        return path.stat().st_size
    suffixes = (".safetensors",) + PICKLE_SUFFIXES
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and f.suffix in suffixes)


_hash_memo: dict[tuple, str] = {}
_hash_lock = threading.Lock()


def model_hash(entry: ModelEntry) -> str:
    """First 10 hex digits of sha256 (A1111's convention) of the checkpoint file, or of a
    folder's unet weights; computed once per file version."""
    path = Path(entry.path)
    if path.is_dir():
        candidates = sorted((path / "unet").glob("*.safetensors")) or sorted((path / "unet").glob("*.bin"))
        if not candidates:
            return ""
        path = candidates[0]
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _hash_lock:
        if key in _hash_memo:
            return _hash_memo[key]
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(16 * 1024 * 1024):
            digest.update(chunk)
    short = digest.hexdigest()[:10]
    with _hash_lock:
        _hash_memo[key] = short
    return short
