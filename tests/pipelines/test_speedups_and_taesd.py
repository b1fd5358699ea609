"""GPU speed-ups stay off on CPU (results unchanged), the compile warm-up is reported once per
size bucket, and previews go through TAESD when its weights are installed (a random-weight
AutoencoderTiny built here), the linear map otherwise."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from underpaint.pipelines import accel, taesd
from underpaint.pipelines.generate import GenerationSpec, run_generation
from underpaint.pipelines.preview import latents_to_preview, make_preview


def spec(**kw) -> GenerationSpec:
    return GenerationSpec("a lighthouse", "", 64, 64, 2, 1.0, "lcm", **kw)


def test_on_cpu_the_model_is_left_as_it_is(demo_model, monkeypatch):
    monkeypatch.setenv("UNDERPAINT_COMPILE", "1")
    unet = demo_model.txt2img.unet
    accel.prepare_model(demo_model)
    assert demo_model.txt2img.unet is unet  # not compiled on CPU
    activities = []
    run_generation(demo_model, spec(on_activity=lambda *a: activities.append(a)), 1, lambda *_: None)
    assert not [a for a in activities if a[0] == "compiling"]


def test_compile_warm_up_is_reported_once_per_size_bucket(demo_model, monkeypatch):
    """As on a GPU: the device check says CUDA, the compiled UNet is stood in for."""
    monkeypatch.setenv("UNDERPAINT_COMPILE", "1")
    monkeypatch.setattr(accel, "BUCKETS", accel.CompileBuckets())
    monkeypatch.setattr(accel, "is_cuda", lambda model: True)
    activities = []

    def run(width, height):
        run_generation(demo_model, dataclasses.replace(spec(), width=width, height=height,
                                                       on_activity=lambda *a: activities.append(a)), 1, lambda *_: None)

    for size in [(64, 64), (64, 64), (64, 128), (64, 64), (64, 128)]:
        run(*size)
    compiling = [a for a in activities if a[0] == "compiling"]
    assert [c[1] for c in compiling] == ["compiling the UNet for 64x64 (once per size)",
                                        "compiling the UNet for 64x128 (once per size)"]


@pytest.fixture
def installed_taesd(tmp_path):
    from diffusers import AutoencoderTiny

    torch.manual_seed(0)
    tiny = AutoencoderTiny()  # TAESD's published shape, random weights
    tiny.save_pretrained(tmp_path / "vae-approx" / "taesd")
    taesd.configure(tmp_path / "vae-approx")
    yield tiny.eval()
    taesd.configure(None)


def test_previews_use_taesd_when_installed(installed_taesd):
    latents = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(1))
    preview = make_preview(latents, "sd15", 48)
    with torch.no_grad():
        decoded = installed_taesd.decode(latents).sample
    expected = torch.nn.functional.interpolate(decoded, size=(48, 48), mode="bilinear", align_corners=False,
                                               antialias=True)
    expected = ((expected.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)[0].permute(1, 2, 0).numpy()
    assert preview.shape == (48, 48, 4) and np.array_equal(preview[..., :3], expected)
    assert not np.array_equal(preview, latents_to_preview(latents, "sd15", 48))
    assert np.array_equal(make_preview(latents, "sdxl", 48), latents_to_preview(latents, "sdxl", 48))  # no taesdxl


def test_without_taesd_previews_are_linear():
    taesd.configure(None)
    latents = torch.randn(1, 4, 8, 8)
    assert np.array_equal(make_preview(latents, "sd15", 32), latents_to_preview(latents, "sd15", 32))


def test_generation_previews_come_from_taesd(demo_model, installed_taesd):
    previews = []
    run_generation(demo_model, spec(preview_max_size=32), 1, lambda d, t, p: previews.append(p))
    assert len(previews) == 2 and previews[0].shape == (32, 32, 4)
    taesd.configure(None)
    linear = []
    run_generation(demo_model, spec(preview_max_size=32), 1, lambda d, t, p: linear.append(p))
    assert not np.array_equal(previews[0], linear[0])
