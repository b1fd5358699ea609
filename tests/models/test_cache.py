"""The pipeline cache: load once, least recently used out under a memory budget."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
import torch

from underpaint.models import demo
from underpaint.models.cache import PipelineCache
from underpaint.models.loader import load_model
from underpaint.models.registry import ModelRegistry


@pytest.fixture(scope="module")
def three_entries(demo_models_dir: Path, tmp_path_factory):
    """The two demo forms plus a third demo (another seed) in its own folder."""
    other = tmp_path_factory.mktemp("other-models")
    demo.write_demo_model(other, seed=7)
    (other / demo.DEMO_FILE_NAME).unlink()
    (other / demo.DEMO_FOLDER_NAME).rename(other / "third")
    registry = ModelRegistry(demo_models_dir)
    registry.scan()
    third = ModelRegistry(other)
    third.scan()
    return registry.get("underpaint-demo"), registry.get("underpaint-demo-single"), third.get("third")


class CountingLoader:
    def __init__(self):
        self.loads: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, entry, device, dtype, allow_pickle=False, progress=None):
        with self._lock:
            self.loads.append(entry.id)
        return load_model(entry, device, dtype, allow_pickle=allow_pickle, progress=progress)


def test_lru_eviction_within_budget(three_entries):
    a, b, c = three_entries
    loader = CountingLoader()
    probe = PipelineCache("cpu", torch.float32, budget_bytes=10**12, loader=loader)
    size = probe.get(a).size_bytes
    assert size > 0

    cache = PipelineCache("cpu", torch.float32, budget_bytes=int(size * 2.5), loader=loader)
    loader.loads.clear()
    model_a = cache.get(a)
    cache.get(b)
    assert cache.loaded_ids() == ["underpaint-demo", "underpaint-demo-single"]
    assert cache.get(a) is model_a  # a hit: no reload, and a becomes most recent
    assert cache.loaded_ids() == ["underpaint-demo-single", "underpaint-demo"]
    cache.get(c)  # room for two only: b, the least recently used, goes
    assert cache.loaded_ids() == ["underpaint-demo", "third"]
    assert loader.loads == ["underpaint-demo", "underpaint-demo-single", "third"]
    assert cache.used_bytes() <= cache.budget_bytes


def test_tiny_budget_keeps_only_the_model_in_use(three_entries):
    a, b, _ = three_entries
    cache = PipelineCache("cpu", torch.float32, budget_bytes=1)
    assert cache.get(a).entry.id == "underpaint-demo"
    assert cache.loaded_ids() == ["underpaint-demo"]
    cache.get(b)
    assert cache.loaded_ids() == ["underpaint-demo-single"]
    assert cache.unload("underpaint-demo-single") and cache.loaded_ids() == []


def test_concurrent_gets_load_once(three_entries):
    a, _, _ = three_entries
    loader = CountingLoader()
    cache = PipelineCache("cpu", torch.float32, budget_bytes=10**12, loader=loader)
    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(a))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert loader.loads == ["underpaint-demo"]
    assert all(r is results[0] for r in results)


def test_model_hash_is_short_sha256_of_the_weights(three_entries):
    a, b, _ = three_entries
    cache = PipelineCache("cpu", torch.float32, budget_bytes=10**12)
    file_hash = hashlib.sha256(b.path.read_bytes()).hexdigest()[:10]
    unet_file = a.path / "unet" / "diffusion_pytorch_model.safetensors"
    unet_hash = hashlib.sha256(unet_file.read_bytes()).hexdigest()[:10]
    assert cache.get(b).model_hash == file_hash
    assert cache.get(a).model_hash == unet_hash
    assert file_hash != unet_hash


def test_default_budget_follows_device_memory():
    import psutil

    cache = PipelineCache("cpu", torch.float32)
    assert 0 < cache.budget_bytes <= psutil.virtual_memory().total
