"""Single-file checkpoints (.safetensors, opt-in .ckpt/.pt) in the original CompVis/A1111 layout.

Loading never touches the network: diffusers converts the keys, and the component configs it
needs come from this package (configs/<architecture>/) plus CLIP tokenizer files rebuilt from
open_clip's bundled merges. A checkpoint that carries its own configs in its safetensors
metadata (the demo model does) uses those instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import tempfile
from importlib import resources
from pathlib import Path

from underpaint.errors import FailedPrecondition
from underpaint.models import demo
from underpaint.models.tokenizers import clip_vocab, write_tokenizer

PICKLE_SUFFIXES = (".ckpt", ".pt", ".pth", ".bin")
SUPPORTED_SINGLE_FILE = ("sd15", "sdxl")  # architectures whose configs ship in configs/
NATIVE_SIZE = {"sd15": 512, "sd2": 768, "sdxl": 1024}
_MAX_HEADER = 100 * 1024 * 1024


def read_safetensors_header(path: Path) -> tuple[list[str], dict[str, str]]:
    """Tensor names and metadata from a .safetensors file, reading only its JSON header."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError("file too short for a safetensors header")
        (length,) = struct.unpack("<Q", raw)
        if length > _MAX_HEADER:
            raise ValueError(f"safetensors header of {length} bytes is implausibly large")
        header = json.loads(f.read(length))
    metadata = header.pop("__metadata__", None) or {}
    return list(header), metadata


def detect_architecture(keys) -> str | None:
    """sd15 / sd2 / sdxl from original-layout tensor names; None when it is not an SD checkpoint
    (a LoRA, a lone VAE, an upscaler...)."""
    keys = set(keys)
    if not any(k.startswith("model.diffusion_model.") for k in keys):
        return None
    if any(k.startswith("conditioner.embedders.1.model.") for k in keys):
        return "sdxl"
    if any(k.startswith("conditioner.embedders.0.model.") for k in keys):
        return "sdxl_refiner"
    if any(k.startswith("cond_stage_model.model.") for k in keys):
        return "sd2"
    if any(k.startswith("cond_stage_model.transformer.") for k in keys):
        return "sd15"
    return None


@contextlib.contextmanager
def offline():
    """Forbid Hugging Face Hub access for the duration (the env var and the already-imported
    constant both, since huggingface_hub reads the variable at import time)."""
    import huggingface_hub.constants as hub_constants

    old_env = os.environ.get("HF_HUB_OFFLINE")
    old_constant = hub_constants.HF_HUB_OFFLINE
    os.environ["HF_HUB_OFFLINE"] = "1"
    hub_constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        hub_constants.HF_HUB_OFFLINE = old_constant
        if old_env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = old_env


def write_packaged_config_folder(architecture: str, out_dir: Path) -> Path:
    """Copy the shipped configs for `architecture` to out_dir and add the CLIP tokenizer(s)."""
    if architecture not in SUPPORTED_SINGLE_FILE:
        raise FailedPrecondition(
            f"single-file {architecture} checkpoints are not supported yet "
            f"(supported: {', '.join(SUPPORTED_SINGLE_FILE)}); use a diffusers folder instead"
        )
    source = resources.files("underpaint.models").joinpath("configs", architecture)
    with resources.as_file(source) as folder:
        shutil.copytree(folder, out_dir, dirs_exist_ok=True)
    vocab, merges = clip_vocab()
    write_tokenizer(out_dir / "tokenizer", vocab, merges)
    if architecture == "sdxl":  # the OpenCLIP encoder pads with "!" (id 0), not end-of-text
        write_tokenizer(out_dir / "tokenizer_2", vocab, merges, pad_token="!")
    return out_dir


def pipeline_class_for(architecture: str):
    from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline

    return StableDiffusionXLPipeline if architecture == "sdxl" else StableDiffusionPipeline


def load_single_file(path: Path, architecture: str, torch_dtype, allow_pickle: bool = False):
    """Build the text-to-image pipeline for a single-file checkpoint, on CPU, with no network."""
    path = Path(path)
    if path.suffix.lower() in PICKLE_SUFFIXES and not allow_pickle:
        raise FailedPrecondition(
            f"'{path.name}' is a pickle checkpoint, which can run code when loaded; "
            "convert it to .safetensors or start the daemon with --allow-pickle"
        )
    metadata = read_safetensors_header(path)[1] if path.suffix.lower() == ".safetensors" else {}
    pipeline_class = pipeline_class_for(architecture)
    with tempfile.TemporaryDirectory(prefix="underpaint-config-") as tmp, offline():
        config_dir = Path(tmp) / "config"
        if demo.META_CONFIGS in metadata and architecture == "sd15":
            # Component configs are plain numbers; the class list stays ours, so a file's
            # metadata can never make the loader import something else.
            configs = {**json.loads(metadata[demo.META_CONFIGS]), "model_index": demo.MODEL_INDEX}
            demo.write_config_folder(configs, config_dir)
        else:
            write_packaged_config_folder(architecture, config_dir)
        extra = {"safety_checker": None, "requires_safety_checker": False} if architecture != "sdxl" else {}
        pipe = pipeline_class.from_single_file(
            str(path), config=str(config_dir), local_files_only=True, dtype=torch_dtype, **extra
        )
    return pipe
