"""The image check with the published architecture and file layout: a CLIP ViT-L/14 safety checker
(random weights) as the safety_checker/ + feature_extractor/ folders of an SD 1.x diffusers model,
saved the way the published files are (config with projection_dim 768, position_ids kept)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .safety_checker import FLAG_ALL, FLAG_NONE, FULL_VISION, build_checker

pytestmark = pytest.mark.slow


def _write_published_layout(models_dir, threshold):
    import torch
    from safetensors.torch import save_file

    folder = models_dir / "safety"
    checker = build_checker(threshold, FULL_VISION, projection_dim=768)
    # The published files name the CLIP tower vision_model.vision_model.* (transformers 4's layout;
    # transformers 5 names it vision_model.* and converts the old names on load).
    state = {("vision_model." + k if k.startswith("vision_model.") else k): v.contiguous()
             for k, v in checker.state_dict().items()}
    assert {"vision_model.vision_model.embeddings.patch_embedding.weight", "visual_projection.weight",
            "concept_embeds", "special_care_embeds", "concept_embeds_weights",
            "special_care_embeds_weights"} <= set(state)
    assert state["vision_model.vision_model.embeddings.patch_embedding.weight"].shape == (1024, 3, 14, 14)
    assert state["visual_projection.weight"].shape == (768, 1024) and state["concept_embeds"].shape == (17, 768)
    state["vision_model.vision_model.embeddings.position_ids"] = torch.arange(257)[None]  # older files carry it
    (folder / "safety_checker").mkdir(parents=True)
    save_file(state, str(folder / "safety_checker" / "model.safetensors"))
    written = state["vision_model.vision_model.encoder.layers.23.mlp.fc2.weight"].clone()
    vision = dict(FULL_VISION, model_type="clip_vision_model", hidden_act="quick_gelu", projection_dim=768)
    (folder / "safety_checker" / "config.json").write_text(json.dumps({
        "architectures": ["StableDiffusionSafetyChecker"], "model_type": "clip", "projection_dim": 768,
        "initializer_factor": 1.0, "logit_scale_init_value": 2.6592,
        "text_config": {"model_type": "clip_text_model", "hidden_size": 768, "intermediate_size": 3072,
                        "num_attention_heads": 12, "num_hidden_layers": 12},
        "vision_config": vision, "vision_config_dict": vision}))
    (folder / "feature_extractor").mkdir()
    (folder / "feature_extractor" / "preprocessor_config.json").write_text(json.dumps({
        "crop_size": 224, "do_center_crop": True, "do_normalize": True, "do_resize": True,
        "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 224}))
    return folder, written


def test_a_full_size_checker_in_the_sd15_folder_layout_flags_by_its_thresholds(tmp_path):
    from safetensors.torch import load_file, save_file

    from underpaint.policy.image_check import ImageChecker

    folder, written = _write_published_layout(tmp_path, FLAG_ALL)
    image = np.random.default_rng(0).integers(0, 256, (512, 768, 3), dtype=np.uint8)
    checker = ImageChecker(tmp_path)
    assert checker.installed
    assert checker.flagged(image, "cpu") is True
    assert checker._processing[0] == 224
    loaded = checker.load("cpu").state_dict()["vision_model.encoder.layers.23.mlp.fc2.weight"]
    assert np.array_equal(loaded.numpy(), written.numpy())  # the file's weights, not a fresh init

    weights = folder / "safety_checker" / "model.safetensors"
    state = load_file(str(weights))
    for key in ("concept_embeds_weights", "special_care_embeds_weights"):
        state[key].fill_(FLAG_NONE)
    save_file(state, str(weights))
    assert ImageChecker(tmp_path).flagged(image, "cpu") is False
