"""What a control file is (ControlNet or IP-Adapter), which model family it fits, and for
ControlNets which kind of control image it reads, from tensor names and shapes only.

ControlNets come as diffusers folders (config.json + weights), as single files in diffusers'
key layout (most SDXL ControlNets) or in the original `cldm` layout (`control_model.*`, the
lllyasviel SD 1.5 files). The control type is told by the file's metadata or its name
(control_v11p_sd15_canny, diffusers_xl_depth_full, ...): the files themselves do not say.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from underpaint.models import demo
from underpaint.models.addon_detect import PICKLE_SUFFIXES, Detected, Unusable, read_header

# Cross-attention width (the text encoder the ControlNet reads) -> family.
_CONTEXT_WIDTHS = {768: "sd15", 1024: "sd2", 2048: "sdxl"}
META_CONTROL_TYPE = "underpaint.control_type"
CONTROL_TYPES = ("canny", "scribble", "lineart", "softedge", "depth", "normal", "pose", "segmentation",
                 "tile", "inpaint", "mlsd", "reference")
# Words in file names -> control type; first match wins (so "lineart_anime" is lineart, not anime).
_TYPE_WORDS = [
    ("canny", "canny"), ("lineart", "lineart"), ("line_art", "lineart"), ("scribble", "scribble"),
    ("sketch", "scribble"), ("softedge", "softedge"), ("hed", "softedge"), ("pidi", "softedge"),
    ("normal", "normal"), ("depth", "depth"), ("midas", "depth"), ("zoe", "depth"), ("openpose", "pose"),
    ("pose", "pose"), ("seg", "segmentation"), ("ade20k", "segmentation"), ("tile", "tile"),
    ("inpaint", "inpaint"), ("mlsd", "mlsd"),
]


def control_type_from_name(name: str) -> str:
    words = re.split(r"[^a-z0-9]+", name.lower())
    joined = "_".join(words)
    for word, kind in _TYPE_WORDS:
        if word in words or (len(word) > 4 and word in joined):
            return kind
    return ""


def _architecture(shapes: dict, metadata: dict) -> str:
    arch = metadata.get(demo.META_ARCHITECTURE, "")
    if arch:
        return arch
    for key, shape in shapes.items():
        if key.endswith("attn2.to_k.weight") and len(shape) == 2:
            found = _CONTEXT_WIDTHS.get(shape[1])
            if found:
                return found
    raise Unusable("cannot tell which model family it is for (its cross-attention width fits no SD 1.x, "
                   "SD 2.x or SDXL model)")


def detect_controlnet(path: Path, allow_pickle: bool = False) -> Detected:
    name = path.name if path.is_dir() else path.stem
    if path.is_dir():
        config = _read_json(path / "config.json")
        kind = config.get("_class_name", "")
        if kind and kind != "ControlNetModel":
            raise Unusable(f"a {kind} folder: only ControlNetModel ControlNets are supported")
        weights = sorted(path.glob("*.safetensors"))
        if not weights:
            raise Unusable("a ControlNet folder needs config.json and a .safetensors weights file")
        shapes, metadata = read_header(weights[0])
        fmt = "diffusers_folder"
    elif path.suffix.lower() == ".safetensors":
        shapes, metadata = read_header(path)
        fmt = ""
    elif path.suffix.lower() in PICKLE_SUFFIXES:
        raise Unusable("pickled ControlNets (.pth/.ckpt) can run code when loaded; use the .safetensors "
                       "release (every published ControlNet has one)")
    else:
        raise Unusable("ControlNets are .safetensors files or diffusers folders")
    keys = list(shapes)
    if any(k.startswith(("model.diffusion_model.", "first_stage_model.")) for k in keys):
        raise Unusable("this is a whole checkpoint, not a ControlNet: move it to the models folder itself")
    if any(".up" in k and "lora" in k.lower() for k in keys) or metadata.get("lora_controlnet"):
        raise Unusable("Control-LoRA files are not supported (full ControlNets are)")
    if any(k.startswith(("adapter.", "body.0.", "conv_in.")) for k in keys) and not _is_controlnet(keys):
        raise Unusable("this looks like a T2I-Adapter, which this daemon does not run yet (ControlNets are)")
    if not _is_controlnet(keys):
        raise Unusable("no ControlNet weights found (expected control_model.* or controlnet_cond_embedding.* "
                       "tensors)")
    if not fmt:
        fmt = "diffusers" if any(k.startswith("controlnet_cond_embedding.") for k in keys) else "ldm"
    arch = _architecture(shapes, metadata)
    control_type = metadata.get(META_CONTROL_TYPE, "") or control_type_from_name(name)
    return Detected(arch, fmt, is_demo=metadata.get(demo.META_DEMO) == "true",
                    description=metadata.get(demo.META_DESCRIPTION, ""), control_type=control_type)


def _is_controlnet(keys) -> bool:
    return any(k.startswith(("control_model.", "controlnet_cond_embedding.", "input_hint_block.")) for k in keys)


# --- IP-Adapter -----------------------------------------------------------------------------------

def detect_ipadapter(path: Path) -> Detected:
    """IP-Adapter weights as published (`ip-adapter_sd15.safetensors`): `image_proj.*` turns the
    image encoder's embedding into extra context tokens, `ip_adapter.N.to_k_ip/to_v_ip` read them."""
    if path.suffix.lower() != ".safetensors":
        raise Unusable("IP-Adapters are read from .safetensors files only (pickled .bin files can run code)")
    shapes, metadata = read_header(path)
    if not any(k.startswith("image_proj.") for k in shapes) or not any(k.startswith("ip_adapter.") for k in shapes):
        raise Unusable("no IP-Adapter weights found (expected image_proj.* and ip_adapter.* tensors)")
    arch = metadata.get(demo.META_ARCHITECTURE, "")
    if not arch:
        widths = [s[1] for k, s in shapes.items() if k.endswith("to_k_ip.weight") and len(s) == 2]
        arch = _CONTEXT_WIDTHS.get(widths[0], "") if widths else ""
    if not arch:
        raise Unusable("cannot tell which model family it is for (its to_k_ip width fits no SD model)")
    fmt = "plus" if "image_proj.latents" in shapes else ("full" if "image_proj.proj.0.weight" in shapes else "basic")
    return Detected(arch, fmt, is_demo=metadata.get(demo.META_DEMO) == "true",
                    description=metadata.get(demo.META_DESCRIPTION, ""), control_type="reference")


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def image_encoders(folder: Path) -> list[tuple[Path, dict]]:
    """CLIP image encoder folders (transformers CLIPVisionModelWithProjection) under an
    IP-Adapter folder: `image_encoder/` itself and any subfolder holding such a config.json."""
    found = []
    for config_path in sorted(Path(folder).glob("**/config.json")):
        config = _read_json(config_path)
        if config.get("model_type") == "clip_vision_model" or "CLIPVisionModelWithProjection" in config.get(
                "architectures", []):
            found.append((config_path.parent, config))
    return found


def encoder_for(ip_adapter: Path, folder: Path) -> Path:
    """The image encoder an IP-Adapter reads: the one whose output width its image projection takes
    (the projected embedding for basic adapters, the hidden states for "plus" and "full" ones)."""
    shapes, _ = read_header(ip_adapter)
    if "image_proj.proj.weight" in shapes:
        needed, width = "projection_dim", shapes["image_proj.proj.weight"][1]
    else:
        key = "image_proj.proj_in.weight" if "image_proj.proj_in.weight" in shapes else "image_proj.proj.0.weight"
        needed, width = "hidden_size", shapes.get(key, [0, 0])[1]
    encoders = image_encoders(folder)
    for path, config in encoders:
        if config.get(needed, config.get("vision_config", {}).get(needed)) == width:
            return path
    have = ", ".join(f"{p.name} ({needed} {c.get(needed, '?')})" for p, c in encoders) or "none"
    raise Unusable(f"it needs a CLIP image encoder with {needed} {width} in {folder}/image_encoder "
                   f"(a transformers CLIPVisionModelWithProjection folder); found: {have}")
