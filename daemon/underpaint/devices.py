"""Which torch device and dtype the daemon computes on, and how much memory it has.

UNDERPAINT_DEVICE=cpu|cuda|cuda:1|mps overrides the automatic choice (useful to keep a GPU free
or to test the CPU path on a GPU machine).
"""

from __future__ import annotations

import os
import platform

import psutil
import torch


def pick_device() -> str:
    """"cuda" when an NVIDIA/ROCm GPU is usable, else "mps" on Apple silicon, else "cpu"."""
    override = os.environ.get("UNDERPAINT_DEVICE", "").strip()
    if override:
        return override
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(device: str) -> torch.dtype:
    """Half precision on GPUs (the standard for SD; SDXL's VAE upcasts itself where needed),
    float32 on CPU, where half is slow and bfloat16 costs accuracy for little speed."""
    kind = torch.device(device).type
    wanted = os.environ.get("UNDERPAINT_DTYPE", "").strip().lower()
    if wanted and kind != "cpu":  # bf16 suits cards where fp16 overflows (SDXL VAE); fp32 for debugging
        return {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}.get(wanted, torch.float16)
    if kind == "cuda":
        return torch.float16
    if kind == "mps":
        return torch.float16
    return torch.float32


def device_name(device: str) -> str:
    """Human-readable name, e.g. "NVIDIA H100 80GB HBM3" or "CPU (x86_64, 2 cores)"."""
    dev = torch.device(device)
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    if dev.type == "mps":
        return f"Apple GPU (MPS, {platform.machine()})"
    cores = psutil.cpu_count(logical=True) or os.cpu_count() or 1
    return f"CPU ({platform.machine() or 'unknown'}, {cores} cores)"


def memory_info(device: str) -> tuple[int, int]:
    """(total_bytes, free_bytes) of the memory the models live in: VRAM on CUDA, RAM otherwise
    (MPS shares system RAM)."""
    dev = torch.device(device)
    if dev.type == "cuda":
        free, total = torch.cuda.mem_get_info(dev)
        return int(total), int(free)
    memory = psutil.virtual_memory()
    return int(memory.total), int(memory.available)
