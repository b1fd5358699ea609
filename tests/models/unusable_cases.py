"""A models folder full of the things users' models folders really hold: broken downloads,
hand-edited headers, other tools' files, models of families this daemon cannot run.

Each case writes real files and names the reason the daemon must give (a fragment of it).
Shared by the registry tests and the real-daemon test.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import torch
from safetensors.torch import save_file

from underpaint.models import demo

FAMILY_TENSORS = {
    "sd15": ["cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"],
    "sd2": ["cond_stage_model.model.token_embedding.weight"],
    "sdxl": ["conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight",
             "conditioner.embedders.1.model.token_embedding.weight"],
    "refiner": ["conditioner.embedders.0.model.token_embedding.weight"],
    "none": [],
}


def whole_checkpoint(family: str, in_channels: int = 4, vae: bool = True) -> dict[str, torch.Tensor]:
    """Tensor names of a whole original-layout checkpoint (shapes only where the scan reads them)."""
    tensors = {name: torch.zeros(1) for name in FAMILY_TENSORS[family]}
    tensors["model.diffusion_model.input_blocks.0.0.weight"] = torch.zeros(8, in_channels, 3, 3)
    if vae:
        tensors["first_stage_model.decoder.conv_in.weight"] = torch.zeros(1)
    return tensors


def raw_safetensors(path: Path, header, data: bytes = b"", length: int | None = None) -> None:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text) if length is None else length) + text + data)


def _tensor(offsets=(0, 4), dtype="F32", shape=(1,)) -> dict:
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


def _folder(root: Path, name: str, demo_models: Path) -> Path:
    """A copy of the demo's diffusers folder, without the demo marker (a plain SD 1.x folder)."""
    target = root / name
    shutil.copytree(demo_models / demo.DEMO_FOLDER_NAME, target)
    (target / demo.MARKER_FILE).unlink()
    return target


def _edit_json(path: Path, **changes) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def _truncated(path: Path) -> None:
    save_file(whole_checkpoint("sd15"), str(path))
    path.write_bytes(path.read_bytes()[:-100])


# (id, what the reason must contain, writer(root, demo_models)) — each is unusable
UNUSABLE = [
    ("header-list", "header is a JSON list, not an object",
     lambda root, d: raw_safetensors(root / "header-list.safetensors", [1, 2, 3])),
    ("metadata-string", "__metadata__ is not a map of names to strings",
     lambda root, d: raw_safetensors(root / "metadata-string.safetensors", {"__metadata__": "sd15", "a": _tensor()},
                                     b"\0" * 4)),
    ("architecture-list", "__metadata__ is not a map of names to strings",
     lambda root, d: raw_safetensors(root / "architecture-list.safetensors",
                                     {"__metadata__": {demo.META_ARCHITECTURE: ["sd15"]}, "a": _tensor()}, b"\0" * 4)),
    ("architecture-unknown", "names architecture 'sd9'",
     lambda root, d: save_file(whole_checkpoint("sd15"), str(root / "architecture-unknown.safetensors"),
                               metadata={demo.META_ARCHITECTURE: "sd9"})),
    ("native-size-odd", "is not WIDTHxHEIGHT",
     lambda root, d: save_file(whole_checkpoint("sd15"), str(root / "native-size-odd.safetensors"),
                               metadata={demo.META_NATIVE_SIZE: "huge"})),
    ("header-not-json", "header is not valid JSON",
     lambda root, d: raw_safetensors(root / "header-not-json.safetensors", b"{nonsense")),
    ("too-short", "only 3 bytes long",
     lambda root, d: (root / "too-short.safetensors").write_bytes(b"abc")),
    ("header-cut", "truncated: the header needs 5,000 bytes",
     lambda root, d: raw_safetensors(root / "header-cut.safetensors", b"{}", length=5000)),
    ("data-cut", "truncated: its tensors need",
     lambda root, d: _truncated(root / "data-cut.safetensors")),
    ("offsets-wrong", "data_offsets do not match its dtype and shape",
     lambda root, d: raw_safetensors(root / "offsets-wrong.safetensors", {"a": _tensor((0, 8))}, b"\0" * 8)),
    ("dtype-unknown", "unknown dtype 'F128'",
     lambda root, d: raw_safetensors(root / "dtype-unknown.safetensors", {"a": _tensor(dtype="F128")}, b"\0" * 4)),
    ("dangling-link", "a link to a file that does not exist",
     lambda root, d: os.symlink(root / "nowhere.safetensors", root / "dangling-link.safetensors")),
    ("named-pipe", "not a regular file",
     lambda root, d: os.mkfifo(root / "named-pipe.safetensors")),
    ("refiner", "an SDXL refiner",
     lambda root, d: save_file(whole_checkpoint("refiner"), str(root / "refiner.safetensors"))),
    ("inpainting", "SD 1.x inpainting checkpoint (9 input channels)",
     lambda root, d: save_file(whole_checkpoint("sd15", in_channels=9), str(root / "inpainting.safetensors"))),
    ("unet-only", "without a text encoder this daemon knows",
     lambda root, d: save_file(whole_checkpoint("none"), str(root / "unet-only.safetensors"))),
    ("no-vae", "no VAE weights",
     lambda root, d: save_file(whole_checkpoint("sd15", vae=False), str(root / "no-vae.safetensors"))),
    ("bad-yaml", "bad-yaml.yaml beside it cannot be read as YAML",
     lambda root, d: (save_file(whole_checkpoint("sd2"), str(root / "bad-yaml.safetensors")),
                      (root / "bad-yaml.yaml").write_text("model: [unclosed"))),
    ("old-pickle", "start the daemon with --allow-pickle",
     lambda root, d: torch.save({"state_dict": whole_checkpoint("sd15")}, root / "old-pickle.ckpt")),
    ("index-broken", "model_index.json is not valid JSON",
     lambda root, d: (_folder(root, "index-broken", d) / "model_index.json").write_text('{"unet": ')),
    ("index-list", "model_index.json holds a JSON list",
     lambda root, d: (_folder(root, "index-list", d) / "model_index.json").write_text("[]")),
    ("flux-folder", "a FluxPipeline pipeline",
     lambda root, d: _flux_folder(root / "flux-folder")),
    ("index-pipe", "model_index.json: not a regular file",
     lambda root, d: _pipe_instead(_folder(root, "index-pipe", d) / "model_index.json")),
    ("no-vae-config", "vae/config.json is missing",
     lambda root, d: (_folder(root, "no-vae-config", d) / "vae" / "config.json").unlink()),
    ("sample-size-text", "sample_size must be a number or [height, width], not 'big'",
     lambda root, d: _edit_json(_folder(root, "sample-size-text", d) / "unet" / "config.json", sample_size="big")),
    ("no-weights", "unet/ holds no weights",
     lambda root, d: (_folder(root, "no-weights", d) / "unet" / "diffusion_pytorch_model.safetensors").unlink()),
]


def _pipe_instead(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _flux_folder(path: Path) -> None:
    (path / "transformer").mkdir(parents=True)
    (path / "model_index.json").write_text(json.dumps(
        {"_class_name": "FluxPipeline", "transformer": ["diffusers", "FluxTransformer2DModel"]}))


def write_served(root: Path, demo_models: Path) -> dict[str, tuple[int, int]]:
    """Models that must still be served beside the broken ones: {id: (native width, height)}."""
    shutil.copy(demo_models / demo.DEMO_FILE_NAME, root / demo.DEMO_FILE_NAME)
    # A [height, width] sample_size is valid in diffusers: a 64 x 96 px model, not a crash.
    wide = _folder(root, "wide-sample-size", demo_models)
    _edit_json(wide / "unet" / "config.json", sample_size=[8, 12])
    return {"underpaint-demo-single": (64, 64), "wide-sample-size": (96, 64)}


def write_not_models(root: Path) -> list[str]:
    """Files that are no models at all (add-ons, notes): neither served nor unusable."""
    save_file({"lora_unet_down_blocks_0_attentions_0.alpha": torch.zeros(1)}, str(root / "a-lora.safetensors"))
    save_file({"encoder.conv_in.weight": torch.zeros(1)}, str(root / "a-vae.safetensors"))
    (root / "notes.txt").write_text("where I got these")
    return ["a-lora.safetensors", "a-vae.safetensors"]


def write_all(root: Path, demo_models: Path) -> dict[str, tuple[int, int]]:
    root.mkdir(parents=True, exist_ok=True)
    for _, _, write in UNUSABLE:
        write(root, demo_models)
    write_not_models(root)
    return write_served(root, demo_models)
