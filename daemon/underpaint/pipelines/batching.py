"""A `count` of N as one batch: how many images fit at once, and keeping batched images equal to
the images made one by one.

Each image has its own generator (pipelines/generate.py), so its noise is its seed's alone. What
is left are the numerics: a CPU matrix product or convolution picks other kernels for another
batch size and rounds differently (measured on CPU, torch 2.14: the timestep-embedding products,
and on full-size SD 1.5 the UNet's convolutions too; the VAE's convolutions at batch 1 vs N). So on
CPU, during every call, batched or not, the UNet sees each image's rows alone (its guidance pair,
exactly the batch a single image gives) and the VAE decodes one image at a time (diffusers'
slicing): image i is the same bits whatever batch it is in. On a CPU a larger UNet batch buys
little; the prompt is still encoded once and the schedule run once for the whole batch. On a GPU
the UNet runs the whole batch: that is where batching pays.
"""

from __future__ import annotations

import contextlib

import torch

# Rough activation memory per image at 512x512 with CFG, fp16 (SD 1.5 ~0.9 GiB); scaled by pixels
# and element size. Only used to split a count into batches that fit; a wrong guess costs speed,
# and an out-of-memory batch falls back to smaller ones (jobs/runners/generate.py).
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


def _take(value, rows, batch: int):
    if isinstance(value, torch.Tensor) and value.ndim > 0 and value.shape[0] == batch:
        return value[rows]
    if isinstance(value, dict):
        return {k: _take(v, rows, batch) for k, v in value.items()}
    return value


def _per_image(forward, images: int):
    """unet.forward that runs each image's rows alone: (i, images + i) with guidance, else (i,)."""

    def run(sample, *args, **kwargs):
        batch = sample.shape[0]
        if images <= 1 or batch not in (images, 2 * images):
            return forward(sample, *args, **kwargs)
        pairs = batch == 2 * images
        outputs, order = [], []
        for i in range(images):
            rows = [i, images + i] if pairs else [i]
            result = forward(_take(sample, rows, batch), *[_take(a, rows, batch) for a in args],
                             **{k: _take(v, rows, batch) for k, v in kwargs.items()})
            outputs.append(result[0] if isinstance(result, tuple) else result.sample)
            order += rows
        merged = torch.empty((batch, *outputs[0].shape[1:]), dtype=outputs[0].dtype, device=outputs[0].device)
        merged[order] = torch.cat(outputs)
        if kwargs.get("return_dict", True) is False:
            return (merged,)
        from diffusers.models.unets.unet_2d_condition import UNet2DConditionOutput
        return UNet2DConditionOutput(sample=merged)

    return run


@contextlib.contextmanager
def batch_invariant(pipe, images: int = 1):
    """Make every image of a pipeline call independent of its batch on CPU (see the module's
    note). On a GPU nothing changes: bit equality is promised on CPU only."""
    unet, vae = pipe.unet, pipe.vae
    if unet.device.type != "cpu" or "forward" in unet.__dict__:  # an accelerate hook: leave it alone
        yield
        return
    slicing = getattr(vae, "use_slicing", False)
    unet.forward = _per_image(unet.forward, images)
    vae.use_slicing = True
    try:
        yield
    finally:
        unet.__dict__.pop("forward", None)
        vae.use_slicing = slicing
