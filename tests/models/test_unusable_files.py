"""One bad file in the models folder never stops the daemon: it is listed as unusable, with the
reason, and every other model is served."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.daemon.helpers import request, run_job
from tests.models import unusable_cases as cases
from underpaint.errors import FailedPrecondition
from underpaint.models.registry import ModelRegistry
from underpaint.v1 import underpaint_pb2 as pb


@pytest.mark.parametrize("model_id,reason,write", cases.UNUSABLE, ids=[c[0] for c in cases.UNUSABLE])
def test_each_bad_entry_is_unusable_with_its_reason(tmp_path, demo_models_dir, model_id, reason, write):
    write(tmp_path, demo_models_dir)
    registry = ModelRegistry(tmp_path)
    assert registry.scan() == []
    assert [u.id for u in registry.unusable] == [model_id]
    assert reason in registry.unusable[0].reason
    with pytest.raises(FailedPrecondition, match=f"model '{model_id}' cannot be used: "):
        registry.get(model_id)


def test_not_models_are_neither_served_nor_unusable(tmp_path):
    names = cases.write_not_models(tmp_path)
    registry = ModelRegistry(tmp_path)
    assert registry.scan() == [] and registry.unusable == []
    assert sorted(p.name for p in registry.other_files) == names


def test_truncated_pickle_is_unusable_when_pickles_are_allowed(tmp_path):
    torch.save({"state_dict": cases.whole_checkpoint("sd15")}, tmp_path / "cut.ckpt")
    (tmp_path / "cut.ckpt").write_bytes((tmp_path / "cut.ckpt").read_bytes()[:-200])
    registry = ModelRegistry(tmp_path, allow_pickle=True)
    assert registry.scan() == []
    [item] = registry.unusable
    assert item.id == "cut" and item.reason.startswith("cannot read this checkpoint: ")


def test_the_scan_survives_what_nobody_foresaw(tmp_path, monkeypatch):
    """An unexpected exception in a reader makes that file unusable, not the daemon dead."""
    from underpaint.models import registry as registry_module

    cases.raw_safetensors(tmp_path / "odd.safetensors", {})

    def explode(path):
        raise KeyError("something new")

    monkeypatch.setattr(registry_module, "read_safetensors", explode)
    registry = ModelRegistry(tmp_path)
    assert registry.scan() == []
    assert registry.unusable[0].reason == "could not be read (KeyError: 'something new')"


@pytest.fixture(scope="module")
def messy_daemon(demo_models_dir, tmp_path_factory):
    from underpaint.testing import DaemonProcess

    root = tmp_path_factory.mktemp("messy-models")
    served = cases.write_all(root, demo_models_dir)
    process = DaemonProcess(root, tmp_path_factory.mktemp("messy-home")).start()
    yield process, served
    process.stop()


def test_daemon_starts_lists_every_unusable_entry_and_serves_the_rest(messy_daemon):
    from underpaint.client import Client

    process, served = messy_daemon
    with Client(process.grpc) as client:
        assert "unusable_models" in client.info().capabilities
        listing = client.models()
        assert {m.id: (m.native_width, m.native_height) for m in listing.models} == served
        assert {u.id for u in listing.unusable} == {c[0] for c in cases.UNUSABLE}
        reasons = {u.id: u.reason for u in listing.unusable}
        for model_id, reason, _ in cases.UNUSABLE:
            assert reason in reasons[model_id], model_id
        assert all(Path(u.path).parent == process.models_dir for u in listing.unusable)

        # The served ones generate; an unusable one is refused at submit with its reason.
        for model_id in served:
            _, _, results, finished = run_job(client, request(model=model_id, steps=2))
            assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
            assert (results[0].image.width, results[0].image.height) == (64, 64)
        with pytest.raises(Exception, match="failed_precondition: model 'data-cut' cannot be used: truncated"):
            client.submit(request(model="data-cut"))
        assert client.models(rescan=True).unusable == listing.unusable  # a rescan finds the same


def test_cli_prints_the_unusable_entries_with_reasons(messy_daemon):
    process, served = messy_daemon
    out = subprocess.run([sys.executable, "-m", "underpaint.cli.main", "models", "--server", process.grpc],
                         capture_output=True, text=True, env=process.env, timeout=120)
    assert out.returncode == 0, out.stderr
    listed, _, unusable = out.stdout.partition("\nunusable (")
    models = listed.split("\n\n")[0]  # add-on sections (face detectors, upscalers, ...) follow
    assert sorted(line.split()[0] for line in models.splitlines() if line and not line.startswith(" ")) == sorted(served)
    assert unusable.startswith(f"{len(cases.UNUSABLE)}): in the models folder but cannot be used")
    for model_id, reason, _ in cases.UNUSABLE:
        assert f"\n{model_id}  " in unusable and reason in unusable, model_id
