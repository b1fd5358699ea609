"""Building a pipeline one weighted component at a time, so a long load can say how far it is.

diffusers' own `from_single_file` / `from_pretrained` load every component in one call with no
hook but a progress bar. Here the heavy parts (UNet, text encoders, VAE) are loaded one by one
with diffusers' own per-component loaders, and `progress(fraction, component)` is called after
each (fraction = share of the weights loaded so far). A single file is read one component at a
time, so its fp16 copy never sits in memory whole beside the built model (the peak of an SDXL
load on CPU drops by the size of the file).
"""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path
from typing import Callable

from underpaint.models.checkpoint_files import TensorIndex

Progress = Callable[[float, str], None]

# Where each component's tensors live in an original-layout (CompVis / SGM) checkpoint.
SINGLE_FILE_PREFIXES = {
    "unet": ("model.diffusion_model.",),
    "text_encoder": ("cond_stage_model.", "conditioner.embedders.0."),
    "text_encoder_2": ("conditioner.embedders.1.",),
    "vae": ("first_stage_model.",),
}
WEIGHTED = tuple(SINGLE_FILE_PREFIXES)  # loading order: the biggest first, while memory is freest
# diffusers tells SDXL's first text encoder from SD 1.x's by the presence of the second one's
# tensors, so the text encoders are read together.
_READ_TOGETHER = {"text_encoder": "text", "text_encoder_2": "text"}
_GROUP_PREFIXES = {"text": ("cond_stage_model.", "conditioner.embedders.")}


def _components(index: dict) -> list[tuple[str, str, str]]:
    """(name, library, class) of the components a model_index.json lists, heavy ones first."""
    found = [(name, v[0], v[1]) for name, v in index.items()
             if not name.startswith("_") and isinstance(v, list) and len(v) == 2
             and isinstance(v[0], str) and isinstance(v[1], str)]
    return sorted(found, key=lambda c: WEIGHTED.index(c[0]) if c[0] in WEIGHTED else len(WEIGHTED))


def _init_kwargs(pipeline_class, index: dict, components: dict) -> dict:
    """Plain options of the pipeline named in the index (e.g. force_zeros_for_empty_prompt)."""
    accepted = inspect.signature(pipeline_class.__init__).parameters
    return {k: v for k, v in index.items()
            if k in accepted and k not in components and not isinstance(v, (list, dict))}


def load_single_file_pipeline(index: TensorIndex, config_dir: Path, pipeline_class, dtype,
                              progress: Progress, extra: dict):
    """A pipeline from an original-layout checkpoint and a folder of configs (no weights)."""
    from diffusers import pipelines
    from diffusers.loaders.single_file import load_single_file_sub_model

    model_index = json.loads((config_dir / "model_index.json").read_text())
    parts = _components(model_index)
    sizes = {name: index.nbytes(SINGLE_FILE_PREFIXES[name]) if name in SINGLE_FILE_PREFIXES else 0
             for name, _, _ in parts}
    total, done = sum(sizes.values()) or 1, 0
    loaded, group, checkpoint = {}, None, {}
    for name, library, class_name in parts:
        # Only this component's tensors are in memory, so the file never is whole.
        if _READ_TOGETHER.get(name, name) != group:
            group, checkpoint = _READ_TOGETHER.get(name, name), {}
            prefixes = _GROUP_PREFIXES.get(group) or SINGLE_FILE_PREFIXES.get(name)
            checkpoint = index.tensors(prefixes) if prefixes else {}
        loaded[name] = load_single_file_sub_model(
            library_name=library, class_name=class_name, name=name, checkpoint=checkpoint,
            pipelines=pipelines, is_pipeline_module=hasattr(pipelines, library),
            cached_model_config_path=str(config_dir), local_files_only=True, torch_dtype=dtype)
        if sizes[name]:
            done += sizes[name]
            progress(done / total, name)
    del checkpoint
    return pipeline_class(**{**_init_kwargs(pipeline_class, model_index, loaded), **extra, **loaded})


def load_folder_components(folder: Path, index: dict, dtype, progress: Progress) -> dict:
    """The weighted components of a diffusers folder, loaded one by one; the caller passes them
    to the pipeline's from_pretrained, which then only reads tokenizers and scheduler."""
    parts = [c for c in _components(index) if c[0] in WEIGHTED and (folder / c[0]).is_dir()]
    sizes = {name: _folder_bytes(folder / name) for name, _, _ in parts}
    total, done = sum(sizes.values()) or 1, 0
    loaded = {}
    for name, library, class_name in parts:
        if library not in ("diffusers", "transformers"):
            continue  # anything else is left to diffusers, as before
        cls = getattr(importlib.import_module(library), class_name, None)
        if cls is None or not hasattr(cls, "from_pretrained"):
            continue
        kwargs = {"subfolder": name, "local_files_only": True, **_variant(folder / name)}
        kwargs["torch_dtype" if library == "diffusers" else "dtype"] = dtype
        loaded[name] = cls.from_pretrained(str(folder), **kwargs)
        done += sizes[name]
        progress(done / total, name)
    return loaded


def _variant(component_dir: Path) -> dict:
    names = [p.name for p in component_dir.iterdir()]
    safetensors = [n for n in names if n.endswith(".safetensors")]
    kwargs = {"use_safetensors": bool(safetensors)}
    if safetensors and all(".fp16." in n for n in safetensors):
        kwargs["variant"] = "fp16"
    return kwargs


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir()
               if f.is_file() and f.suffix in (".safetensors", ".bin"))
