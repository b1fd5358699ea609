"""ControlNets on a loaded model for one generation.

    with model.lock:
        pipe, extra = controlnet_pipeline(model, mode, uses, on_activity)
        pipe(**kwargs, **extra)

The job's ControlNets are loaded (or reused from the previous job: they stay on the model until
a job needs others) and a ControlNet pipeline of the job's mode is built around the model's
own components with `from_pipe`, so no weights are copied. Several controls at once run as a
MultiControlNet, each with its own image, strength and start/end of the schedule. Controls with
strength 0 never get here (jobs/control_checks.py drops them), so they change nothing, bit for bit.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from PIL import Image

from underpaint.errors import FailedPrecondition

log = logging.getLogger(__name__)

# ControlNetModel settings that follow the UNet it was trained beside (as ControlNetModel.from_unet).
_FROM_UNET = ("in_channels", "flip_sin_to_cos", "freq_shift", "down_block_types", "only_cross_attention",
              "block_out_channels", "layers_per_block", "downsample_padding", "mid_block_scale_factor",
              "act_fn", "norm_num_groups", "norm_eps", "cross_attention_dim", "attention_head_dim",
              "num_attention_heads", "use_linear_projection", "class_embed_type", "num_class_embeds",
              "upcast_attention", "resnet_time_scale_shift", "projection_class_embeddings_input_dim",
              "mid_block_type", "transformer_layers_per_block", "encoder_hid_dim", "encoder_hid_dim_type",
              "addition_embed_type", "addition_time_embed_dim")


def controlnet_config(unet_config) -> dict:
    """The config of a ControlNet for this UNet: single files carry none, and a ControlNet
    mirrors the encoder half of the UNet of its family."""
    return {key: unet_config[key] for key in _FROM_UNET if key in unet_config}


def load_controlnet(entry, unet_config, device: str, dtype: torch.dtype):
    """A ControlNetModel from a diffusers folder or a single .safetensors file (diffusers or
    original `control_model.*` layout). A file whose tensors do not fit the model's family
    is refused with FAILED_PRECONDITION naming it."""
    from diffusers import ControlNetModel

    path = Path(entry.path)
    try:
        if path.is_dir():
            controlnet = ControlNetModel.from_pretrained(str(path), torch_dtype=dtype, local_files_only=True,
                                                         use_safetensors=True)
        else:
            controlnet = _from_single_file(path, controlnet_config(unet_config), dtype)
    except FailedPrecondition:
        raise
    except Exception as e:  # noqa: BLE001 - a broken or unexpected file: say which and why, keep serving
        log.exception("loading ControlNet %s failed", path)
        reason = (str(e).strip().splitlines() or [""])[0][:300]
        raise FailedPrecondition(f"ControlNet '{entry.id}' could not be loaded: {type(e).__name__}: {reason}") from e
    return controlnet.to(device).eval()  # already in `dtype`


def _from_single_file(path: Path, config: dict, dtype: torch.dtype):
    from accelerate import init_empty_weights
    from diffusers import ControlNetModel
    from diffusers.loaders.single_file_utils import convert_controlnet_checkpoint
    from safetensors.torch import load_file

    state = load_file(str(path))
    if any(k.startswith("control_model.") or k.startswith("input_hint_block.") for k in state):
        state = convert_controlnet_checkpoint(state, config)
    with init_empty_weights():
        controlnet = ControlNetModel.from_config(config)
    expected = controlnet.state_dict()
    missing = sorted(set(expected) - set(state))
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or wrong:
        detail = f"{len(missing)} tensors missing (e.g. {missing[0]})" if missing else \
                 f"{len(wrong)} tensors of another size (e.g. {wrong[0]})"
        raise FailedPrecondition(f"ControlNet '{path.stem}' does not fit this model's UNet: {detail}; it may "
                                 "be a reduced ('small'/'mid') or differently shaped ControlNet, which needs "
                                 "its diffusers folder with config.json")
    controlnet.load_state_dict({k: v.to(dtype) for k, v in state.items() if k in expected}, assign=True)
    return controlnet


def _models_for(model, entries, on_activity):
    """The loaded ControlNets for `entries`, in order; the model keeps exactly these afterwards."""
    held: dict = getattr(model, "controlnets", None) or {}
    unet_config = model.txt2img.unet.config
    keep = {}
    for entry in entries:
        key = (str(entry.path), entry.id)
        if key in keep:
            continue
        if key not in held:
            if on_activity:
                on_activity("loading_controlnet", f"loading ControlNet {entry.id}", entry.id)
            held[key] = load_controlnet(entry, unet_config, model.device, model.dtype)
        keep[key] = held[key]
    model.controlnets = keep  # ControlNets no job uses now are let go
    return [keep[(str(e.path), e.id)] for e in entries]


def _control_image(use):
    """A PIL image, or for an inpaint ControlNet with a mask a tensor whose masked pixels are -1
    (what those ControlNets were trained to read as "fill this"; a PIL image cannot hold it)."""
    if use.masked is None:
        return Image.fromarray(use.image)
    pixels = torch.from_numpy(use.image).float() / 255.0
    pixels[torch.from_numpy(use.masked)] = -1.0
    return pixels.permute(2, 0, 1).unsqueeze(0)


def job_pipeline(model, mode: str, **components):
    """A pipeline of `mode` for one job around the model's own components (no weights copied);
    `components` add or replace some (controlnet=...)."""
    from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting, AutoPipelineForText2Image

    auto = {"txt2img": AutoPipelineForText2Image, "img2img": AutoPipelineForImage2Image,
            "inpaint": AutoPipelineForInpainting}[mode]
    pipe = auto.from_pipe(model.txt2img, **components)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def controlnet_pipeline(model, mode: str, uses, on_activity=None):
    """(pipeline, extra call arguments) for a generation with `uses` (jobs.control_checks.ControlUse,
    strength > 0, images already at the generation size)."""
    from diffusers.models.controlnets.multicontrolnet import MultiControlNetModel

    networks = _models_for(model, [u.entry for u in uses], on_activity)
    controlnet = networks[0] if len(networks) == 1 else MultiControlNetModel(networks)
    pipe = job_pipeline(model, mode, controlnet=controlnet)
    images = [_control_image(u) for u in uses]
    single = len(uses) == 1
    extra = {
        "controlnet_conditioning_scale": uses[0].strength if single else [u.strength for u in uses],
        "control_guidance_start": uses[0].start if single else [u.start for u in uses],
        "control_guidance_end": uses[0].end if single else [u.end for u in uses],
        # txt2img pipelines take the control image as `image`; img2img/inpaint as `control_image`
        ("image" if mode == "txt2img" else "control_image"): images[0] if single else images,
    }
    return pipe, extra
