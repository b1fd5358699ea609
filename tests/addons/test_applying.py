"""Add-ons on a loaded model: LoRAs switched on and off bit-exactly and cached, embeddings as
added tokens from every file layout, VAEs from every layout, and nothing left behind."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from underpaint.models import ldm_layout
from underpaint.models.addons import AddOnIndex, AddonPlan, LoraUse
from underpaint.models.demo_addons import EMBEDDING_NAME, LORA_NAME, VAE_NAME, kohya_lora_state
from underpaint.models.encoders import plan_embedding
from underpaint.models.loader import load_model
from underpaint.models.registry import ModelRegistry
from underpaint.pipelines import embeddings as emb
from underpaint.pipelines.addons import prepare_addons, state_of
from underpaint.pipelines.generate import GenerationSpec, run_generation
from underpaint.pipelines.vae_swap import load_vae

from .addon_files import a1111_pt_embedding, save


@pytest.fixture(scope="module")
def setup(demo_models_dir):
    registry = ModelRegistry(demo_models_dir)
    registry.scan()
    entry = registry.get("underpaint-demo")
    index = AddOnIndex(demo_models_dir)
    index.scan()
    return registry, entry, index


@pytest.fixture
def fresh(setup):
    """A freshly loaded demo model (add-on state is per loaded model)."""
    return load_model(setup[1], "cpu", torch.float32)


def spec(prompt="a lighthouse", **kw) -> GenerationSpec:
    return GenerationSpec(prompt, "", 64, 64, 3, 7.0, "euler", **kw)


def image(model, **kw) -> np.ndarray:
    return run_generation(model, spec(**kw), 11, lambda *a: None)


def second_lora(tmp_path, model, seed=3):
    gen = torch.Generator().manual_seed(seed)
    state = kohya_lora_state(model.txt2img.unet, model.txt2img.text_encoder, 4, gen)
    path = save(tmp_path / "loras" / "second.safetensors", state, {"underpaint.demo": "true", "underpaint.architecture": "sd15"})
    index = AddOnIndex(tmp_path)
    index.scan()
    return index.find("lora", "second")


def test_lora_changes_the_image_and_switching_off_restores_it_bit_for_bit(setup, fresh, tmp_path):
    _, _, index = setup
    lora = index.find("lora", LORA_NAME)
    base = image(fresh)
    full = image(fresh, addons=AddonPlan(loras=[LoraUse(lora, 1.0, "loras[0]")]))
    half = image(fresh, addons=AddonPlan(loras=[LoraUse(lora, 0.5, "loras[0]")]))
    assert not np.array_equal(base, full) and not np.array_equal(half, full)
    assert np.array_equal(image(fresh), base)  # the LoRA is off after its job
    other = second_lora(tmp_path, fresh)
    both = image(fresh, addons=AddonPlan(loras=[LoraUse(lora, 1.0, "a"), LoraUse(other, -0.7, "b")]))
    assert not np.array_equal(both, full)
    assert np.array_equal(image(fresh, addons=AddonPlan(loras=[LoraUse(lora, 1.0, "a")])), full)
    assert np.array_equal(image(fresh, addons=AddonPlan(loras=[LoraUse(lora, 0.0, "a")])), base)
    assert np.array_equal(image(fresh), base)


def test_loaded_adapters_are_reused_not_reloaded(setup, fresh):
    lora = setup[2].find("lora", LORA_NAME)
    plan = AddonPlan(loras=[LoraUse(lora, 1.0, "loras[0]")])
    for weight in (1.0, 0.3, 1.0):
        plan.loras[0].weight = weight
        image(fresh, addons=plan)
    assert state_of(fresh).loras.loads == 1
    assert list(fresh.txt2img.get_list_adapters()["unet"]) == ["lora1"]


def test_a_failing_job_leaves_no_lora_on(setup, fresh):
    lora = setup[2].find("lora", LORA_NAME)
    base = image(fresh)

    def stop(*_):
        raise RuntimeError("cancelled mid-way")

    with pytest.raises(RuntimeError):
        run_generation(fresh, spec(addons=AddonPlan(loras=[LoraUse(lora, 1.0, "l")])), 11, stop)
    assert np.array_equal(image(fresh), base)


def test_a_lora_that_matches_no_layer_is_refused_and_leaves_nothing(setup, fresh, tmp_path):
    path = save(tmp_path / "loras" / "alien.safetensors",
                {"lora_unet_nothing_here.lora_down.weight": torch.zeros(4, 8),
                 "lora_unet_nothing_here.lora_up.weight": torch.zeros(8, 4)},
                {"underpaint.demo": "true", "underpaint.architecture": "sd15"})
    index = AddOnIndex(tmp_path)
    index.scan()
    from underpaint.errors import FailedPrecondition

    with pytest.raises(FailedPrecondition, match="alien"):
        image(fresh, addons=AddonPlan(loras=[LoraUse(index.find("lora", "alien"), 1.0, "l")]))
    assert path.is_file() and not state_of(fresh).loras.adapters


# --- embeddings -------------------------------------------------------------------------------------

def test_embedding_tokens_are_added_once_and_leave_other_text_alone(setup, fresh):
    registry, entry, index = setup
    pipe = fresh.txt2img
    ids = pipe.tokenizer("a lighthouse", return_tensors="pt").input_ids
    before = pipe.text_encoder(ids)[0]
    plan = plan_embedding(index.find("embedding", EMBEDDING_NAME), entry, registry.entries)
    with prepare_addons(fresh, AddonPlan(embeddings=[plan])) as session:
        text = session.expand(f"a lighthouse, ({EMBEDDING_NAME.upper()}:1.2)")
    assert text == "a lighthouse, (underpaint_demo_embedding_ti0 underpaint_demo_embedding_ti1:1.2)"
    tokens = pipe.tokenizer.tokenize(text)
    assert tokens.count("underpaint_demo_embedding_ti0") == 1 and tokens.count("underpaint_demo_embedding_ti1") == 1
    vectors = emb.read_vectors(index.find("embedding", EMBEDDING_NAME))["clip_l"]
    token_ids = pipe.tokenizer.convert_tokens_to_ids(["underpaint_demo_embedding_ti0", "underpaint_demo_embedding_ti1"])
    assert torch.equal(pipe.text_encoder.get_input_embeddings().weight[token_ids], vectors)
    assert torch.equal(pipe.text_encoder(ids)[0], before)  # other text encodes exactly as before
    rows = pipe.text_encoder.get_input_embeddings().weight.shape[0]
    with prepare_addons(fresh, AddonPlan(embeddings=[plan])):
        pass
    assert pipe.text_encoder.get_input_embeddings().weight.shape[0] == rows  # installed once


def test_using_an_embedding_changes_the_image(setup, fresh):
    registry, entry, index = setup
    plan = AddonPlan(embeddings=[plan_embedding(index.find("embedding", EMBEDDING_NAME), entry, registry.entries)])
    plain = image(fresh, prompt="a lighthouse")
    used = image(fresh, prompt=f"a lighthouse {EMBEDDING_NAME}", addons=plan)
    assert not np.array_equal(plain, used)
    assert np.array_equal(image(fresh, prompt="a lighthouse"), plain)


@pytest.mark.parametrize("layout", ["a1111_pt", "a1111_safetensors", "diffusers_one_vector", "diffusers_bin", "sdxl"])
def test_every_embedding_layout_reads_to_the_same_vectors(tmp_path, layout):
    vectors = torch.randn(3, 768)
    folder = tmp_path / "embeddings"
    if layout == "a1111_pt":
        a1111_pt_embedding(folder / "e.pt", vectors)
    elif layout == "a1111_safetensors":
        save(folder / "e.safetensors", {"emb_params": vectors})
    elif layout == "diffusers_one_vector":
        vectors = vectors[:1]
        save(folder / "e.safetensors", {"<e>": vectors[0]})
    elif layout == "diffusers_bin":
        folder.mkdir(parents=True)
        torch.save({"<e>": vectors}, folder / "e.bin")
    else:
        save(folder / "e.safetensors", {"clip_l": vectors, "clip_g": torch.ones(3, 1280)})
    index = AddOnIndex(tmp_path)
    (entry,) = index.scan()
    got = emb.read_vectors(entry)
    assert torch.equal(got["clip_l"], vectors) and entry.vectors == vectors.shape[0]
    if layout == "sdxl":
        assert torch.equal(got["clip_g"], torch.ones(3, 1280))


# --- VAEs -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["ldm", "ldm_prefixed", "diffusers_file", "diffusers_folder"])
def test_every_vae_layout_loads_the_same_weights(setup, fresh, tmp_path, layout):
    torch.manual_seed(4)
    from diffusers import AutoencoderKL

    other = AutoencoderKL.from_config(fresh.txt2img.vae.config).eval()
    state = {k: v.contiguous() for k, v in other.state_dict().items()}
    meta = {"underpaint.demo": "true", "underpaint.architecture": "sd15"}
    if layout == "ldm":
        save(tmp_path / "vae" / "v.safetensors",
             {k.removeprefix(ldm_layout.VAE_PREFIX): v for k, v in ldm_layout.vae_to_ldm(state).items()}, meta)
    elif layout == "ldm_prefixed":
        save(tmp_path / "vae" / "v.safetensors", ldm_layout.vae_to_ldm(state), meta)
    elif layout == "diffusers_file":
        save(tmp_path / "vae" / "v.safetensors", state, meta)
    else:
        other.save_pretrained(tmp_path / "vae" / "v")
        save(tmp_path / "vae" / "v" / "diffusion_pytorch_model.safetensors", state, meta)
    index = AddOnIndex(tmp_path)
    index.scan()
    loaded = load_vae(fresh, index.find("vae", "v"))
    got = loaded.state_dict()
    assert set(got) == set(state) and all(torch.equal(got[k], state[k]) for k in state)


def test_a_job_vae_is_used_for_its_job_only(setup, fresh):
    vae = setup[2].find("vae", VAE_NAME)
    own = fresh.txt2img.vae
    base = image(fresh)
    swapped = image(fresh, addons=AddonPlan(vae=vae))
    assert not np.array_equal(base, swapped)
    assert fresh.txt2img.vae is own and fresh.img2img.vae is own and fresh.inpaint.vae is own
    assert np.array_equal(image(fresh), base)
    assert np.array_equal(image(fresh, addons=AddonPlan(vae=vae)), swapped)  # cached VAE, same result
