"""Which model a file or folder holds: family, native size, prediction type — or why it cannot be used.

Single files are told apart by their tensor names (the original CompVis/SGM layout model sites
publish); diffusers folders by their configs. A file without a UNet is no model at all (a LoRA,
VAE, embedding or upscaler: an add-on), which is different from a model this daemon cannot use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from underpaint.models import demo
from underpaint.models.checkpoint_files import TensorIndex, Unusable, read_json_object
from underpaint.models.prediction import EPSILON, V, prediction_type

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
FAMILIES = ("sd15", "sd2", "sdxl")
NATIVE_SIZE = {"sd15": 512, "sd2": 768, "sdxl": 1024}
SD2_EPSILON_SIZE = 512  # SD 2.x 512-base; the v-prediction models are 768
ARCH_NAMES = {"sd15": "SD 1.x", "sd2": "SD 2.x", "sdxl": "SDXL"}
_INPUT_CONV = UNET_PREFIX + "input_blocks.0.0.weight"
_INPUT_KINDS = {9: "inpainting", 8: "instruct-pix2pix", 5: "depth"}


@dataclass
class ModelInfo:
    architecture: str
    native_width: int
    native_height: int
    prediction_type: str = ""  # "" = as the configs say; EPSILON or V when told from the file
    note: str = ""  # e.g. "v-prediction, told from its weights"


def family_from_keys(keys) -> str | None:
    """sd15 / sd2 / sdxl / sdxl_refiner from original-layout tensor names; None without a UNet."""
    keys = list(keys)
    if not any(k.startswith(UNET_PREFIX) for k in keys):
        return None
    for prefix, family in (("conditioner.embedders.1.model.", "sdxl"),
                           ("conditioner.embedders.0.model.", "sdxl_refiner"),
                           ("cond_stage_model.model.", "sd2"),
                           ("cond_stage_model.transformer.", "sd15")):
        if any(k.startswith(prefix) for k in keys):
            return family
    return "unknown"


def identify_single_file(index: TensorIndex) -> ModelInfo | None:
    """None when the file is not a whole checkpoint; Unusable when it is one we cannot run."""
    family = family_from_keys(index.keys())
    if family is None:
        return None
    declared = index.metadata.get(demo.META_ARCHITECTURE)
    if declared is not None and declared not in FAMILIES:
        raise Unusable(f"its metadata names architecture {declared!r}; supported: {', '.join(FAMILIES)}")
    architecture = declared or family
    if architecture == "sdxl_refiner":
        raise Unusable("an SDXL refiner: it only finishes other models' images, which this daemon does not do yet")
    if architecture == "unknown":
        raise Unusable("a diffusion model without a text encoder this daemon knows: a UNet-only file, or a "
                       "family other than SD 1.x, SD 2.x and SDXL (SD 3, Flux, ...)")
    if any(k.startswith(("embedder.model.", "depth_model.")) for k in index.keys()):
        raise Unusable(f"an {ARCH_NAMES[architecture]} unCLIP or depth model: not supported yet")
    if not index.has_prefix(VAE_PREFIX):
        raise Unusable("it has no VAE weights (first_stage_model.*); only whole checkpoints are supported")
    _check_input_channels(index.shapes.get(_INPUT_CONV), architecture)
    kind, evidence = prediction_type(index, architecture)
    size = NATIVE_SIZE[architecture]
    if architecture == "sd2" and kind == EPSILON:
        size = SD2_EPSILON_SIZE
    width, height = _size_from_metadata(index.metadata) or (size, size)
    note = ""
    if architecture == "sd2" or kind == V:
        note = ("v-prediction" if kind == V else "epsilon") + (f", {evidence}" if evidence else "")
    return ModelInfo(architecture, width, height, kind, note)


def _check_input_channels(shape, architecture: str) -> None:
    if shape is None or len(shape) != 4:
        raise Unusable("its UNet has no input convolution (input_blocks.0.0): a damaged or partial checkpoint")
    channels = shape[1]
    if channels != 4:
        kind = _INPUT_KINDS.get(channels, "non-standard")
        raise Unusable(f"an {ARCH_NAMES[architecture]} {kind} checkpoint ({channels} input channels): only "
                       "text-to-image checkpoints (4 channels) are supported so far")


def _size_from_metadata(metadata: dict[str, str]) -> tuple[int, int] | None:
    ours = metadata.get(demo.META_NATIVE_SIZE)
    if ours is not None:
        size = _parse_size(ours)
        if size is None:
            raise Unusable(f"its metadata {demo.META_NATIVE_SIZE}={ours!r} is not WIDTHxHEIGHT")
        return size
    return _parse_size(metadata.get("modelspec.resolution", ""))  # a hint: ignored when odd


def _parse_size(text: str) -> tuple[int, int] | None:
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        return None
    width, height = (int(p) for p in parts)
    if not (8 <= width <= 16384 and 8 <= height <= 16384):
        return None
    return width, height


@dataclass
class FolderInfo:
    architecture: str
    native_width: int
    native_height: int
    size_multiple: int
    marker: dict  # the demo marker file, {} for other folders
    weights: str  # "safetensors" | "pickle"


def identify_folder(folder: Path) -> FolderInfo:
    """A diffusers folder (it has model_index.json); Unusable when it is not an SD pipeline or
    its configs are damaged."""
    index = read_json_object(folder / "model_index.json", "model_index.json")
    pipeline = index.get("_class_name") if isinstance(index.get("_class_name"), str) else "unknown"
    if "unet" not in index:
        raise Unusable(f"a {pipeline} pipeline: only Stable Diffusion 1.x, 2.x and SDXL pipelines "
                       "(with a UNet) are supported")
    unet = read_json_object(folder / "unet" / "config.json", "unet/config.json")
    vae = read_json_object(folder / "vae" / "config.json", "vae/config.json")
    marker = _optional_json(folder / demo.MARKER_FILE)
    channels = unet.get("in_channels", 4)
    if channels != 4:
        kind = _INPUT_KINDS.get(channels, "non-standard") if type(channels) is int else "non-standard"
        raise Unusable(f"a {kind} pipeline (unet in_channels={channels!r}): only text-to-image "
                       "pipelines are supported so far")
    blocks = vae.get("block_out_channels", [0, 0, 0, 0])
    if not isinstance(blocks, list) or not 1 <= len(blocks) <= 8:
        raise Unusable("vae/config.json: block_out_channels must be a list of 1 to 8 numbers")
    factor = 2 ** (len(blocks) - 1)
    height, width = _sample_size(unet.get("sample_size", 64))
    architecture = marker.get("architecture") or _folder_architecture(pipeline, unet)
    if architecture not in FAMILIES:
        raise Unusable(f"{demo.MARKER_FILE} names architecture {architecture!r}; supported: {', '.join(FAMILIES)}")
    return FolderInfo(architecture=architecture,
                      native_width=_int(marker.get("native_width"), width * factor),
                      native_height=_int(marker.get("native_height"), height * factor),
                      size_multiple=factor, marker=marker, weights=_folder_weights(folder))


def _sample_size(value) -> tuple[int, int]:
    """unet sample_size: one number, or [height, width] as diffusers also accepts."""
    if type(value) is int and value > 0:
        return value, value
    if (isinstance(value, list) and len(value) == 2 and all(type(v) is int and v > 0 for v in value)):
        return value[0], value[1]
    raise Unusable(f"unet/config.json: sample_size must be a number or [height, width], not {value!r}")


def _folder_weights(folder: Path) -> str:
    unet = folder / "unet"
    if any(unet.glob("*.safetensors")):
        return "safetensors"
    if any(unet.glob("*.bin")) or any(unet.glob("*.ckpt")):
        return "pickle"
    raise Unusable("unet/ holds no weights (an incomplete download?)")


def _folder_architecture(pipeline: str, unet: dict) -> str:
    if "XL" in pipeline or unet.get("addition_embed_type") == "text_time":
        return "sdxl"
    if unet.get("cross_attention_dim") == 1024:
        return "sd2"
    return "sd15"


def _optional_json(path: Path) -> dict:
    if not path.is_file():
        return {}
    return read_json_object(path, path.name)


def _int(value, default: int) -> int:
    return value if type(value) is int and value > 0 else default
