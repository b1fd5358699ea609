"""The committed Python stubs are what protos/ generates today."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_generated_stubs_match_the_protos(tmp_path):
    plugin = Path(sys.executable).parent / "protoc-gen-connectrpc"
    if not plugin.exists():
        pytest.skip("protoc-gen-connectrpc is not installed (pip install -e '.[dev]')")
    subprocess.run([str(REPO / "scripts" / "gen-protos"), str(tmp_path)], check=True,
                   env=dict(os.environ, PYTHON=sys.executable))
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.py*"))
    assert generated, "nothing generated"
    for rel in generated:
        committed = REPO / "daemon" / rel
        assert committed.exists(), f"{rel} is generated but not committed: run scripts/gen-protos"
        assert committed.read_text() == (tmp_path / rel).read_text(), f"{rel} is stale: run scripts/gen-protos"
