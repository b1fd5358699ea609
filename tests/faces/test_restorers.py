"""Face restorers: found by their tensor names, loaded from the layouts people download, run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from underpaint.errors import FailedPrecondition, NotFound
from underpaint.finishing import face_models as fm
from underpaint.finishing.face_crop import alignment, warp_face
from underpaint.finishing.face_models import FaceModels
from underpaint.finishing.faces_detect import Face


def _folder(root, name="face_restorers"):
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_gfpgan_v14_pth_full_size_restores_the_astronauts_face(tmp_path, gfpgan_state, astronaut):
    # GFPGANv1.4.pth as published: a pickle holding {"params_ema": state_dict}.
    torch.save({"params_ema": {k: v.half() for k, v in gfpgan_state.items()}},
               _folder(tmp_path) / "GFPGANv1.4.pth")
    refused = FaceModels(tmp_path).scan()
    assert refused.restorers == [] and "--allow-pickle" in refused.unusable[0][2]
    models = FaceModels(tmp_path, allow_pickle=True).scan()
    entry = models.restorer("")
    assert (entry.id, entry.family, entry.is_demo) == ("GFPGANv1.4", "GFPGAN", False)
    restorer = models.load_restorer(entry, "cpu")
    assert models.load_restorer(entry, "cpu") is restorer  # kept warm
    crop = warp_face(astronaut, alignment(Face(177, 67, 93, 93, 0.99), 512), 512)
    first = restorer.restore(crop)
    assert first.shape == (512, 512, 3) and first.dtype == np.uint8
    assert np.abs(first.astype(int) - crop.astype(int)).mean() > 10  # random weights: a different face
    # The stored StyleGAN noise, not fresh noise: the same face restores the same way again.
    assert np.array_equal(restorer.restore(crop), first)


def test_restoreformer_is_found_and_runs(tmp_path):
    from spandrel.architectures.RestoreFormer import RestoreFormer

    torch.manual_seed(0)
    net = RestoreFormer(n_embed=64, embed_dim=64, ch=32, ch_mult=(1, 2, 2, 4, 4, 8), z_channels=64)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()},
              str(_folder(tmp_path) / "RestoreFormerPlusPlus.safetensors"))
    models = FaceModels(tmp_path).scan()
    entry = models.restorer("RestoreFormerPlusPlus")
    assert entry.family == "RestoreFormer" and entry.license == ""
    face = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    out = models.load_restorer(entry, "cpu").restore(face)
    assert out.shape == face.shape and not np.array_equal(out, face)


@pytest.mark.slow
def test_codeformer_is_non_commercial_and_its_fidelity_weight_acts(tmp_path, monkeypatch):
    from spandrel_extra_arches.architectures.CodeFormer import CodeFormer

    torch.manual_seed(0)
    # Encoder and decoder at their fixed full size; a small transformer (read from the shapes).
    net = CodeFormer(dim_embd=64, n_head=8, n_layers=1, codebook_size=64, latent_size=256,
                     connect_list=["32", "64", "128", "256"], fix_modules=["quantize", "generator"])
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(_folder(tmp_path) / "codeformer.safetensors"))
    models = FaceModels(tmp_path).scan()
    entry = models.restorer("codeformer")
    assert entry.family == "CodeFormer" and entry.license == "non-commercial"
    restorer = models.load_restorer(entry, "cpu")
    face = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    assert not np.array_equal(restorer.restore(face, fidelity=0.0), restorer.restore(face, fidelity=1.0))

    # Without the optional package it is listed as unusable, saying how to opt in.
    monkeypatch.setattr(fm, "codeformer_available", lambda: False)
    without = FaceModels(tmp_path).scan()
    assert without.restorers == []
    assert "underpaint[codeformer]" in without.unusable[0][2]
    with pytest.raises(FailedPrecondition, match="restore_faces.model: 'codeformer' cannot be used"):
        without.restorer("codeformer")


def test_what_the_folders_hold_is_listed_or_explained(tmp_path, face_restorers_cache):
    restorers = _folder(tmp_path)
    (restorers / "gfpgan-demo.safetensors").symlink_to(face_restorers_cache / "gfpgan-demo.safetensors")
    save_file({"weight": torch.zeros(4)}, str(restorers / "not-a-face.safetensors"))
    (restorers / "README.txt").write_text("notes")
    detectors = _folder(tmp_path, "detectors")
    (detectors / "face_detection_yunet_2023mar.onnx").write_bytes(b"onnx")
    (detectors / "notes.xml").write_text("<x/>")
    models = FaceModels(tmp_path).scan()
    demo = models.restorer("")
    assert demo.id == "gfpgan-demo" and demo.is_demo and "random weights" in demo.description
    assert [e.id for e in models.detector_entries()] == ["face_detection_yunet_2023mar", "haar-frontalface"]
    reasons = {i: r for i, _, r in models.unusable}
    assert set(reasons) == {"not-a-face", "notes"}  # README is not worth a line
    assert "GFPGAN, RestoreFormer, CodeFormer" in reasons["not-a-face"]
    with pytest.raises(NotFound, match="finishing\\[0\\].restore_faces.model: face restorer 'nope' is not installed; "
                                       "installed: gfpgan-demo"):
        models.restorer("nope", "finishing[0].restore_faces.model")
    with pytest.raises(NotFound, match="detector: face detector 'nope' is not installed"):
        models.detector("nope")


def test_no_restorer_installed_says_where_to_put_one(tmp_path):
    with pytest.raises(FailedPrecondition, match="no face restorer is installed; put GFPGANv1.4 .* into "
                                                 + str(tmp_path / "face_restorers")):
        FaceModels(tmp_path).scan().restorer("")
