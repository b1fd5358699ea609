"""Weighted prompt text -> the text encoder output diffusers takes as prompt_embeds.

Each 75-token chunk (chunks.py) is encoded on its own and the results are concatenated, so
SD 1.x/2.x read 77·n tokens; SDXL does this with both encoders (outputs side by side) and takes
its pooled embedding from the first chunk of the second encoder, as A1111 does.

Weights A1111's way (sd_emphasis "Original"): multiply each token's output by its weight,
then rescale the chunk so its mean is what it was before; `mean_restore=False` skips the rescale
("No norm", better for SDXL). A weight of -1 flips a token before the rescale, 0 silences it.

clip_skip (A1111's meaning, 1 = last layer): SD 1.x/2.x read hidden layer -clip_skip through the
final layer norm (1 = the plain output, bit for bit what diffusers computes); SDXL reads layer
-(clip_skip + 1) without it (1 = the penultimate layer, diffusers' default).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import InvalidArgument
from .chunks import padded, tokenize_fragments


@dataclass
class Encoded:
    embeds: torch.Tensor           # (1, 77 * chunks, width)
    pooled: torch.Tensor | None    # (1, width_2) for SDXL


def encoder_pairs(pipe) -> list[tuple[object, object]]:
    """(tokenizer, text encoder) pairs of a pipeline, in the order their outputs are joined."""
    pairs = [(pipe.tokenizer, pipe.text_encoder)]
    if getattr(pipe, "text_encoder_2", None) is not None:
        pairs.append((pipe.tokenizer_2, pipe.text_encoder_2))
    return [(t, e) for t, e in pairs if t is not None and e is not None]


def encode(pipe, fragments, *, clip_skip: int = 1, mean_restore: bool = True, is_sdxl: bool = False) -> Encoded:
    pairs = encoder_pairs(pipe)
    per_encoder = [tokenize_fragments(tokenizer, fragments) for tokenizer, _ in pairs]
    count = max(len(c) for c in per_encoder)
    outputs, pooled = [], None
    for (tokenizer, encoder), chunks in zip(pairs, per_encoder):
        chunks = chunks + [type(chunks[0])() for _ in range(count - len(chunks))]
        rows = [padded(c, tokenizer) for c in chunks]
        ids = torch.tensor([r[0] for r in rows], device=encoder.device)
        weights = torch.tensor([r[1] for r in rows], dtype=torch.float32, device=encoder.device)
        hidden, pooled_out = _run(encoder, ids, clip_skip, is_sdxl)
        outputs.append(apply_weights(hidden, weights, mean_restore).reshape(1, -1, hidden.shape[-1]))
        if pooled_out is not None:
            pooled = pooled_out[:1]
    return Encoded(torch.cat(outputs, dim=-1), pooled if is_sdxl else None)


@torch.no_grad()
def _run(encoder, ids: torch.Tensor, clip_skip: int, is_sdxl: bool):
    layers = encoder.config.num_hidden_layers
    skip = max(clip_skip, 1)
    if skip > layers - (1 if is_sdxl else 0):
        raise InvalidArgument("clip_skip", f"{clip_skip} is more than this model's text encoder has "
                              f"layers for; allowed 1 to {layers - (1 if is_sdxl else 0)}")
    if not is_sdxl and skip == 1:
        out = encoder(ids)
        return out[0], None
    out = encoder(ids, output_hidden_states=True)
    pooled = out[0] if out[0].ndim == 2 else None  # CLIPTextModelWithProjection: text_embeds
    if is_sdxl:
        return out.hidden_states[-(skip + 1)], pooled
    return _final_layer_norm(encoder)(out.hidden_states[-skip]), pooled


def _final_layer_norm(encoder):
    # transformers 5 keeps it on the model itself; 4.x under .text_model
    return getattr(encoder, "final_layer_norm", None) or encoder.text_model.final_layer_norm


def apply_weights(z: torch.Tensor, weights: torch.Tensor, mean_restore: bool) -> torch.Tensor:
    """z: (chunks, 77, width), weights: (chunks, 77). Each chunk rescaled to its own mean."""
    dtype = z.dtype
    z = z.float()
    weighted = z * weights.unsqueeze(-1)
    if mean_restore:
        original = z.mean(dim=(1, 2), keepdim=True)
        new = weighted.mean(dim=(1, 2), keepdim=True)
        weighted = weighted * torch.where(new != 0, original / new, torch.ones_like(new))
    return weighted.to(dtype)
