"""Seamless tiling: make every convolution of the UNet and VAE wrap around the image edges.

nn.Conv2d reads `padding_mode` on each forward call, so switching it is instant and can be
done per job. Circular padding makes the whole network shift-equivariant on a torus, which is
what makes the output tile.
"""

from __future__ import annotations

import torch


def _modules(pipe_or_model) -> list[torch.nn.Module]:
    """The networks to patch: a LoadedModel (its shared pipeline components), a pipeline
    (unet + vae, and its ControlNets when it has some) or a bare torch module."""
    if isinstance(pipe_or_model, torch.nn.Module):
        return [pipe_or_model]
    pipe = getattr(pipe_or_model, "txt2img", pipe_or_model)  # LoadedModel -> its pipeline
    found = [getattr(pipe, name, None) for name in ("unet", "vae", "controlnet")]
    found = [m for m in found if isinstance(m, torch.nn.Module)]
    if not found:
        raise TypeError(f"set_tiling: {type(pipe_or_model).__name__} has no unet or vae")
    return found


def set_tiling(pipe_or_model, enabled: bool) -> None:
    mode = "circular" if enabled else "zeros"
    for module in _modules(pipe_or_model):
        for layer in module.modules():
            if isinstance(layer, torch.nn.Conv2d):
                layer.padding_mode = mode


def is_tiling(pipe_or_model) -> bool:
    convs = [m for module in _modules(pipe_or_model) for m in module.modules() if isinstance(m, torch.nn.Conv2d)]
    return bool(convs) and all(c.padding_mode == "circular" for c in convs)
