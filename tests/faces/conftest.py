"""Face fixtures: real photos (scikit-image ships them), a random full-size GFPGAN built once per
test run, and a daemon whose models folder holds the demo model and that GFPGAN."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()  # 512x512 RGB; her face is at about (177, 66), 95 px wide


@pytest.fixture(scope="session")
def gfpgan_state():
    """GFPGANv1.4's tensor names and shapes with random values: built once (seconds), shared."""
    from underpaint.finishing.faces_demo import gfpgan_state_dict

    return gfpgan_state_dict(seed=0)


@pytest.fixture(scope="session")
def face_restorers_cache(tmp_path_factory, gfpgan_state) -> Path:
    """A folder holding the demo GFPGAN file (written once per test run, ~174 MB)."""
    from underpaint.finishing.faces_demo import write_demo_gfpgan

    root = tmp_path_factory.mktemp("face-cache")
    write_demo_gfpgan(root, state_dict=gfpgan_state)
    return root / "face_restorers"


@pytest.fixture(scope="session")
def faces_models_dir(tmp_path_factory, face_restorers_cache) -> Path:
    """The demo diffusion model plus face_restorers/ (a link to the cached GFPGAN file)."""
    from underpaint.models.demo import write_demo_model

    folder = tmp_path_factory.mktemp("faces-models")
    write_demo_model(folder)
    (folder / "face_restorers").mkdir()
    for f in face_restorers_cache.iterdir():
        os.symlink(f, folder / "face_restorers" / f.name)
    return folder


@pytest.fixture(scope="session")
def faces_daemon(faces_models_dir, tmp_path_factory):
    from underpaint.testing import DaemonProcess

    from ..conftest import RunningDaemon

    process = DaemonProcess(faces_models_dir, tmp_path_factory.mktemp("faces-home")).start()
    yield RunningDaemon(process)
    process.stop()


@pytest.fixture
def faces_client(faces_daemon):
    from underpaint.client import Client

    with Client(faces_daemon.grpc) as client:
        yield client
