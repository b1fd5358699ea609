from __future__ import annotations

import os

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread_on_small_machines():
    """On a 2-core machine shared with other test runs, torch's spinning worker threads make
    tiny models 10-40x slower; one thread each is faster for everybody."""
    if (os.cpu_count() or 1) <= 4:
        torch.set_num_threads(1)
    yield
