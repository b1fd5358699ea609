"""What an add-on file is and which model family it fits, from its tensor names and shapes.

Only safetensors headers are read (no tensor data); `.pt`/`.bin` embeddings are small and load
with `torch.load(weights_only=True)`, which refuses anything but tensors and plain containers.
Each classifier returns a Detected or raises Unusable with a reason meant for people.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from underpaint.models import demo

# Width of the text encoder the cross-attention reads -> family.
_CONTEXT_WIDTHS = {768: "sd15", 1024: "sd2", 2048: "sdxl"}
_TEXT_WIDTHS = {768: "sd15", 1024: "sd2"}
SDXL_WIDTHS = {"clip_l": 768, "clip_g": 1280}
# Which text encoder family an SD architecture's (single) encoder is.
ENCODER_FAMILY = {"sd15": "clip_l", "sd2": "clip_h"}
_MAX_HEADER = 100 * 1024 * 1024
PICKLE_SUFFIXES = (".pt", ".ckpt", ".bin", ".pth")


class Unusable(Exception):
    """The file cannot be used; the message says why and what to do."""


@dataclass
class Detected:
    architecture: str                 # "sd15", "sd2", "sdxl"
    format: str                       # e.g. "kohya", "peft", "a1111", "sdxl", "diffusers", "ldm"
    vectors: int = 0                  # embeddings: vectors per token (the largest over encoders)
    widths: dict = field(default_factory=dict)  # embeddings: encoder family -> (vectors, width)
    source_model: str = ""            # embeddings: the checkpoint it was trained on, when the file says
    is_demo: bool = False
    description: str = ""
    control_type: str = ""            # ControlNets: "canny", "depth", ... when the file or its name tells


def read_header(path: Path) -> tuple[dict[str, list[int]], dict[str, str]]:
    """{tensor name: shape} and the metadata of a .safetensors file, from its JSON header only."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise Unusable("the file is too short to be a safetensors file")
        (length,) = struct.unpack("<Q", raw)
        if length > _MAX_HEADER:
            raise Unusable("its safetensors header is implausibly large; the file is damaged")
        try:
            header = json.loads(f.read(length))
        except ValueError as e:
            raise Unusable(f"its safetensors header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise Unusable("its safetensors header is not a JSON object; the file is damaged")
    metadata = header.pop("__metadata__", None)
    metadata = {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}
    shapes = {}
    for name, info in header.items():
        shape = info.get("shape") if isinstance(info, dict) else None
        if isinstance(shape, list) and all(isinstance(n, int) for n in shape):
            shapes[name] = shape
    return shapes, metadata


def _demo_info(metadata: dict) -> tuple[str, bool]:
    return metadata.get(demo.META_ARCHITECTURE, ""), metadata.get(demo.META_DEMO) == "true"


# --- LoRA ---------------------------------------------------------------------------------------

_LYCORIS = re.compile(r"\.(hada_w1_a|hada_w2_a|lokr_w1|lokr_w2|lokr_w1_a|oft_blocks|oft_diag)$")
_LORA_DOWN = re.compile(r"(\.lora_down\.weight|\.lora_A\.weight|\.lora_A\.default\.weight|\.down\.weight)$")
_KOHYA_BASE_VERSIONS = {"sd_v1": "sd15", "sd_v2": "sd2", "sdxl_base_v1-0": "sdxl", "sdxl_base_v0-9": "sdxl"}


def detect_lora(path: Path) -> Detected:
    if path.suffix.lower() != ".safetensors":
        raise Unusable("LoRAs are read from .safetensors files only; convert it (pickled files can run code)")
    shapes, metadata = read_header(path)
    arch, is_demo = _demo_info(metadata)
    keys = list(shapes)
    if not keys:
        raise Unusable("the file holds no tensors")
    if any(k.startswith(("model.diffusion_model.", "first_stage_model.")) for k in keys):
        raise Unusable("this is a whole checkpoint, not a LoRA: move it to the models folder itself")
    if any(_LYCORIS.search(k) for k in keys):
        raise Unusable("LyCORIS LoHa/LoKr/OFT files are not supported (LoRA and LoCon are)")
    downs = {k: s for k, s in shapes.items() if _LORA_DOWN.search(k)}
    if not downs:
        raise Unusable("no LoRA weights found (expected lora_down/lora_up or lora_A/lora_B tensors)")
    if any(k.startswith(("transformer.", "lora_transformer_", "diffusion_model.double_blocks")) for k in keys):
        raise Unusable("this LoRA is for a transformer model (Flux, SD3, ...), which this daemon does not run")
    kohya = any(k.startswith(("lora_unet_", "lora_te_", "lora_te1_", "lora_te2_")) for k in keys)
    fmt = "kohya" if kohya else "diffusers"
    if arch:
        return Detected(arch, fmt, is_demo=is_demo, description=metadata.get(demo.META_DESCRIPTION, ""))
    arch = _lora_architecture(downs, keys, metadata)
    if arch is None:
        raise Unusable("cannot tell which model family it is for (its layer widths fit no SD 1.x, SD 2.x or SDXL model)")
    return Detected(arch, fmt)


def _lora_architecture(downs: dict, keys: list[str], metadata: dict) -> str | None:
    # The cross-attention key projection reads the text encoder: its width names the family.
    for key, shape in downs.items():
        flat = key.replace(".", "_")
        if "attn2_to_k" in flat and len(shape) == 2:
            return _CONTEXT_WIDTHS.get(shape[1])
    if any(k.startswith(("lora_te1_", "lora_te2_", "text_encoder_2.")) for k in keys):
        return "sdxl"
    for key, shape in downs.items():
        if key.startswith(("lora_te_", "text_encoder.")) and len(shape) == 2:
            return _TEXT_WIDTHS.get(shape[1])
    if any(k.startswith(("lora_unet_input_blocks", "lora_unet_output_blocks")) for k in keys):
        return "sdxl"  # kohya names SDXL UNets in the original layout, SD 1.x/2.x in diffusers'
    return _KOHYA_BASE_VERSIONS.get(metadata.get("ss_base_model_version", ""))


# --- textual inversion ----------------------------------------------------------------------------

def detect_embedding(path: Path) -> Detected:
    metadata: dict = {}
    if path.suffix.lower() == ".safetensors":
        shapes, metadata = read_header(path)
        tensors = {k: tuple(v) for k, v in shapes.items()}
        source = metadata.get("sd_checkpoint_name", "") or metadata.get("underpaint.source_model", "")
    elif path.suffix.lower() in PICKLE_SUFFIXES:
        data = load_pickled_embedding(path)
        source = str(data.get("sd_checkpoint_name") or "") if isinstance(data, dict) else ""
        tensors = {k: tuple(v.shape) for k, v in embedding_tensors(data).items()}
    else:
        raise Unusable("embeddings are .safetensors, .pt or .bin files")
    arch, is_demo = _demo_info(metadata)
    vectors = _embedding_vectors(tensors)
    if "clip_l" in vectors and "clip_g" in vectors:
        widths = {"clip_l": vectors["clip_l"], "clip_g": vectors["clip_g"]}
        arch = arch or "sdxl"
        fmt = "sdxl"
    elif len(vectors) == 1:
        (key, (count, width)), = vectors.items()
        arch = arch or _TEXT_WIDTHS.get(width, "")
        if not arch or arch not in ENCODER_FAMILY:
            raise Unusable(f"its vectors are {width} wide, which fits no SD 1.x (768) or SD 2.x (1024) text encoder")
        widths = {ENCODER_FAMILY[arch]: (count, width)}
        fmt = {"emb_params": "a1111", "string_to_param": "a1111"}.get(key, "diffusers")
    else:
        raise Unusable("no embedding vectors found (expected string_to_param, emb_params, clip_l/clip_g "
                       "or one {token: vectors} entry)")
    return Detected(arch, fmt, vectors=max(n for n, _ in widths.values()), widths=widths,
                    source_model=source, is_demo=is_demo, description=metadata.get(demo.META_DESCRIPTION, ""))


def load_pickled_embedding(path: Path):
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unreadable file is reported, never fatal
        raise Unusable(f"cannot be read safely as tensors ({type(e).__name__}: {str(e).splitlines()[0][:200]})") from None


def embedding_tensors(data) -> dict:
    """The vector tensors of any embedding layout, keyed by where they were found:
    "string_to_param" / "emb_params" (A1111), "clip_l"/"clip_g" (SDXL) or the token (diffusers)."""
    import torch

    if not isinstance(data, dict):
        return {}
    if isinstance(data.get("string_to_param"), dict):
        params = [v for v in data["string_to_param"].values() if isinstance(v, torch.Tensor)]
        return {"string_to_param": params[0]} if len(params) == 1 else {}
    if "string_to_param.*" in data:
        return {"string_to_param": data["string_to_param.*"]}
    tensors = {k: v for k, v in data.items() if isinstance(v, torch.Tensor)}
    if "emb_params" in tensors:
        return {"emb_params": tensors["emb_params"]}
    if "clip_l" in tensors and "clip_g" in tensors:
        return {"clip_l": tensors["clip_l"], "clip_g": tensors["clip_g"]}
    return tensors if len(tensors) == 1 else {}


def _embedding_vectors(tensors: dict[str, tuple]) -> dict[str, tuple[int, int]]:
    """{where: (vectors, width)}, treating a 1-D tensor as one vector."""
    if "string_to_param.*" in tensors:
        tensors = {"string_to_param": tensors["string_to_param.*"]}
    if "emb_params" in tensors:
        tensors = {"emb_params": tensors["emb_params"]}
    elif "clip_l" in tensors and "clip_g" in tensors:
        tensors = {"clip_l": tensors["clip_l"], "clip_g": tensors["clip_g"]}
    out = {}
    for key, shape in tensors.items():
        if len(shape) == 1 and shape[0] > 0:
            out[key] = (1, shape[0])
        elif len(shape) == 2 and shape[0] > 0 and shape[1] > 0:
            out[key] = (shape[0], shape[1])
    if "clip_l" in out and "clip_g" in out:
        return {"clip_l": out["clip_l"], "clip_g": out["clip_g"]}
    return out if len(out) == 1 else {}


# --- VAE ------------------------------------------------------------------------------------------

_XL_NAME = re.compile(r"(^|[^a-z])(sd)?xl([^a-z]|$)|sdxl|pony|illustrious", re.IGNORECASE)


def detect_vae(path: Path, allow_pickle: bool) -> Detected:
    metadata: dict = {}
    config: dict = {}
    if path.is_dir():
        config = _read_json(path / "config.json")
        weights = sorted(path.glob("*.safetensors"))
        if not config or not weights:
            raise Unusable("a VAE folder needs config.json and a .safetensors weights file")
        shapes, metadata = read_header(weights[0])
        fmt = "diffusers_folder"
    elif path.suffix.lower() == ".safetensors":
        shapes, metadata = read_header(path)
        fmt = ""
    elif path.suffix.lower() in PICKLE_SUFFIXES:
        if not allow_pickle:
            raise Unusable("pickled VAEs (.pt/.ckpt) can run code when loaded; convert it to .safetensors "
                           "or start the daemon with --allow-pickle")
        shapes = {k: list(v.shape) for k, v in _pickle_state(path).items()}
        fmt = ""
    else:
        raise Unusable("VAEs are .safetensors files or diffusers folders")
    arch, is_demo = _demo_info(metadata)
    shapes = {k.removeprefix("first_stage_model.").removeprefix("vae."): v for k, v in shapes.items()}
    if any(k.startswith("model.diffusion_model.") for k in shapes):
        raise Unusable("this is a whole checkpoint, not a VAE: move it to the models folder itself")
    if "encoder.down.0.block.0.conv1.weight" in shapes:
        fmt = fmt or "ldm"
    elif "encoder.down_blocks.0.resnets.0.conv1.weight" in shapes:
        fmt = fmt or "diffusers"
    else:
        raise Unusable("no VAE encoder/decoder weights found")
    conv_out = shapes.get("encoder.conv_out.weight")
    latent = conv_out[0] // 2 if conv_out else 0
    if not latent:
        raise Unusable("no VAE encoder output layer found (encoder.conv_out)")
    if latent != 4:
        raise Unusable(f"a VAE with {latent} latent channels (SD3/Flux) does not fit SD 1.x, SD 2.x or SDXL models")
    if not arch:
        scaling = config.get("scaling_factor")
        if scaling == 0.13025 or _XL_NAME.search(path.stem):
            arch = "sdxl"
        elif scaling == 0.18215:
            arch = "sd15"
        # else "": the layout is shared by every SD family; only the name or config could tell
    return Detected(arch, fmt, is_demo=is_demo, description=metadata.get(demo.META_DESCRIPTION, ""))


def _pickle_state(path: Path) -> dict:
    import torch

    try:
        data = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
    except Exception as e:  # noqa: BLE001
        raise Unusable(f"cannot be read safely as tensors ({type(e).__name__})") from None
    if isinstance(data, dict) and isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]
    return {k: v for k, v in data.items() if hasattr(v, "shape")} if isinstance(data, dict) else {}


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
