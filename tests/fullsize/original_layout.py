"""Tensor names and shapes of full-size SD 1.5, SD 2.x and SDXL checkpoints in the original
single-file layout (CompVis `ldm` / Stability `sgm`), and writers for such files.

Deliberately independent of `underpaint.models.ldm_layout` (which converts diffusers names) and of
diffusers: the names are generated the way the original code builds its modules —
`openaimodel.UNetModel` (input_blocks / middle_block / output_blocks of ResBlocks, SpatialTransformers,
Downsample/Upsample), `model.Encoder` / `model.Decoder` of the autoencoder, the OpenAI CLIP text model
as transformers names it (SD 1.x, SDXL's first encoder) and the OpenCLIP text tower (SD 2.x, SDXL's
second) — from the hyperparameters of the published inference configs (v1-inference.yaml,
v2-inference-v.yaml, sd_xl_base.yaml).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path

Shapes = dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class UNetSpec:  # openaimodel.UNetModel's arguments
    model_channels: int
    channel_mult: tuple[int, ...]
    num_res_blocks: int
    attention_resolutions: tuple[int, ...]
    transformer_depth: tuple[int, ...]  # per level
    transformer_depth_middle: int
    context_dim: int
    use_linear_in_transformer: bool
    adm_in_channels: int = 0  # SDXL's size/crop conditioning ("sequential" label_emb)


SD15_UNET = UNetSpec(320, (1, 2, 4, 4), 2, (4, 2, 1), (1, 1, 1, 1), 1, 768, False)
SD2_UNET = UNetSpec(320, (1, 2, 4, 4), 2, (4, 2, 1), (1, 1, 1, 1), 1, 1024, True)
SDXL_UNET = UNetSpec(320, (1, 2, 4), 2, (4, 2), (0, 2, 10), 10, 2048, True, adm_in_channels=2816)


def _linear(out: Shapes, name: str, fan_in: int, fan_out: int, bias: bool = True) -> None:
    out[f"{name}.weight"] = (fan_out, fan_in)
    if bias:
        out[f"{name}.bias"] = (fan_out,)


def _conv(out: Shapes, name: str, cin: int, cout: int, k: int) -> None:
    out[f"{name}.weight"] = (cout, cin, k, k)
    out[f"{name}.bias"] = (cout,)


def _norm(out: Shapes, name: str, channels: int) -> None:
    out[f"{name}.weight"] = (channels,)
    out[f"{name}.bias"] = (channels,)


def _res_block(out: Shapes, name: str, cin: int, cout: int, emb: int) -> None:
    _norm(out, f"{name}.in_layers.0", cin)
    _conv(out, f"{name}.in_layers.2", cin, cout, 3)
    _linear(out, f"{name}.emb_layers.1", emb, cout)
    _norm(out, f"{name}.out_layers.0", cout)
    _conv(out, f"{name}.out_layers.3", cout, cout, 3)
    if cin != cout:
        _conv(out, f"{name}.skip_connection", cin, cout, 1)


def _spatial_transformer(out: Shapes, name: str, ch: int, depth: int, context: int, linear: bool) -> None:
    _norm(out, f"{name}.norm", ch)
    for proj in ("proj_in", "proj_out"):
        if linear:
            _linear(out, f"{name}.{proj}", ch, ch)
        else:
            _conv(out, f"{name}.{proj}", ch, ch, 1)
    for d in range(depth):
        block = f"{name}.transformer_blocks.{d}"
        for attn, kv_dim in (("attn1", ch), ("attn2", context)):
            _linear(out, f"{block}.{attn}.to_q", ch, ch, bias=False)
            _linear(out, f"{block}.{attn}.to_k", kv_dim, ch, bias=False)
            _linear(out, f"{block}.{attn}.to_v", kv_dim, ch, bias=False)
            _linear(out, f"{block}.{attn}.to_out.0", ch, ch)
        _linear(out, f"{block}.ff.net.0.proj", ch, ch * 4 * 2)  # GEGLU: value and gate
        _linear(out, f"{block}.ff.net.2", ch * 4, ch)
        for n in (1, 2, 3):
            _norm(out, f"{block}.norm{n}", ch)


def unet_shapes(spec: UNetSpec, prefix: str = "model.diffusion_model.") -> Shapes:
    out: Shapes = {}
    mc, emb = spec.model_channels, spec.model_channels * 4
    _linear(out, "time_embed.0", mc, emb)
    _linear(out, "time_embed.2", emb, emb)
    if spec.adm_in_channels:
        _linear(out, "label_emb.0.0", spec.adm_in_channels, emb)
        _linear(out, "label_emb.0.2", emb, emb)
    _conv(out, "input_blocks.0.0", 4, mc, 3)
    ch, ds, index, skip_channels = mc, 1, 1, [mc]

    def attention(name: str, level: int, depth: int | None = None) -> int:
        depth = spec.transformer_depth[level] if depth is None else depth
        if ds in spec.attention_resolutions and depth > 0:
            _spatial_transformer(out, name, ch, depth, spec.context_dim, spec.use_linear_in_transformer)
            return 1
        return 0

    for level, mult in enumerate(spec.channel_mult):
        for _ in range(spec.num_res_blocks):
            _res_block(out, f"input_blocks.{index}.0", ch, mult * mc, emb)
            ch = mult * mc
            attention(f"input_blocks.{index}.1", level)
            skip_channels.append(ch)
            index += 1
        if level != len(spec.channel_mult) - 1:
            _conv(out, f"input_blocks.{index}.0.op", ch, ch, 3)
            skip_channels.append(ch)
            ds *= 2
            index += 1
    _res_block(out, "middle_block.0", ch, ch, emb)
    _spatial_transformer(out, "middle_block.1", ch, spec.transformer_depth_middle, spec.context_dim,
                         spec.use_linear_in_transformer)
    _res_block(out, "middle_block.2", ch, ch, emb)
    index = 0
    for level, mult in reversed(list(enumerate(spec.channel_mult))):
        for i in range(spec.num_res_blocks + 1):
            _res_block(out, f"output_blocks.{index}.0", ch + skip_channels.pop(), mc * mult, emb)
            ch = mc * mult
            layer = 1 + attention(f"output_blocks.{index}.1", level)
            if level and i == spec.num_res_blocks:
                _conv(out, f"output_blocks.{index}.{layer}.conv", ch, ch, 3)
                ds //= 2
            index += 1
    _norm(out, "out.0", mc)
    _conv(out, "out.2", mc, 4, 3)
    return {prefix + k: v for k, v in out.items()}


def _vae_resnet(out: Shapes, name: str, cin: int, cout: int) -> None:
    _norm(out, f"{name}.norm1", cin)
    _conv(out, f"{name}.conv1", cin, cout, 3)
    _norm(out, f"{name}.norm2", cout)
    _conv(out, f"{name}.conv2", cout, cout, 3)
    if cin != cout:
        _conv(out, f"{name}.nin_shortcut", cin, cout, 1)


def _vae_middle(out: Shapes, name: str, ch: int) -> None:
    _vae_resnet(out, f"{name}.block_1", ch, ch)
    _norm(out, f"{name}.attn_1.norm", ch)
    for part in ("q", "k", "v", "proj_out"):  # 1x1 convolutions in the original
        _conv(out, f"{name}.attn_1.{part}", ch, ch, 1)
    _vae_resnet(out, f"{name}.block_2", ch, ch)


def vae_shapes(prefix: str = "first_stage_model.", ch: int = 128, ch_mult=(1, 2, 4, 4), num_res_blocks: int = 2,
               z_channels: int = 4) -> Shapes:
    """ldm.modules.diffusionmodules.model Encoder/Decoder (ddconfig of every SD 1.x/2.x/XL VAE)."""
    out: Shapes = {}
    _conv(out, "encoder.conv_in", 3, ch, 3)
    block_in = ch
    for level, mult in enumerate(ch_mult):
        block_in = ch * ((1,) + tuple(ch_mult))[level]
        for b in range(num_res_blocks):
            _vae_resnet(out, f"encoder.down.{level}.block.{b}", block_in, ch * mult)
            block_in = ch * mult
        if level != len(ch_mult) - 1:
            _conv(out, f"encoder.down.{level}.downsample.conv", block_in, block_in, 3)
    _vae_middle(out, "encoder.mid", block_in)
    _norm(out, "encoder.norm_out", block_in)
    _conv(out, "encoder.conv_out", block_in, 2 * z_channels, 3)
    block_in = ch * ch_mult[-1]
    _conv(out, "decoder.conv_in", z_channels, block_in, 3)
    _vae_middle(out, "decoder.mid", block_in)
    for level in reversed(range(len(ch_mult))):
        for b in range(num_res_blocks + 1):
            _vae_resnet(out, f"decoder.up.{level}.block.{b}", block_in, ch * ch_mult[level])
            block_in = ch * ch_mult[level]
        if level != 0:
            _conv(out, f"decoder.up.{level}.upsample.conv", block_in, block_in, 3)
    _norm(out, "decoder.norm_out", block_in)
    _conv(out, "decoder.conv_out", block_in, 3, 3)
    _conv(out, "quant_conv", 2 * z_channels, 2 * z_channels, 1)
    _conv(out, "post_quant_conv", z_channels, z_channels, 1)
    return {prefix + k: v for k, v in out.items()}


def clip_text_shapes(prefix: str, width: int = 768, layers: int = 12, vocab: int = 49408,
                     positions: int = 77) -> Shapes:
    """OpenAI CLIP ViT-L/14's text model under transformers' names, as SD 1.x files store it
    (`cond_stage_model.transformer.text_model.*`, position_ids included)."""
    out: Shapes = {}
    base = f"{prefix}text_model."
    out[f"{base}embeddings.token_embedding.weight"] = (vocab, width)
    out[f"{base}embeddings.position_embedding.weight"] = (positions, width)
    out[f"{base}embeddings.position_ids"] = (1, positions)
    for i in range(layers):
        layer = f"{base}encoder.layers.{i}"
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            _linear(out, f"{layer}.self_attn.{proj}", width, width)
        _norm(out, f"{layer}.layer_norm1", width)
        _linear(out, f"{layer}.mlp.fc1", width, width * 4)
        _linear(out, f"{layer}.mlp.fc2", width * 4, width)
        _norm(out, f"{layer}.layer_norm2", width)
    _norm(out, f"{base}final_layer_norm", width)
    return out


def open_clip_text_shapes(prefix: str, width: int, layers: int, projection: int, vocab: int = 49408,
                          positions: int = 77) -> Shapes:
    """open_clip's text tower (`transformer.resblocks.N` with fused in_proj), as SD 2.x
    (`cond_stage_model.model.`, ViT-H/14) and SDXL (`conditioner.embedders.1.model.`, bigG) store it."""
    out: Shapes = {f"{prefix}positional_embedding": (positions, width),
                   f"{prefix}token_embedding.weight": (vocab, width)}
    for i in range(layers):
        block = f"{prefix}transformer.resblocks.{i}"
        _norm(out, f"{block}.ln_1", width)
        out[f"{block}.attn.in_proj_weight"] = (3 * width, width)
        out[f"{block}.attn.in_proj_bias"] = (3 * width,)
        _linear(out, f"{block}.attn.out_proj", width, width)
        _norm(out, f"{block}.ln_2", width)
        _linear(out, f"{block}.mlp.c_fc", width, 4 * width)
        _linear(out, f"{block}.mlp.c_proj", 4 * width, width)
    _norm(out, f"{prefix}ln_final", width)
    out[f"{prefix}text_projection"] = (width, projection)
    out[f"{prefix}logit_scale"] = ()
    return out


def sd15_shapes() -> Shapes:
    return {**unet_shapes(SD15_UNET), **vae_shapes(), **clip_text_shapes("cond_stage_model.transformer.")}


def sd2_shapes() -> Shapes:
    return {**unet_shapes(SD2_UNET), **vae_shapes(),
            **open_clip_text_shapes("cond_stage_model.model.", width=1024, layers=24, projection=1024)}


def sdxl_shapes() -> Shapes:
    return {**unet_shapes(SDXL_UNET), **vae_shapes(),
            **clip_text_shapes("conditioner.embedders.0.transformer."),
            **open_clip_text_shapes("conditioner.embedders.1.model.", width=1280, layers=32, projection=1280)}


def parameter_count(shapes: Shapes, prefix: str = "") -> int:
    return sum(math.prod(s) for k, s in shapes.items() if k.startswith(prefix) and not k.endswith("position_ids"))


def write_zero_safetensors(path: Path, shapes: Shapes, values: dict[str, bytes] | None = None,
                           metadata: dict[str, str] | None = None) -> Path:
    """A .safetensors file with every tensor in fp16 (position_ids int64, 0..76) and all zeros but
    `values` (raw little-endian bytes per name). The zeros are a sparse region: the file has its
    full size, but writing it costs no time and no disk."""
    values = dict(values or {})
    header, offset = {}, 0
    for name, shape in shapes.items():
        dtype, size = ("I64", 8) if name.endswith("position_ids") else ("F16", 2)
        if name.endswith("position_ids") and name not in values:
            values[name] = struct.pack(f"<{shape[-1]}q", *range(shape[-1]))
        length = math.prod(shape) * size
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + length]}
        offset += length
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # data starts 8-byte aligned, as safetensors writes it
    start = 8 + len(raw)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
        for name, data in values.items():
            begin, end = header[name]["data_offsets"]
            assert len(data) == end - begin, name
            f.seek(start + begin)
            f.write(data)
        f.truncate(start + offset)
    partial.replace(path)
    return path


def write_zero_pickle(path: Path, shapes: Shapes, values: dict | None = None, **top_level) -> Path:
    """A torch checkpoint {"state_dict": ..., **top_level} as the original training code saved it
    (fp16 zeros, position_ids int64, `values` as given tensors)."""
    import torch

    values = values or {}
    state = {}
    for name, shape in shapes.items():
        if name in values:
            state[name] = values[name]
        elif name.endswith("position_ids"):
            state[name] = torch.arange(shape[-1], dtype=torch.int64).reshape(shape)
        else:
            state[name] = torch.zeros(shape, dtype=torch.float16)
    partial = path.with_name(path.name + ".partial")
    torch.save({"state_dict": state, **top_level}, partial)
    partial.replace(path)
    return path
