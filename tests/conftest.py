"""Shared fixtures: the demo model, and a real daemon process on free loopback ports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_models_dir(tmp_path_factory) -> Path:
    """The tiny random-weights demo model, as a diffusers folder and as one .safetensors file."""
    from underpaint.models.demo import write_demo_model

    folder = tmp_path_factory.mktemp("models")
    write_demo_model(folder)
    return folder


@pytest.fixture
def demo_registry(demo_models_dir, tmp_path):
    """A ModelRegistry over a private copy of the demo model in tmp_path (a test may write its
    sidecar, tmp_path / "underpaint-demo" / "underpaint.json", without touching other tests)."""
    import shutil

    from underpaint.models.registry import ModelRegistry

    shutil.copytree(demo_models_dir / "underpaint-demo", tmp_path / "underpaint-demo")
    registry = ModelRegistry(tmp_path)
    registry.scan()
    return registry


class RunningDaemon:
    def __init__(self, process):
        self.process = process
        self.grpc = process.grpc
        self.http = process.http
        self.config_dir = process.config_dir
        self.data_dir = process.data_dir
        self.models_dir = process.models_dir
        # For child processes (plugins, CLI): they find this daemon through its daemon.json.
        self.env = dict(process.env)

    def log(self) -> str:
        return self.process.log()


@pytest.fixture(scope="session")
def daemon(demo_models_dir, tmp_path_factory):
    from underpaint.testing import DaemonProcess

    process = DaemonProcess(demo_models_dir, tmp_path_factory.mktemp("daemon-home")).start()
    yield RunningDaemon(process)
    process.stop()


@pytest.fixture
def grpc_client(daemon):
    from underpaint.client import Client

    with Client(daemon.grpc) as client:
        yield client


@pytest.fixture(scope="session")
def tls_daemon(demo_models_dir, tmp_path_factory):
    """A daemon beyond loopback with a self-signed certificate (`serve --host 0.0.0.0 --tls`):
    clients need TLS and the token. Its daemon.json carries the fingerprint to pin."""
    from underpaint.testing import DaemonProcess

    process = DaemonProcess(demo_models_dir, tmp_path_factory.mktemp("tls-home"),
                            ["--host", "0.0.0.0", "--tls"]).start()
    yield RunningDaemon(process)
    process.stop()


def pytest_terminal_summary(terminalreporter):
    """Where the UI screenshots of this run are, so a person can look at them."""
    from tests.screenshots import SAVED

    if SAVED:
        terminalreporter.section("screenshots to look at")
        for folder in SAVED:
            terminalreporter.write_line(f"{folder}: {', '.join(sorted(p.name for p in folder.glob('*.png')))}")
