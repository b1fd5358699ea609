"""What the add-on scan makes of the files people put in loras/, embeddings/ and vae/: the
model family each fits, from real key layouts, and a reason for each file it cannot use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from underpaint.errors import InvalidArgument
from underpaint.models import demo
from underpaint.models.addons import AddOnIndex
from underpaint.models.registry import ModelEntry, ModelRegistry
from underpaint.models.sidecar import ModelDefaults, read_defaults

from .addon_files import a1111_pt_embedding, header_lora, kohya_pair, save


def model(id="m", architecture="sd15", is_demo=False, path=Path("/nowhere")) -> ModelEntry:
    return ModelEntry(id, id, architecture, 512, 512, "single_file", is_demo, path, 8, "")


@pytest.fixture
def folder(tmp_path) -> Path:
    loras, emb, vae = tmp_path / "loras", tmp_path / "embeddings", tmp_path / "vae"
    header_lora(loras / "sd15-detail.safetensors", 768)
    header_lora(loras / "sd2-style.safetensors", 1024, te_width=1024)
    header_lora(loras / "xl-ink.safetensors", 2048, te="lora_te1_")
    te_only = kohya_pair("lora_te_text_model_encoder_layers_0_mlp_fc1", 8, 768, 3072)
    save(loras / "te-only.safetensors", te_only)
    peft = {"unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight": torch.zeros(4, 2048),
            "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_B.weight": torch.zeros(640, 4)}
    save(loras / "nested" / "xl-peft.safetensors", peft)
    save(loras / "loha.safetensors", {"lora_unet_x.hada_w1_a": torch.zeros(4, 4), "lora_unet_x.hada_w1_b": torch.zeros(4, 4),
                                      "lora_unet_x.lora_down.weight": torch.zeros(4, 4)})
    save(loras / "flux.safetensors", {"transformer.single_transformer_blocks.0.attn.to_k.lora_A.weight": torch.zeros(4, 3072)})
    (loras / "old.pt").write_bytes(b"not read")

    a1111_pt_embedding(emb / "EasyNeg.pt", torch.randn(3, 768), checkpoint_name="v1-5-pruned")
    save(emb / "sd2-emb.safetensors", {"emb_params": torch.randn(2, 1024)})
    save(emb / "xl-emb.safetensors", {"clip_l": torch.randn(4, 768), "clip_g": torch.randn(4, 1280)})
    save(emb / "learned_embeds.safetensors", {"<cat-toy>": torch.randn(768)})
    save(emb / "odd.safetensors", {"emb_params": torch.randn(2, 500)})

    ldm = {"encoder.down.0.block.0.conv1.weight": torch.zeros(1), "encoder.conv_out.weight": torch.zeros(8, 1)}
    save(vae / "vae-ft-mse-840000.safetensors", ldm)
    save(vae / "sdxl_vae.safetensors", {"encoder.down_blocks.0.resnets.0.conv1.weight": torch.zeros(1),
                                        "encoder.conv_out.weight": torch.zeros(8, 1)})
    save(vae / "flux-ae.safetensors", {"encoder.down.0.block.0.conv1.weight": torch.zeros(1),
                                       "encoder.conv_out.weight": torch.zeros(32, 1)})
    torch.save({"state_dict": {"first_stage_model.encoder.down.0.block.0.conv1.weight": torch.zeros(1),
                               "first_stage_model.encoder.conv_out.weight": torch.zeros(8, 1)}},
               vae / "kl-f8.ckpt")
    return tmp_path


def test_each_file_is_classified_by_its_keys_and_widths(folder):
    index = AddOnIndex(folder)
    found = {(e.type, e.id): e for e in index.scan()}
    arch = {key: e.architecture for key, e in found.items()}
    assert arch == {
        ("lora", "sd15-detail"): "sd15", ("lora", "sd2-style"): "sd2", ("lora", "xl-ink"): "sdxl",
        ("lora", "te-only"): "sd15", ("lora", "xl-peft"): "sdxl",
        ("embedding", "EasyNeg"): "sd15", ("embedding", "sd2-emb"): "sd2", ("embedding", "xl-emb"): "sdxl",
        ("embedding", "learned_embeds"): "sd15",
        ("vae", "vae-ft-mse-840000"): "", ("vae", "sdxl_vae"): "sdxl",
    }
    assert found[("lora", "sd15-detail")].format == "kohya" and found[("lora", "xl-peft")].format == "diffusers"
    assert found[("embedding", "EasyNeg")].vectors == 3
    assert found[("embedding", "EasyNeg")].source_model == "v1-5-pruned"  # from A1111's .pt
    assert found[("embedding", "xl-emb")].widths == {"clip_l": (4, 768), "clip_g": (4, 1280)}
    assert found[("embedding", "learned_embeds")].vectors == 1


def test_unusable_files_are_listed_with_a_reason(folder):
    index = AddOnIndex(folder)
    index.scan()
    reasons = {u.id: u.reason for u in index.unusable}
    assert set(reasons) == {"loha", "flux", "old", "odd", "flux-ae", "kl-f8"}
    assert "LyCORIS" in reasons["loha"]
    assert "transformer" in reasons["flux"]
    assert ".safetensors" in reasons["old"]
    assert "500 wide" in reasons["odd"]
    assert "16 latent channels" in reasons["flux-ae"]
    assert "--allow-pickle" in reasons["kl-f8"]
    index = AddOnIndex(folder, allow_pickle=True)
    index.scan()
    assert index.find("vae", "kl-f8") is not None  # read with weights_only once allowed


def test_a_damaged_file_is_unusable_not_fatal(tmp_path):
    (tmp_path / "loras").mkdir()
    (tmp_path / "loras" / "broken.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00[1, 2, 3]       ")
    (tmp_path / "embeddings").mkdir()
    (tmp_path / "embeddings" / "junk.pt").write_bytes(b"garbage")
    index = AddOnIndex(tmp_path)
    assert index.scan() == []
    assert {u.id for u in index.unusable} == {"broken", "junk"}


def test_fitting_refuses_other_families_and_demo_mixups(folder):
    index = AddOnIndex(folder)
    index.scan()
    sd15, xl = model("base", "sd15"), model("xl", "sdxl")
    assert index.get("lora", "sd15-detail", "loras[0].name", sd15).id == "sd15-detail"
    with pytest.raises(InvalidArgument) as err:
        index.get("lora", "xl-ink", "loras[0].name", sd15)
    assert err.value.field == "loras[0].name"
    assert "'xl-ink' is made for SDXL" in err.value.message and "SD 1.x" in err.value.message
    with pytest.raises(InvalidArgument) as err:
        index.get("lora", "nope", "loras[1].name", sd15)
    assert "no LoRA named 'nope'" in err.value.message and "sd15-detail" in err.value.message
    assert "xl-ink" not in err.value.message  # only what fits this model is offered
    with pytest.raises(InvalidArgument, match="LyCORIS"):
        index.get("lora", "loha", "loras[0].name", sd15)
    # VAEs: SD 2.x uses SD 1.x's; a VAE the name does not place fits any family
    assert index.get("vae", "vae-ft-mse-840000", "vae", xl)
    assert index.get("vae", "sdxl_vae", "vae", xl)
    with pytest.raises(InvalidArgument, match="made for SDXL"):
        index.get("vae", "sdxl_vae", "vae", model("two", "sd2"))
    with pytest.raises(InvalidArgument, match="demo"):
        index.get("lora", "sd15-detail", "loras[0].name", model("d", "sd15", is_demo=True))
    assert index.find("embedding", "easyneg").id == "EasyNeg"  # names are matched without case


def test_a_file_added_later_is_found_without_a_manual_rescan(tmp_path):
    index = AddOnIndex(tmp_path)
    index.scan()
    header_lora(tmp_path / "loras" / "new.safetensors", 768)
    assert index.get("lora", "new", "loras[0].name", model()).id == "new"


def test_same_names_in_subfolders_get_distinct_ids(tmp_path):
    header_lora(tmp_path / "Lora" / "ink.safetensors", 768)  # A1111's folder spelling
    header_lora(tmp_path / "Lora" / "styles" / "ink.safetensors", 768)
    ids = sorted(e.id for e in AddOnIndex(tmp_path).scan())
    assert ids == ["ink", "styles/ink"]


def test_the_model_scan_leaves_add_on_folders_alone(demo_models_dir):
    registry = ModelRegistry(demo_models_dir)
    assert {e.id for e in registry.scan()} == {"underpaint-demo", "underpaint-demo-single"}
    assert (demo_models_dir / "loras" / "underpaint-demo-lora.safetensors").is_file()


def test_demo_add_ons_are_labelled_random(demo_models_dir):
    entries = AddOnIndex(demo_models_dir).scan()
    assert {(e.type, e.id) for e in entries} == {("lora", "underpaint-demo-lora"),
                                                 ("embedding", "underpaint-demo-embedding"),
                                                 ("vae", "underpaint-demo-vae"),
                                                 ("controlnet", "underpaint-demo-controlnet"),
                                                 ("ipadapter", "underpaint-demo-ipadapter")}
    for entry in entries:
        assert entry.is_demo and entry.architecture == "sd15"
        assert "random weights" in entry.description and "random weights" in entry.display_name


# --- sidecar defaults -------------------------------------------------------------------------------

def test_sidecar_defaults_beside_a_file_and_inside_a_folder(tmp_path):
    single = tmp_path / "mymodel.safetensors"
    single.write_bytes(b"")
    (tmp_path / "mymodel.underpaint.json").write_text(json.dumps(
        {"sampler": "dpmpp_2m", "guidance": 5.5, "steps": 30, "clip_skip": 2, "vae": "x", "no_mean_restore": True}))
    got = read_defaults(model(path=single), ["euler", "dpmpp_2m"])
    assert (got.sampler, got.guidance, got.steps, got.clip_skip, got.vae, got.no_mean_restore) == \
        ("dpmpp_2m", 5.5, 30, 2, "x", True)
    folder = tmp_path / "diffusers-model"
    folder.mkdir()
    (folder / "underpaint.json").write_text('{"steps": 12}')
    assert read_defaults(model(path=folder)).steps == 12
    assert read_defaults(model(path=tmp_path / "other.safetensors")) == ModelDefaults()


def test_bad_sidecar_values_are_ignored_one_by_one(tmp_path, caplog):
    single = tmp_path / "m.safetensors"
    (tmp_path / "m.underpaint.json").write_text(json.dumps(
        {"sampler": "warp_drive", "guidance": "high", "steps": 0, "clip_skip": 2, "colour": "blue", "vae": 3}))
    got = read_defaults(model(path=single), ["euler"])
    assert (got.sampler, got.guidance, got.steps, got.clip_skip, got.vae) == ("", 0.0, 0, 2, "")
    assert "warp_drive" in caplog.text and "colour" in caplog.text
    (tmp_path / "m.underpaint.json").write_text("{not json")
    assert read_defaults(model(path=single)) == ModelDefaults()


def test_demo_marker_metadata_names_the_family(tmp_path):
    header_lora(tmp_path / "loras" / "tiny.safetensors", 32, te="",
                metadata={demo.META_DEMO: "true", demo.META_ARCHITECTURE: "sdxl"})
    (entry,) = AddOnIndex(tmp_path).scan()
    assert entry.is_demo and entry.architecture == "sdxl"
