"""Add-ons in the shapes model sites publish, on full-size random-weight SD 1.5 and SDXL pipelines:
kohya LoRAs with the real key names and ranks (SD 1.x names its UNet layers as diffusers does,
SDXL in the original layout, text encoders as lora_te / lora_te1 / lora_te2), A1111 embeddings
(.pt for SD 1.5, clip_l + clip_g safetensors for SDXL). Heavy: run one at a time, e.g.

    flock /tmp/underpaint-heavy.lock .venv/bin/python -m pytest tests/addons/test_full_size.py
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import torch

from underpaint.models import ldm_layout
from underpaint.models.addons import AddOnIndex, AddonPlan, LoraUse
from underpaint.models.encoders import plan_embedding
from underpaint.models.loader import LoadedModel
from underpaint.models.registry import ModelEntry
from underpaint.models.single_file import pipeline_class_for, write_packaged_config_folder
from underpaint.pipelines.addons import prepare_addons

from .addon_files import a1111_pt_embedding, save

pytestmark = pytest.mark.slow
RANK = 32


def random_pipeline(architecture: str, folder: Path, dtype: torch.dtype):
    """The full-size pipeline from the shipped configs, random weights filled in place (fast),
    and beside it a stand-in model folder holding only its text encoders' token tables, which
    is all the embedding planner reads from disk."""
    from accelerate import init_empty_weights
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    config = write_packaged_config_folder(architecture, folder / "config")
    generator = torch.Generator().manual_seed(0)
    parts = {"unet": lambda: UNet2DConditionModel.from_config(UNet2DConditionModel.load_config(config / "unet")),
             "vae": lambda: AutoencoderKL.from_config(AutoencoderKL.load_config(config / "vae")),
             "text_encoder": lambda: CLIPTextModel(CLIPTextConfig.from_json_file(config / "text_encoder" / "config.json"))}
    if architecture == "sdxl":
        parts["text_encoder_2"] = lambda: CLIPTextModelWithProjection(
            CLIPTextConfig.from_json_file(config / "text_encoder_2" / "config.json"))
    modules = {}
    for name, build in parts.items():
        with init_empty_weights():
            module = build()
        module.to_empty(device="cpu")
        with torch.no_grad():  # buffers too: position_ids is not in the state dict
            for key, tensor in [*module.named_parameters(), *module.named_buffers()]:
                if key.endswith("position_ids"):
                    tensor.copy_(torch.arange(tensor.shape[-1]).expand_as(tensor))
                elif "norm" in key and key.endswith("weight"):
                    tensor.fill_(1.0)
                else:
                    tensor.normal_(0, 0.02, generator=generator)
        modules[name] = module.to(dtype).eval()
    modules["tokenizer"] = CLIPTokenizer.from_pretrained(config / "tokenizer")
    if architecture == "sdxl":
        modules["tokenizer_2"] = CLIPTokenizer.from_pretrained(config / "tokenizer_2")
    modules["scheduler"] = EulerDiscreteScheduler.from_config(EulerDiscreteScheduler.load_config(config / "scheduler"))
    extra = {} if architecture == "sdxl" else {"safety_checker": None, "feature_extractor": None,
                                               "requires_safety_checker": False}
    pipe = pipeline_class_for(architecture)(**modules, **extra)
    stand_in = folder / f"full-{architecture}"
    for name in ("text_encoder", "text_encoder_2"):
        if name in modules:
            table = modules[name].get_input_embeddings().weight.detach().contiguous()
            save(stand_in / name / "model.safetensors", {"text_model.embeddings.token_embedding.weight": table})
    entry = ModelEntry(f"full-{architecture}", architecture, architecture, 1024, 1024, "diffusers", False,
                       stand_in, 8, "")
    return LoadedModel(entry=entry, txt2img=pipe, img2img=pipe, inpaint=pipe, model_hash="", size_bytes=0,
                       device="cpu", dtype=dtype)


def kohya_lora(pipe, architecture: str, path: Path) -> int:
    """A kohya LoRA over the UNet's transformer layers and the text encoders; returns the
    number of adapted layers."""
    generator = torch.Generator().manual_seed(1)
    state = {}

    def add(prefix: str, layer) -> None:
        conv = isinstance(layer, torch.nn.Conv2d)
        inputs = layer.in_channels if conv else layer.in_features
        outputs = layer.out_channels if conv else layer.out_features
        shape_down, shape_up = ((RANK, inputs, 1, 1), (outputs, RANK, 1, 1)) if conv else ((RANK, inputs), (outputs, RANK))
        state[f"{prefix}.lora_down.weight"] = (torch.randn(shape_down, generator=generator) * 0.05).half()
        state[f"{prefix}.lora_up.weight"] = (torch.randn(shape_up, generator=generator) * 0.05).half()
        state[f"{prefix}.alpha"] = torch.tensor(RANK / 2).half()

    names = [n for n, m in pipe.unet.named_modules()
             if ".attentions." in n and isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))
             and (".transformer_blocks." in n or n.endswith(("proj_in", "proj_out")))]
    if architecture == "sdxl":  # kohya names SDXL's UNet in the original (LDM) layout
        # one key in, one key out, in order (e.g. down_blocks.1.attentions.0 -> input_blocks.4.1)
        mapped = ldm_layout.unet_to_ldm({f"{n}.weight": torch.zeros(1) for n in names}, 2)
        for diffusers_name, ldm_key in zip(names, mapped):
            ldm_name = ldm_key.removeprefix(ldm_layout.UNET_PREFIX).removesuffix(".weight")
            add("lora_unet_" + ldm_name.replace(".", "_"), pipe.unet.get_submodule(diffusers_name))
        encoders = (("lora_te1_", pipe.text_encoder), ("lora_te2_", pipe.text_encoder_2))
    else:  # SD 1.x: diffusers' own module names
        for name in names:
            add("lora_unet_" + name.replace(".", "_"), pipe.unet.get_submodule(name))
        encoders = (("lora_te_", pipe.text_encoder),)
    for prefix, encoder in encoders:
        for name, layer in encoder.named_modules():
            if isinstance(layer, torch.nn.Linear) and "encoder.layers." in name:
                add(prefix + "text_model_" + name.removeprefix("text_model.").replace(".", "_"), layer)
    save(path, state)
    return sum(1 for k in state if k.endswith(".lora_down.weight"))


def _adapted_layers(model) -> int:
    from peft.tuners.lora import LoraLayer

    components = [model.txt2img.unet, model.txt2img.text_encoder, getattr(model.txt2img, "text_encoder_2", None)]
    return sum(1 for c in components if c is not None for m in c.modules() if isinstance(m, LoraLayer))


def encode(pipe, text: str) -> torch.Tensor:
    ids = pipe.tokenizer(text, padding="max_length", max_length=77, return_tensors="pt").input_ids
    with torch.no_grad():
        return pipe.text_encoder(ids)[0]


@pytest.mark.parametrize("architecture", ["sd15", "sdxl"])
def test_kohya_lora_and_a1111_embedding_on_full_size_pipelines(architecture, tmp_path):
    dtype = torch.float32 if architecture == "sd15" else torch.bfloat16  # SDXL in bf16: ~7 GB, not 14
    model = random_pipeline(architecture, tmp_path, dtype)
    pipe = model.txt2img
    layers = kohya_lora(pipe, architecture, tmp_path / "addons" / "loras" / f"detail-{architecture}.safetensors")
    if architecture == "sd15":
        a1111_pt_embedding(tmp_path / "addons" / "embeddings" / "style15.pt", torch.randn(4, 768) * 0.02)
        embedding = "style15"
    else:
        save(tmp_path / "addons" / "embeddings" / "stylexl.safetensors",
             {"clip_l": torch.randn(2, 768) * 0.02, "clip_g": torch.randn(2, 1280) * 0.02})
        embedding = "stylexl"
    index = AddOnIndex(tmp_path / "addons")
    index.scan()
    lora = index.find("lora", f"detail-{architecture}")
    assert lora.architecture == architecture and lora.format == "kohya"
    emb = index.find("embedding", embedding)
    assert emb.architecture == architecture

    probe = pipe.unet.mid_block.attentions[0].transformer_blocks[0].attn2.to_k
    x = torch.randn(1, 77, probe.in_features, dtype=dtype)
    with torch.no_grad():
        base_probe, base_text = probe(x), encode(pipe, "a lighthouse")
    plan = AddonPlan(loras=[LoraUse(lora, 0.8, "loras[0]")],
                     embeddings=[plan_embedding(emb, model.entry, [model.entry])])
    with prepare_addons(model, plan) as session:
        assert _adapted_layers(model) == layers  # every kohya key found its layer
        with torch.no_grad():
            probe_on = pipe.unet.mid_block.attentions[0].transformer_blocks[0].attn2.to_k(x)
            text_on = encode(pipe, "a lighthouse")
            with_embedding = encode(pipe, session.expand(f"a lighthouse, {embedding}"))
        tokens = session.tokens[embedding]
    assert not torch.equal(probe_on, base_probe) and not torch.equal(text_on, base_text)
    assert len(tokens) == emb.vectors
    with torch.no_grad():
        assert torch.equal(pipe.unet.mid_block.attentions[0].transformer_blocks[0].attn2.to_k(x), base_probe)
        assert torch.equal(encode(pipe, "a lighthouse"), base_text)  # LoRA off, embedding harmless
        assert not torch.equal(encode(pipe, " ".join(["a lighthouse,"] + tokens)), base_text)
    assert not torch.equal(with_embedding, text_on)
    if architecture == "sdxl":
        ids = pipe.tokenizer_2.convert_tokens_to_ids(tokens)
        table = pipe.text_encoder_2.get_input_embeddings().weight[ids].float()
        from underpaint.pipelines.embeddings import read_vectors

        assert torch.allclose(table, read_vectors(emb)["clip_g"], atol=1e-2)  # bf16 rounding
    del model, pipe
    gc.collect()


def test_an_lcm_lora_in_its_published_layout_on_full_size_sd15(tmp_path):
    """LCM-LoRA for SD 1.5 (rank 64, fp16, kohya keys with diffusers' module names, 3x3 convs,
    time-embedding projections, no text encoder) is found as an SD 1.5 LoRA, adapts every layer
    it names, and runs with the LCM sampler."""
    from underpaint.pipelines.generate import GenerationSpec, run_generation

    from .addon_files import lcm_lora_state

    model = random_pipeline("sd15", tmp_path, torch.float32)
    state = lcm_lora_state(model.txt2img.unet, 64, torch.Generator().manual_seed(2), scale=0.02)
    save(tmp_path / "addons" / "loras" / "lcm-lora-sdv1-5.safetensors", {k: v.half() for k, v in state.items()})
    index = AddOnIndex(tmp_path / "addons")
    index.scan()
    lora = index.find("lora", "lcm-lora-sdv1-5")
    assert lora.architecture == "sd15" and lora.format == "kohya"
    spec = GenerationSpec("a lighthouse", "", 64, 64, 2, 1.0, "lcm",
                          addons=AddonPlan(loras=[LoraUse(lora, 1.0, "loras[0]")]))
    seen = []
    with_lora = run_generation(model, spec, 1, lambda done, total, _p: seen.append(done))
    assert _adapted_layers(model) == sum(1 for k in state if k.endswith(".lora_down.weight"))
    spec.addons = None
    assert seen == [1, 2] and not (with_lora == run_generation(model, spec, 1, lambda *_: None)).all()
    del model
    gc.collect()
