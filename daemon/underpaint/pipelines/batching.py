"""A `count` of N as one batch: how many images fit at once, and keeping batched images equal to
the images made one by one.

Each image has its own generator (pipelines/generate.py), so its noise is its seed's alone. What
is left are the numerics: a CPU matrix product or convolution may pick another kernel for another
batch size and round differently. Measured on CPU (torch 2.14): the UNet's convolutions and
attention give the same bits at batch 2 and 2N, but its matrix products on (batch, features)
inputs (the timestep embedding and each ResNet block's projection of it) and the VAE's
convolutions at batch 1 vs N do not. So, during every CPU call, batched or not, those products
run one row at a time and the VAE decodes one image at a time (diffusers' slicing), which makes
image i the same bits whatever batch it is in.
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F

# Rough activation memory per image at 512x512 with CFG, fp16 (SD 1.5 ~0.9 GiB); scaled by pixels
# and element size. Only used to split a count into batches that fit; a wrong guess costs speed,
# and an out-of-memory batch falls back to one by one (jobs/runners/generate.py).
BYTES_PER_IMAGE_512 = 1.2 * 2**30
CPU_MAX_BATCH = 4  # more buys nothing on a CPU and delays the first result


def batch_size_for(device: str, dtype, width: int, height: int, count: int, free_bytes: int | None = None) -> int:
    """How many images of this size to run in one pipeline call."""
    if count <= 1:
        return 1
    if not str(device).startswith("cuda"):
        return min(count, CPU_MAX_BATCH)
    if free_bytes is None:
        free_bytes, _ = torch.cuda.mem_get_info(torch.device(device))
    element = torch.finfo(dtype).bits // 8 if dtype is not None else 2
    per_image = BYTES_PER_IMAGE_512 * (width * height) / (512 * 512) * element / 2
    return max(1, min(count, int(free_bytes * 0.7 // per_image)))


def _row_by_row(linear: torch.nn.Linear):
    def forward(x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.shape[0] == 1:
            return F.linear(x, linear.weight, linear.bias)
        return torch.cat([F.linear(row[None], linear.weight, linear.bias) for row in x])

    return forward


@contextlib.contextmanager
def batch_invariant(pipe):
    """Make every image of a pipeline call independent of its batch on CPU (see the module's
    note). On a GPU nothing changes: row-by-row products would cost speed there, and bit
    equality is promised on CPU only."""
    if pipe.unet.device.type != "cpu":
        yield
        return
    # A module whose forward is already replaced on the instance (an accelerate hook) is left alone.
    linears = [m for m in pipe.unet.modules() if isinstance(m, torch.nn.Linear) and "forward" not in m.__dict__]
    vae = pipe.vae
    slicing = getattr(vae, "use_slicing", False)
    for linear in linears:
        linear.forward = _row_by_row(linear)
    vae.use_slicing = True
    try:
        yield
    finally:
        for linear in linears:
            linear.__dict__.pop("forward", None)
        vae.use_slicing = slicing
