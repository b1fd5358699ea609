"""Upscale fixtures: the demo ESRGAN (random weights, RealESRGAN's layout) and a daemon whose
models folder holds the demo diffusion model and that ESRGAN."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def upscale_models_dir(tmp_path_factory) -> Path:
    from underpaint.finishing.upscale_demo import write_demo_esrgan
    from underpaint.models.demo import write_demo_model

    folder = tmp_path_factory.mktemp("upscale-models")
    write_demo_model(folder)
    write_demo_esrgan(folder)
    return folder


@pytest.fixture(scope="session")
def upscale_daemon(upscale_models_dir, tmp_path_factory):
    from underpaint.testing import DaemonProcess

    from ..conftest import RunningDaemon

    process = DaemonProcess(upscale_models_dir, tmp_path_factory.mktemp("upscale-home")).start()
    yield RunningDaemon(process)
    process.stop()


@pytest.fixture
def upscale_client(upscale_daemon):
    from underpaint.client import Client

    with Client(upscale_daemon.grpc) as client:
        yield client


@pytest.fixture(scope="session")
def demo_esrgan(upscale_models_dir):
    """The demo ESRGAN loaded through the daemon's own code path (spandrel descriptor, CPU)."""
    from underpaint.finishing.upscale_models import UpscalerModels

    models = UpscalerModels(upscale_models_dir).scan()
    return models.load(models.entries[0], "cpu")


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """A real photograph (scikit-image's coffee cup), 60x80: smooth areas and edges."""
    from PIL import Image
    from skimage import data

    return np.asarray(Image.fromarray(data.coffee()).resize((80, 60), Image.LANCZOS))
