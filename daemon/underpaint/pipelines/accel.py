"""GPU speed-ups, each guarded so that CPU results never change (CPU stays bit-reproducible).

On CUDA: PyTorch's scaled-dot-product attention (diffusers' AttnProcessor2_0, flash/memory-
efficient kernels), channels_last memory for the UNet and VAE, VAE tiling for images above
TILED_VAE_PIXELS (decoding a 2048² image in one piece needs ~10 GB), and, behind the
UNDERPAINT_COMPILE=1 flag, torch.compile of the UNet. A compiled UNet recompiles for every new
input shape, so sizes are grouped in buckets (the latent shape and batch): the first job of a
bucket pays the warm-up and says so with an Activity "compiling"; later jobs of the bucket run
at full speed. Half precision comes from devices.pick_dtype (UNDERPAINT_DTYPE=bf16 to choose).
"""

from __future__ import annotations

import contextlib
import logging
import os

import torch

log = logging.getLogger(__name__)

TILED_VAE_PIXELS = 1536 * 1536


def compile_wanted() -> bool:
    return os.environ.get("UNDERPAINT_COMPILE", "").strip().lower() in ("1", "true", "yes", "on")


def is_cuda(model) -> bool:
    return torch.device(model.device).type == "cuda"


def prepare_model(model) -> None:
    """Once per load: attention kernels and memory layout for the GPU."""
    if not is_cuda(model):
        return
    from diffusers.models.attention_processor import AttnProcessor2_0

    pipe = model.txt2img
    pipe.unet.set_attn_processor(AttnProcessor2_0())
    pipe.unet.to(memory_format=torch.channels_last)
    pipe.vae.to(memory_format=torch.channels_last)
    if compile_wanted():
        pipe.unet = torch.compile(pipe.unet, mode="max-autotune-no-cudagraphs", fullgraph=False)
        for other in (model.img2img, model.inpaint):
            other.unet = pipe.unet
    log.info("model %s: SDPA attention, channels_last%s", model.entry.id, ", compiled UNet" if compile_wanted() else "")


class CompileBuckets:
    """Which (model, latent shape, batch) buckets a compiled UNet has already warmed up for."""

    def __init__(self) -> None:
        self._seen: set[tuple] = set()

    def bucket(self, width: int, height: int, batch: int) -> tuple[int, int, int]:
        return (height // 8, width // 8, batch)

    def first_time(self, model_id: str, width: int, height: int, batch: int = 1) -> bool:
        key = (model_id, *self.bucket(width, height, batch))
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


BUCKETS = CompileBuckets()


@contextlib.contextmanager
def job_speedups(model, width: int, height: int, batch: int = 1, on_activity=None):
    """Around one pipeline call: tiled VAE for large images on CUDA, and the compile warm-up
    reported once per bucket when the UNet is compiled."""
    if not is_cuda(model):
        yield
        return
    if compile_wanted() and BUCKETS.first_time(model.entry.id, width, height, batch) and on_activity:
        on_activity("compiling", f"compiling the UNet for {width}x{height} (once per size)", model.entry.id)
    vae = model.txt2img.vae
    tiled = width * height > TILED_VAE_PIXELS
    if tiled:
        vae.enable_tiling()
    try:
        yield
    finally:
        if tiled:
            vae.disable_tiling()
