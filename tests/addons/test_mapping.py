"""Embeddings across text encoders: the least-squares map between token tables, and an
embedding made for one encoder used on a model with another."""

from __future__ import annotations

import pytest
import torch

from underpaint.errors import InvalidArgument
from underpaint.models.addons import AddOnIndex, AddonPlan
from underpaint.models.demo_addons import EMBEDDING_NAME
from underpaint.models.embedding_names import expand, find_embeddings
from underpaint.models.encoders import plan_embedding
from underpaint.models.loader import load_model
from underpaint.models.registry import ModelRegistry
from underpaint.pipelines import embeddings as emb
from underpaint.pipelines.addons import notes_for, prepare_addons
from underpaint.pipelines.embedding_map import fit_linear_map

from .tiny_models import planted_map, write_tiny_sd2

VOCAB = 49_408


def test_a_planted_linear_map_is_recovered_over_the_full_vocabulary():
    g = torch.Generator().manual_seed(0)
    source = torch.randn(VOCAB, 32, generator=g)
    weight, bias = torch.randn(32, 48, generator=g), torch.randn(48, generator=g)
    fit = fit_linear_map(source, source @ weight + bias)
    assert fit.rows == VOCAB
    assert fit.residual < 1e-5 and fit.quality == "close fit"
    assert torch.allclose(fit.weight.float(), weight, atol=1e-4)
    assert torch.allclose(fit.bias.float(), bias, atol=1e-4)
    vector = torch.randn(3, 32, generator=g)
    assert torch.allclose(fit.apply(vector), vector @ weight + bias, atol=1e-4)


def test_unrelated_tables_give_a_large_residual_that_says_so():
    g = torch.Generator().manual_seed(1)
    fit = fit_linear_map(torch.randn(VOCAB, 32, generator=g), torch.randn(VOCAB, 48, generator=g))
    assert fit.residual > 0.95
    assert fit.quality.startswith("poor fit")


def test_a_noisy_relation_gives_a_residual_in_between():
    g = torch.Generator().manual_seed(2)
    source = torch.randn(VOCAB, 32, generator=g)
    target = source @ torch.randn(32, 48, generator=g)
    noisy = target + 0.5 * target.std() * torch.randn(VOCAB, 48, generator=g)
    fit = fit_linear_map(source, noisy)
    assert 0.3 < fit.residual < 0.6  # ~0.45 for noise at half the signal's spread


def test_only_the_shared_rows_are_fitted():
    g = torch.Generator().manual_seed(3)
    source = torch.randn(600, 8, generator=g)
    target = torch.cat([source @ torch.randn(8, 5, generator=g), torch.randn(50, 5, generator=g) * 100])
    assert fit_linear_map(source, target[:650]).residual < 1e-5  # the target's 50 extra rows are ignored
    with pytest.raises(ValueError, match="cannot determine"):
        fit_linear_map(torch.randn(8, 8), torch.randn(8, 8))


# --- names in prompts ---------------------------------------------------------------------------------

def test_names_are_found_as_whole_words_in_any_case_outside_tags():
    names = ["EasyNegative", "bad-hands-5", "bad"]
    text = "(easynegative:1.2), bad-hands-5, badly drawn, BAD, <lora:bad:0.5> [EasyNegativeV2]"
    assert find_embeddings(text, names) == [("EasyNegative", 1), ("bad-hands-5", text.index("bad-")), ("bad", text.index("BAD"))]
    tokens = {"EasyNegative": ["easynegative_ti0", "easynegative_ti1"], "bad": ["bad_ti0"]}
    assert expand(text, tokens) == ("(easynegative_ti0 easynegative_ti1:1.2), bad-hands-5, badly drawn, "
                                    "bad_ti0, <lora:bad:0.5> [EasyNegativeV2]")
    assert expand("", tokens) == "" and expand("plain", {}) == "plain"


# --- across encoders, end to end -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def cross(demo_models_dir, tmp_path_factory):
    """The demo models (SD 1.x, 32-wide CLIP-L) beside two tiny SD 2.x ones (48 wide): one whose
    token table is the demo's through a planted map, one unrelated."""
    root = tmp_path_factory.mktemp("cross")
    import shutil

    for item in ("underpaint-demo", "underpaint-demo-single.safetensors", "embeddings"):
        src = demo_models_dir / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / item)
    write_tiny_sd2(root, demo_models_dir, "tiny-sd2-planted", planted=True)
    write_tiny_sd2(root, demo_models_dir, "tiny-sd2-unrelated", planted=False)
    registry = ModelRegistry(root)
    registry.scan()
    index = AddOnIndex(root)
    index.scan()
    return root, registry, index


def test_an_sd1_embedding_on_an_sd2_model_goes_through_the_planted_map(cross):
    root, registry, index = cross
    target = registry.get("tiny-sd2-planted")
    entry = index.find("embedding", EMBEDDING_NAME)
    plan = plan_embedding(entry, target, registry.entries)
    (slot,) = plan.slots
    assert slot.family == "clip_h" and slot.use_family == "clip_l" and slot.source.width == 32
    model = load_model(target, "cpu", torch.float32)
    activity = []
    with prepare_addons(model, AddonPlan(embeddings=[plan]), lambda *a: activity.append(a)) as session:
        tokens = session.tokens[EMBEDDING_NAME]
    (note,) = notes_for(model, AddonPlan(embeddings=[plan]))
    residual = float(note.split("fit residual ")[1].split()[0])
    assert residual < 1e-4 and "close fit" in note and "tiny-sd2-planted" in note
    assert activity and activity[0][0] == "embedding"
    weight, bias = planted_map()
    ids = model.txt2img.tokenizer.convert_tokens_to_ids(tokens)
    got = model.txt2img.text_encoder.get_input_embeddings().weight[ids]
    assert torch.allclose(got, emb.read_vectors(entry)["clip_l"] @ weight + bias, atol=1e-4)


def test_an_unrelated_encoder_still_gets_the_embedding_with_a_poor_fit_reported(cross):
    root, registry, index = cross
    target = registry.get("tiny-sd2-unrelated")
    plan = plan_embedding(index.find("embedding", EMBEDDING_NAME), target, registry.entries)
    model = load_model(target, "cpu", torch.float32)
    with prepare_addons(model, AddonPlan(embeddings=[plan])):
        pass
    (note,) = notes_for(model, AddonPlan(embeddings=[plan]))
    assert float(note.split("fit residual ")[1].split()[0]) > 0.9 and "poor fit" in note


def test_without_a_model_of_the_embedding_family_installed_it_is_refused_saying_so(cross, tmp_path):
    root, registry, index = cross
    import shutil

    shutil.copytree(root / "tiny-sd2-planted", tmp_path / "tiny-sd2-planted")
    alone = ModelRegistry(tmp_path)
    alone.scan()
    with pytest.raises(InvalidArgument) as err:
        plan_embedding(index.find("embedding", EMBEDDING_NAME), alone.get("tiny-sd2-planted"), alone.entries,
                       "negative_prompt", f"'{EMBEDDING_NAME}' at position 0")
    message = err.value.message
    assert err.value.field == "negative_prompt" and "at position 0" in message
    assert "made for SD 1.x" in message and "none is installed" in message and "install one" in message


def test_a_fine_tune_whose_table_drifted_is_mapped_from_the_named_checkpoint(cross, tmp_path):
    """An embedding that names the checkpoint it was trained on (A1111 records it), used on a
    fine-tune of the same family whose token table drifted: mapped from the named one's table."""
    root, registry, index = cross
    from safetensors.torch import load_file

    from .addon_files import save

    write_tiny_sd2(tmp_path, root, "drifted-sd15", planted=True, width=32, architecture="sd15")
    shutil_copy = __import__("shutil").copytree
    shutil_copy(root / "underpaint-demo", tmp_path / "underpaint-demo")
    vectors = load_file(str(root / "embeddings" / f"{EMBEDDING_NAME}.safetensors"))["emb_params"]
    save(tmp_path / "embeddings" / "named.safetensors", {"emb_params": vectors},
         {"underpaint.demo": "true", "underpaint.architecture": "sd15", "sd_checkpoint_name": "underpaint-demo"})
    models = ModelRegistry(tmp_path)
    models.scan()
    addons = AddOnIndex(tmp_path)
    addons.scan()
    named = addons.find("embedding", "named")
    plan = plan_embedding(named, models.get("drifted-sd15"), models.entries)
    assert plan.slots[0].drift_only and plan.slots[0].source.model_id == "underpaint-demo"
    model = load_model(models.get("drifted-sd15"), "cpu", torch.float32)
    with prepare_addons(model, AddonPlan(embeddings=[plan])) as session:
        ids = model.txt2img.tokenizer.convert_tokens_to_ids(session.tokens["named"])
    (note,) = notes_for(model, AddonPlan(embeddings=[plan]))
    assert float(note.split("fit residual ")[1].split()[0]) < 1e-4
    weight, bias = planted_map(width=32)
    got = model.txt2img.text_encoder.get_input_embeddings().weight[ids]
    assert torch.allclose(got, vectors @ weight + bias, atol=1e-4)
    # on the checkpoint it names, nothing is mapped
    same = plan_embedding(named, models.get("underpaint-demo"), models.entries)
    assert same.slots[0].source is None


def test_same_family_needs_no_map(cross):
    root, registry, index = cross
    plan = plan_embedding(index.find("embedding", EMBEDDING_NAME), registry.get("underpaint-demo-single"), registry.entries)
    assert [s.source for s in plan.slots] == [None]


def test_a_pickled_checkpoint_takes_embeddings_of_its_own_family_only(cross, tmp_path):
    from underpaint.models.registry import ModelEntry

    root, registry, index = cross
    entry = index.find("embedding", EMBEDDING_NAME)
    ckpt = tmp_path / "old.ckpt"
    ckpt.write_bytes(b"")

    def pickled(arch):
        return ModelEntry("old", "old", arch, 64, 64, "single_file", True, ckpt, 8, "")

    plan = plan_embedding(entry, pickled("sd15"), registry.entries)
    assert [(s.use_family, s.source) for s in plan.slots] == [("clip_l", None)]
    with pytest.raises(InvalidArgument, match="convert it to .safetensors"):
        plan_embedding(entry, pickled("sd2"), registry.entries)
