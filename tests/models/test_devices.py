"""Device choice and memory figures."""

from __future__ import annotations

import psutil
import pytest
import torch

from underpaint import devices


def test_pick_device_matches_what_torch_can_use(monkeypatch):
    monkeypatch.delenv("UNDERPAINT_DEVICE", raising=False)
    device = devices.pick_device()
    if torch.cuda.is_available():
        assert device == "cuda"
    elif torch.backends.mps.is_available():
        assert device == "mps"
    else:
        assert device == "cpu"


def test_device_override(monkeypatch):
    monkeypatch.setenv("UNDERPAINT_DEVICE", "cpu")
    assert devices.pick_device() == "cpu"


def test_dtypes():
    assert devices.pick_dtype("cpu") == torch.float32
    assert devices.pick_dtype("cuda") == torch.float16
    assert devices.pick_dtype("cuda:1") == torch.float16


def test_cpu_memory_and_name():
    total, free = devices.memory_info("cpu")
    assert total == psutil.virtual_memory().total
    assert 0 < free <= total
    assert devices.device_name("cpu").startswith("CPU (")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none on this machine)")
def test_cuda_memory_and_name():
    total, free = devices.memory_info("cuda")
    assert 0 < free <= total
    assert devices.device_name("cuda") == torch.cuda.get_device_name(0)
