"""Host-kit fixtures: the kit importable in-process and a built vendor folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KIT_PARENT = REPO / "plugins" / "common"
if str(KIT_PARENT) not in sys.path:
    sys.path.insert(0, str(KIT_PARENT))


@pytest.fixture(scope="session")
def kit_vendor(tmp_path_factory) -> Path:
    """A vendor folder (kit + pure-Python protobuf + stubs) as a plugin build makes it."""
    from underpaint.plugins.vendor import make_vendor

    return make_vendor(tmp_path_factory.mktemp("kit") / "vendor", log=lambda *a: None)
