from __future__ import annotations

import os

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread_on_small_machines():
    """Tiny models on a shared 2-core machine run faster with one torch thread each."""
    if (os.cpu_count() or 1) <= 4:
        torch.set_num_threads(1)
    yield
