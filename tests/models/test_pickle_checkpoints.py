"""`serve --allow-pickle` reaches every part that reads a pickled checkpoint: listed and generated."""

from __future__ import annotations

import pytest
import torch
from safetensors import safe_open

from tests.daemon.helpers import request, run_job
from underpaint.models import demo
from underpaint.v1 import underpaint_pb2 as pb


def write_demo_pickle(source, target) -> None:
    """The demo single file as an old-style torch checkpoint: {"state_dict": ..., metadata...}
    (top-level strings are what a pickle has for metadata)."""
    with safe_open(str(source), framework="pt") as f:
        state = {k: f.get_tensor(k) for k in f.keys()}
        metadata = f.metadata()
    torch.save({"state_dict": state, "global_step": 1, **metadata}, target)


@pytest.fixture(scope="module")
def pickle_models(demo_models_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("pickle-models")
    write_demo_pickle(demo_models_dir / demo.DEMO_FILE_NAME, root / "old-demo.ckpt")
    return root


@pytest.mark.parametrize("allow", [True, False], ids=["with-flag", "without-flag"])
def test_a_listed_ckpt_generates_only_with_allow_pickle(pickle_models, tmp_path, allow):
    from underpaint.client import Client
    from underpaint.testing import DaemonProcess

    process = DaemonProcess(pickle_models, tmp_path, ["--allow-pickle"] if allow else []).start()
    try:
        with Client(process.grpc) as client:
            listing = client.models()
            if not allow:
                assert [u.id for u in listing.unusable] == ["old-demo"]
                assert "--allow-pickle" in listing.unusable[0].reason
                with pytest.raises(Exception, match="failed_precondition: model 'old-demo' cannot be used"):
                    client.submit(request(model="old-demo"))
                return
            assert [(m.id, m.kind) for m in listing.models] == [("old-demo", "single_file")]
            assert listing.unusable == []
            _, events, results, finished = run_job(client, request(model="old-demo", steps=2))
            assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
            assert (results[0].image.width, results[0].image.height) == (64, 64)
            assert any(e.HasField("activity") and e.activity.fraction == 1.0 for e in events)
    finally:
        process.stop()
