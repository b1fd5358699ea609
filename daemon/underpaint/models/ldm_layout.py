"""Diffusers -> original (CompVis / A1111) single-file key layout for SD-1.x-style pipelines.

Diffusers ships only the other direction (original -> diffusers, used when loading). The demo
model is written in the original layout so the single-file loading path is exercised exactly as
it is for a checkpoint downloaded from a model site.
"""

from __future__ import annotations

import torch

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
TEXT_PREFIX = "cond_stage_model.transformer."

_UNET_FIXED = {
    "time_embedding.linear_1": "time_embed.0",
    "time_embedding.linear_2": "time_embed.2",
    "add_embedding.linear_1": "label_emb.0.0",
    "add_embedding.linear_2": "label_emb.0.2",
    "conv_in": "input_blocks.0.0",
    "conv_norm_out": "out.0",
    "conv_out": "out.2",
}
_UNET_RESNET = {
    "norm1": "in_layers.0",
    "conv1": "in_layers.2",
    "norm2": "out_layers.0",
    "conv2": "out_layers.3",
    "time_emb_proj": "emb_layers.1",
    "conv_shortcut": "skip_connection",
}
_VAE_FIXED = {
    "conv_in": "conv_in",
    "conv_out": "conv_out",
    "conv_norm_out": "norm_out",
}
_VAE_ATTENTION = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}


def _rename_first(name: str, table: dict[str, str]) -> str:
    for old, new in table.items():
        if name.startswith(old + "."):
            return new + name[len(old) :]
    raise KeyError(f"no original-layout name for '{name}'")


def _block_layer(parts: list[str], prefix: str, index: int) -> str:
    """down/up_blocks.b.{resnets|attentions}.l.rest -> PREFIX.index.{0|1}.rest (LDM numbering)."""
    kind, rest = parts[2], ".".join(parts[4:])
    if kind == "resnets":
        return f"{prefix}.{index}.0.{_rename_first(rest, _UNET_RESNET)}"
    return f"{prefix}.{index}.1.{rest}"


def unet_to_ldm(state: dict[str, torch.Tensor], layers_per_block: int) -> dict[str, torch.Tensor]:
    """UNet2DConditionModel state dict -> `model.diffusion_model.*` keys."""
    per_block = layers_per_block + 1  # resnets of an up block; down blocks add a downsampler slot
    up_has_attention = {k.split(".")[1] for k in state if k.startswith("up_blocks.") and ".attentions." in k}
    out = {}
    for key, value in state.items():
        parts = key.split(".")
        if parts[0] == "down_blocks":
            block, kind = int(parts[1]), parts[2]
            if kind == "downsamplers":  # down_blocks.b.downsamplers.0.conv.weight
                new = f"input_blocks.{1 + block * per_block + layers_per_block}.0.op.{parts[-1]}"
            else:
                new = _block_layer(parts, "input_blocks", 1 + block * per_block + int(parts[3]))
        elif parts[0] == "up_blocks":
            block, kind = int(parts[1]), parts[2]
            if kind == "upsamplers":  # after the attention when the block has one
                slot = 2 if parts[1] in up_has_attention else 1
                new = f"output_blocks.{block * per_block + layers_per_block}.{slot}.conv.{parts[-1]}"
            else:
                new = _block_layer(parts, "output_blocks", block * per_block + int(parts[3]))
        elif parts[0] == "mid_block":
            index = int(parts[2])
            rest = ".".join(parts[3:])
            if parts[1] == "resnets":
                new = f"middle_block.{2 * index}.{_rename_first(rest, _UNET_RESNET)}"
            else:
                new = f"middle_block.1.{rest}"
        else:
            new = _rename_first(key, _UNET_FIXED)
        out[UNET_PREFIX + new] = value
    return out


def _vae_resnet(rest: str) -> str:
    return rest.replace("conv_shortcut", "nin_shortcut")


def vae_to_ldm(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """AutoencoderKL state dict -> `first_stage_model.*` keys (attention as 1x1 convs)."""
    up_count = 1 + max(int(k.split(".")[2]) for k in state if k.startswith("decoder.up_blocks."))
    out = {}
    for key, value in state.items():
        parts = key.split(".")
        side = parts[0]
        if side in ("quant_conv", "post_quant_conv"):
            new = key
        elif parts[1] in ("down_blocks", "up_blocks"):
            block = int(parts[2])
            ldm_block = block if parts[1] == "down_blocks" else up_count - 1 - block
            where = "down" if parts[1] == "down_blocks" else "up"
            if parts[3] == "resnets":
                new = f"{side}.{where}.{ldm_block}.block.{parts[4]}.{_vae_resnet('.'.join(parts[5:]))}"
            else:  # downsamplers.0.conv.* / upsamplers.0.conv.*
                sampler = "downsample" if where == "down" else "upsample"
                new = f"{side}.{where}.{ldm_block}.{sampler}.conv.{parts[-1]}"
        elif parts[1] == "mid_block":
            rest = ".".join(parts[4:])
            if parts[2] == "resnets":
                new = f"{side}.mid.block_{int(parts[3]) + 1}.{_vae_resnet(rest)}"
            else:
                new = f"{side}.mid.attn_1.{_rename_first(rest, _VAE_ATTENTION)}"
                if value.ndim == 2:  # linear -> 1x1 conv, as the original checkpoints store them
                    value = value[:, :, None, None]
        else:
            new = f"{side}.{_rename_first('.'.join(parts[1:]), _VAE_FIXED)}"
        out[VAE_PREFIX + new] = value
    return out


def text_encoder_to_ldm(state: dict[str, torch.Tensor], prefix: str = TEXT_PREFIX) -> dict[str, torch.Tensor]:
    """CLIPTextModel state dict -> `cond_stage_model.transformer.text_model.*` keys.

    transformers >= 5.6 flattened CLIPTextModel (no `text_model.` level); the original layout
    keeps it, so it is put back here."""
    out = {}
    for key, value in state.items():
        if key.endswith("position_ids"):
            continue
        inner = key if key.startswith("text_model.") else "text_model." + key
        out[prefix + inner] = value
    return out


SDXL_TEXT_PREFIX = "conditioner.embedders.0.transformer."
SDXL_OPEN_CLIP_PREFIX = "conditioner.embedders.1.model."
_OPEN_CLIP_FIXED = {
    "text_model.embeddings.token_embedding.weight": "token_embedding.weight",
    "text_model.embeddings.position_embedding.weight": "positional_embedding",
    "text_model.final_layer_norm.weight": "ln_final.weight",
    "text_model.final_layer_norm.bias": "ln_final.bias",
}
_OPEN_CLIP_LAYER = {
    "self_attn.out_proj": "attn.out_proj",
    "layer_norm1": "ln_1",
    "layer_norm2": "ln_2",
    "mlp.fc1": "mlp.c_fc",
    "mlp.fc2": "mlp.c_proj",
}


def open_clip_to_ldm(state: dict[str, torch.Tensor], prefix: str = SDXL_OPEN_CLIP_PREFIX) -> dict[str, torch.Tensor]:
    """CLIPTextModelWithProjection state dict -> OpenCLIP layout (SDXL's second text encoder):
    q/k/v fused into one in_proj, the projection stored transposed."""
    out = {}
    fused: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in state.items():
        if key.endswith("position_ids"):
            continue
        if key in _OPEN_CLIP_FIXED:
            out[prefix + _OPEN_CLIP_FIXED[key]] = value
        elif key == "text_projection.weight":
            out[prefix + "text_projection"] = value.T.contiguous()
        else:  # text_model.encoder.layers.N.<rest>
            parts = key.split(".")
            layer, rest = parts[3], ".".join(parts[4:])
            base = f"{prefix}transformer.resblocks.{layer}."
            if rest.startswith(("self_attn.q_proj.", "self_attn.k_proj.", "self_attn.v_proj.")):
                kind = rest.rsplit(".", 1)[1]  # weight | bias
                fused.setdefault(f"{base}attn.in_proj_{kind}", {})[rest[10]] = value
            else:
                out[base + _rename_first(rest, _OPEN_CLIP_LAYER)] = value
    for name, parts in fused.items():
        out[name] = torch.cat([parts["q"], parts["k"], parts["v"]], dim=0)
    return out


CONTROLNET_PREFIX = "control_model."


def controlnet_to_ldm(state: dict[str, torch.Tensor], layers_per_block: int) -> dict[str, torch.Tensor]:
    """ControlNetModel state dict -> the `cldm` layout lllyasviel's SD 1.5 files use
    (`control_model.*`): the UNet encoder half as in a checkpoint, then the hint encoder
    (`input_hint_block`: conv, SiLU, conv, ... so every other index), the zero convolutions
    after each input block (`zero_convs.N.0`) and after the middle block (`middle_block_out.0`)."""
    encoder, out = {}, {}
    hint_blocks = {k.split(".")[2] for k in state if k.startswith("controlnet_cond_embedding.blocks.")}
    for key, value in state.items():
        parts = key.split(".")
        if parts[0] == "controlnet_cond_embedding":
            if parts[1] == "conv_in":
                index = 0
            elif parts[1] == "blocks":
                index = 2 * (int(parts[2]) + 1)
            else:  # conv_out
                index = 2 * (len(hint_blocks) + 1)
            out[f"input_hint_block.{index}.{parts[-1]}"] = value
        elif parts[0] == "controlnet_down_blocks":
            out[f"zero_convs.{parts[1]}.0.{parts[2]}"] = value
        elif parts[0] == "controlnet_mid_block":
            out[f"middle_block_out.0.{parts[1]}"] = value
        else:
            encoder[key] = value
    out.update({k.removeprefix(UNET_PREFIX): v for k, v in unet_to_ldm(encoder, layers_per_block).items()})
    return {CONTROLNET_PREFIX + k: v for k, v in out.items()}
