"""Real shapes: a random RealESRGAN_x4plus (64 features, 23 blocks: the published tensor names and
shapes, 67 MB) as the .pth users download, wrapped in params_ema. Listed only with --allow-pickle,
recognised as ESRGAN x4, and tiled equals untiled on it too."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def realesrgan_dir(tmp_path_factory):
    import torch

    from underpaint.finishing.upscale_demo import esrgan_state_dict

    folder = tmp_path_factory.mktemp("realesrgan")
    (folder / "upscalers").mkdir()
    state = esrgan_state_dict(num_filters=64, num_blocks=23)
    assert len(state) == 702 and state["conv_first.weight"].shape == (64, 3, 3, 3)
    assert state["body.22.rdb3.conv5.weight"].shape == (64, 64 + 4 * 32, 3, 3)   # num_grow_ch 32, as published
    torch.save({"params_ema": state}, folder / "upscalers" / "RealESRGAN_x4plus.pth")
    return folder


def test_a_pth_upscaler_needs_allow_pickle(realesrgan_dir):
    from underpaint.finishing.upscale_models import UpscalerModels

    refused = UpscalerModels(realesrgan_dir).scan()
    assert refused.entries == [] and "--allow-pickle" in refused.unusable[0][2]
    allowed = UpscalerModels(realesrgan_dir, allow_pickle=True).scan()
    (entry,) = allowed.entries
    assert (entry.id, entry.architecture, entry.scale, entry.is_demo) == ("RealESRGAN_x4plus", "ESRGAN", 4, False)


def test_full_size_realesrgan_tiled_equals_untiled(realesrgan_dir, photo):
    from underpaint.finishing.upscale_model import network_upscale
    from underpaint.finishing.upscale_models import UpscalerModels

    models = UpscalerModels(realesrgan_dir, allow_pickle=True).scan()
    descriptor = models.load(models.entries[0], "cpu")
    image = np.ascontiguousarray(photo[10:50, :80])  # 80 x 40: two tiles of 40 with 32 px of overlap
    untiled = network_upscale(descriptor, "cpu", image, 320, 160, tile=10_000)
    tiled = network_upscale(descriptor, "cpu", image, 320, 160, tile=104, overlap=32)
    assert np.abs(tiled.astype(int) - untiled).max() <= 1
