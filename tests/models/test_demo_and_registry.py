"""The demo model on disk, and what the registry makes of a models folder."""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib import resources
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from underpaint.errors import FailedPrecondition, NotFound
from underpaint.models import demo
from underpaint.models.registry import ModelRegistry
from underpaint.models.single_file import read_safetensors_header

NOISE_TEXT = "random weights: output is noise; for testing"


def test_demo_writes_both_forms(demo_models_dir: Path):
    folder = demo_models_dir / demo.DEMO_FOLDER_NAME
    single = demo_models_dir / demo.DEMO_FILE_NAME
    for part in ("model_index.json", "unet/diffusion_pytorch_model.safetensors", "vae/config.json",
                 "text_encoder/model.safetensors", "tokenizer/vocab.json", "scheduler/scheduler_config.json"):
        assert (folder / part).is_file(), part
    marker = json.loads((folder / demo.MARKER_FILE).read_text())
    assert marker["demo"] is True and NOISE_TEXT in marker["description"]
    assert json.loads((folder / "model_index.json").read_text())["safety_checker"] == [None, None]
    tokenizer = json.loads((folder / "tokenizer" / "tokenizer_config.json").read_text())
    assert tokenizer["model_max_length"] == 77
    assert len(json.loads((folder / "tokenizer" / "vocab.json").read_text())) == 514
    vae = json.loads((folder / "vae" / "config.json").read_text())
    assert len(vae["block_out_channels"]) == 4  # factor 8

    keys, metadata = read_safetensors_header(single)
    assert metadata[demo.META_DEMO] == "true" and NOISE_TEXT in metadata[demo.META_DESCRIPTION]
    prefixes = {k.split(".")[0] for k in keys}
    assert prefixes == {"model", "first_stage_model", "cond_stage_model"}
    assert any(k.startswith("model.diffusion_model.input_blocks.1.1.") for k in keys)  # original layout
    assert any(k.startswith("cond_stage_model.transformer.text_model.") for k in keys)
    assert not any("down_blocks" in k for k in keys)


def _tensor_digest(path: Path) -> str:
    """Digest of the tensors only (safetensors writes its metadata map in no fixed order)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(load_file(str(path)).items()):
        digest.update(name.encode())
        digest.update(tensor.numpy().tobytes())
    return digest.hexdigest()


def test_demo_is_deterministic_per_seed(tmp_path: Path):
    _, a = demo.write_demo_model(tmp_path / "a", seed=3)
    _, b = demo.write_demo_model(tmp_path / "b", seed=3)
    _, c = demo.write_demo_model(tmp_path / "c", seed=4)
    assert _tensor_digest(a) == _tensor_digest(b)
    assert _tensor_digest(a) != _tensor_digest(c)
    assert not list((tmp_path / "a").glob("*.partial"))  # no leftovers from the atomic write


def test_registry_finds_both_demo_forms(demo_models_dir: Path):
    registry = ModelRegistry(demo_models_dir)
    entries = {e.id: e for e in registry.scan()}
    assert set(entries) == {"underpaint-demo", "underpaint-demo-single"}
    assert entries["underpaint-demo"].kind == "diffusers"
    assert entries["underpaint-demo-single"].kind == "single_file"
    for entry in entries.values():
        assert entry.architecture == "sd15"
        assert (entry.native_width, entry.native_height) == (64, 64)
        assert entry.is_demo and entry.size_multiple == 8
        assert NOISE_TEXT in entry.description
    assert registry.default_id == "underpaint-demo"  # only demos: the first demo
    assert registry.get("underpaint-demo-single").path.name == demo.DEMO_FILE_NAME


FAMILY_PREFIXES = {
    "sd15": ["cond_stage_model.transformer.text_model.a."],
    "sd2": ["cond_stage_model.model.a."],
    "sdxl": ["conditioner.embedders.0.transformer.a.", "conditioner.embedders.1.model.a."],
}


def _fake_checkpoint(path: Path, family: str | list[str]) -> Path:
    """A .safetensors whose tensor names look like a whole checkpoint of `family` (the header is
    all the registry reads), or with just the given name prefixes."""
    prefixes = FAMILY_PREFIXES[family] if isinstance(family, str) else family
    tensors = {f"{p}weight": torch.zeros(1) for p in prefixes}
    if isinstance(family, str):
        tensors["model.diffusion_model.input_blocks.0.0.weight"] = torch.zeros(8, 4, 3, 3)
        tensors["first_stage_model.decoder.conv_in.weight"] = torch.zeros(1)
    save_file(tensors, str(path))
    return path


def _fake_folder(path: Path, architecture: str) -> Path:
    """A diffusers folder built from the packaged configs, with a token weights file."""
    source = resources.files("underpaint.models").joinpath("configs", architecture)
    with resources.as_file(source) as configs:
        shutil.copytree(configs, path)
    save_file({"x": torch.zeros(1)}, str(path / "unet" / "diffusion_pytorch_model.safetensors"))
    return path


def test_registry_detects_architectures_and_skips_non_checkpoints(tmp_path: Path):
    _fake_checkpoint(tmp_path / "v15.safetensors", "sd15")
    _fake_checkpoint(tmp_path / "v2.safetensors", "sd2")
    sub = tmp_path / "Stable-diffusion" / "xl"
    sub.mkdir(parents=True)
    _fake_checkpoint(sub / "xl.safetensors", "sdxl")
    _fake_checkpoint(tmp_path / "a-lora.safetensors", ["lora_unet_down_blocks_0.", "lora_te_text_model."])
    (tmp_path / "broken.safetensors").write_bytes(b"\xff" * 20)
    _fake_folder(tmp_path / "folder-sd15", "sd15")
    _fake_folder(tmp_path / "folder-sdxl", "sdxl")
    _fake_folder(tmp_path / "folder-sd2", "sd2")

    registry = ModelRegistry(tmp_path)
    found = {e.id: e for e in registry.scan()}
    assert set(found) == {"v15", "v2", "xl", "folder-sd15", "folder-sdxl", "folder-sd2"}
    assert {k: (e.architecture, e.native_width) for k, e in found.items()} == {
        "v15": ("sd15", 512), "v2": ("sd2", 512), "xl": ("sdxl", 1024),  # v2: no v-prediction sign
        "folder-sd15": ("sd15", 512), "folder-sdxl": ("sdxl", 1024), "folder-sd2": ("sd2", 768),
    }
    assert not any(e.is_demo for e in found.values())
    assert registry.default_id == "folder-sd15"  # first non-demo in sorted order
    assert [(u.id, u.reason.split(":")[0]) for u in registry.unusable] == [("broken", "its header claims 18,446,744,073,709,551,615 bytes")]
    assert [p.name for p in registry.other_files] == ["a-lora.safetensors"]  # an add-on, not a model


def test_default_prefers_a_real_model_over_the_demo(tmp_path: Path, demo_models_dir: Path):
    shutil.copytree(demo_models_dir / demo.DEMO_FOLDER_NAME, tmp_path / demo.DEMO_FOLDER_NAME)
    _fake_checkpoint(tmp_path / "zz-real.safetensors", "sd15")
    registry = ModelRegistry(tmp_path)
    registry.scan()
    assert registry.default_id == "zz-real"


def _fake_pickle(path: Path) -> Path:
    torch.save({"state_dict": {"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(8, 4, 3, 3),
                               "first_stage_model.decoder.conv_in.weight": torch.zeros(1),
                               "cond_stage_model.transformer.text_model.a.weight": torch.zeros(1)}}, path)
    return path


def test_pickle_checkpoints_need_the_opt_in(tmp_path: Path):
    _fake_pickle(tmp_path / "old.ckpt")
    refusing = ModelRegistry(tmp_path)
    assert refusing.scan() == []
    [refused] = refusing.unusable
    assert refused.id == "old" and "--allow-pickle" in refused.reason
    with pytest.raises(FailedPrecondition, match="--allow-pickle"):
        refusing.get("old")

    allowing = ModelRegistry(tmp_path, allow_pickle=True)
    [entry] = allowing.scan()
    assert (entry.id, entry.kind, entry.architecture) == ("old", "single_file", "sd15")
    assert allowing.unusable == []


def test_unknown_model_is_not_found_and_lists_installed(demo_models_dir: Path):
    registry = ModelRegistry(demo_models_dir)
    registry.scan()
    with pytest.raises(NotFound) as caught:
        registry.get("nope")
    assert "model 'nope' is not installed; installed: underpaint-demo, underpaint-demo-single" == caught.value.message


def test_missing_models_folder_lists_nothing(tmp_path: Path):
    registry = ModelRegistry(tmp_path / "absent")
    assert registry.scan() == [] and registry.default_id == ""


def test_ids_stay_unique_across_subfolders(tmp_path: Path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        _fake_checkpoint(tmp_path / sub / "same.safetensors", "sd15")
    ids = [e.id for e in ModelRegistry(tmp_path).scan()]
    assert sorted(ids) == ["b/same.safetensors", "same"]
