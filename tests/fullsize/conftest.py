"""Full-size checkpoints, written once per test session into the session's temporary folder.

The SD 1.5 and SDXL files are sparse (zeros cost neither time nor disk); the SD 2.x file is a
pickle, as Stability published SD 2.x, and is written for real (2.6 GB).
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import torch

from tests.fullsize import original_layout as layout

SD2_V_MARKER = "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.norm1.bias"


def _write_sd15(path: Path) -> Path:
    return layout.write_zero_safetensors(path, layout.sd15_shapes())


def _write_sd2_v(path: Path) -> Path:
    """SD 2.x 768-v: v-prediction training leaves this bias spread out (std 0.2 here); the rest
    is zeros."""
    marker = torch.tensor([0.2, -0.2] * 160, dtype=torch.float16)
    layout.write_zero_pickle(path, layout.sd2_shapes(), {SD2_V_MARKER: marker})
    gc.collect()  # 2.6 GB of zeros: gone before a daemon loads anything
    return path


def _write_sdxl(path: Path) -> Path:
    return layout.write_zero_safetensors(path, layout.sdxl_shapes())


WRITERS = {"sd15.safetensors": _write_sd15, "sd2-768-v.ckpt": _write_sd2_v, "sdxl.safetensors": _write_sdxl}


@pytest.fixture(scope="session")
def fullsize_checkpoint(tmp_path_factory):
    """fullsize_checkpoint(file_name) -> a models folder holding only that full-size checkpoint."""
    cache = tmp_path_factory.mktemp("fullsize-checkpoints")

    def get(name: str) -> Path:
        source = cache / name
        if not source.exists():
            WRITERS[name](source)
        folder = cache / f"models-{Path(name).stem}"
        if not folder.exists():
            folder.mkdir()
            (folder / name).symlink_to(source)
        return folder

    return get
