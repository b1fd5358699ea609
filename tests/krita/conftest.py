"""Krita plugin fixtures: the plugin built as an artist installs it, and real Krita runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The pure modules (planning, pixel_depth) and the kit, importable in plain pytest.
for folder in (REPO / "plugins" / "krita", REPO / "plugins" / "common"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(scope="session")
def built_krita_plugin(tmp_path_factory) -> Path:
    """The folder holding underpaint_krita.desktop and underpaint_krita/ (with vendor/)."""
    from underpaint.plugins.build import build

    zip_path = build("krita", tmp_path_factory.mktemp("dist"), log=lambda *args: None)
    return zip_path.parent / "krita"
