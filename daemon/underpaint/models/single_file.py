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
import tempfile
from importlib import resources
from pathlib import Path

from underpaint.errors import FailedPrecondition
from underpaint.models import demo
from underpaint.models.checkpoint_files import read_pickle, read_safetensors
from underpaint.models.component_loading import Progress, load_single_file_pipeline
from underpaint.models.identify import NATIVE_SIZE, SD2_EPSILON_SIZE, family_from_keys  # noqa: F401
from underpaint.models.prediction import EPSILON
from underpaint.models.tokenizers import clip_vocab, write_tokenizer

PICKLE_SUFFIXES = (".ckpt", ".pt", ".pth", ".bin")
SUPPORTED_SINGLE_FILE = ("sd15", "sd2", "sdxl")  # architectures whose configs ship in configs/


def read_safetensors_header(path: Path) -> tuple[list[str], dict[str, str]]:
    """Tensor names and metadata of a .safetensors file, reading only its (checked) header.
    Raises Unusable (a ValueError) saying what is wrong with a malformed file."""
    index = read_safetensors(Path(path))
    return list(index.keys()), index.metadata


def detect_architecture(keys) -> str | None:
    """sd15 / sd2 / sdxl / sdxl_refiner from original-layout tensor names; None when it is not a
    checkpoint of a family this daemon knows (a LoRA, a lone VAE, an upscaler...)."""
    family = family_from_keys(keys)
    return None if family == "unknown" else family


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


def write_packaged_config_folder(architecture: str, out_dir: Path, prediction_type: str = "") -> Path:
    """Copy the shipped configs for `architecture` to out_dir and add the CLIP tokenizer(s).

    SD 2.x configs are those of the 768 px v-prediction model (2.1); an epsilon SD 2.x file is
    the 512-base model, which differs in native size and attention upcasting only."""
    if architecture not in SUPPORTED_SINGLE_FILE:
        raise FailedPrecondition(
            f"single-file {architecture} checkpoints are not supported yet "
            f"(supported: {', '.join(SUPPORTED_SINGLE_FILE)}); use a diffusers folder instead"
        )
    source = resources.files("underpaint.models").joinpath("configs", architecture)
    with resources.as_file(source) as folder:
        shutil.copytree(folder, out_dir, dirs_exist_ok=True)
    vocab, merges = clip_vocab()
    # OpenCLIP encoders (SD 2.x, SDXL's second) pad with "!" (id 0), OpenAI's CLIP with end-of-text.
    write_tokenizer(out_dir / "tokenizer", vocab, merges, **({"pad_token": "!"} if architecture == "sd2" else {}))
    if architecture == "sdxl":
        write_tokenizer(out_dir / "tokenizer_2", vocab, merges, pad_token="!")
    if prediction_type:
        _patch_json(out_dir / "scheduler" / "scheduler_config.json", prediction_type=prediction_type)
    if architecture == "sd2" and prediction_type == EPSILON:
        _patch_json(out_dir / "unet" / "config.json", sample_size=SD2_EPSILON_SIZE // 8, upcast_attention=False)
        _patch_json(out_dir / "vae" / "config.json", sample_size=SD2_EPSILON_SIZE)
    return out_dir


def _patch_json(path: Path, **changes) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}, indent=1))


def pipeline_class_for(architecture: str):
    from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline

    return StableDiffusionXLPipeline if architecture == "sdxl" else StableDiffusionPipeline


def load_single_file(path: Path, architecture: str, torch_dtype, allow_pickle: bool = False,
                     prediction_type: str = "", progress: Progress | None = None):
    """Build the text-to-image pipeline for a single-file checkpoint, on CPU, with no network;
    `progress(fraction, component)` follows the components as they load."""
    path = Path(path)
    is_pickle = path.suffix.lower() in PICKLE_SUFFIXES
    if is_pickle and not allow_pickle:
        raise FailedPrecondition(
            f"'{path.name}' is a pickle checkpoint, which can run code when loaded; "
            "convert it to .safetensors or start the daemon with --allow-pickle"
        )
    index = read_pickle(path) if is_pickle else read_safetensors(path)
    metadata = index.metadata
    pipeline_class = pipeline_class_for(architecture)
    with tempfile.TemporaryDirectory(prefix="underpaint-config-") as tmp, offline():
        config_dir = Path(tmp) / "config"
        if demo.META_CONFIGS in metadata and architecture == "sd15":
            # Component configs are plain numbers; the class list stays ours, so a file's
            # metadata can never make the loader import something else.
            configs = {**json.loads(metadata[demo.META_CONFIGS]), "model_index": demo.MODEL_INDEX}
            demo.write_config_folder(configs, config_dir)
        else:
            write_packaged_config_folder(architecture, config_dir, prediction_type)
        extra = {} if architecture == "sdxl" else {
            "safety_checker": None, "feature_extractor": None, "requires_safety_checker": False}
        return load_single_file_pipeline(index, config_dir, pipeline_class, torch_dtype,
                                         progress or (lambda fraction, component: None), extra)
