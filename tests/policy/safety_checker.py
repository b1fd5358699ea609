"""Random-weight StableDiffusionSafetyChecker folders for the image check tests (no download).

Its verdict hangs on the thresholds, not on the weights: cosine similarity lies in [-1, 1], so
thresholds of -2 flag every image and +2 flag none, whatever the random embeddings say."""

from __future__ import annotations

import json
from pathlib import Path

FLAG_ALL = -2.0
FLAG_NONE = 2.0

SMALL_VISION = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=2,
                    image_size=32, patch_size=8)
# CompVis/stable-diffusion-safety-checker (also safety_checker/ of SD 1.x diffusers folders): ViT-L/14
FULL_VISION = dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                   image_size=224, patch_size=14)


def build_checker(threshold: float, vision=SMALL_VISION, projection_dim: int = 16, seed: int = 0):
    import torch
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import CLIPConfig

    torch.manual_seed(seed)
    config = CLIPConfig(vision_config=vision, text_config=dict(hidden_size=32, intermediate_size=37,
                        num_hidden_layers=1, num_attention_heads=2), projection_dim=projection_dim)
    checker = StableDiffusionSafetyChecker(config).eval()
    with torch.no_grad():
        checker.concept_embeds.normal_()
        checker.special_care_embeds.normal_()
        checker.concept_embeds_weights.fill_(threshold)
        checker.special_care_embeds_weights.fill_(threshold)
    return checker


def write_checker(models_dir: Path, threshold: float, vision=SMALL_VISION, projection_dim: int = 16,
                  diffusers_layout: bool = False) -> Path:
    """Writes models_dir/safety/ (flat), or safety/safety_checker + safety/feature_extractor as in
    a diffusers SD 1.x folder. Returns the safety folder."""
    folder = Path(models_dir) / "safety"
    model_dir = folder / "safety_checker" if diffusers_layout else folder
    checker = build_checker(threshold, vision, projection_dim)
    checker.save_pretrained(model_dir, safe_serialization=True)
    if diffusers_layout:  # the older preprocessor format SD 1.5 folders ship (sizes as plain ints)
        size = vision["image_size"]
        (folder / "feature_extractor").mkdir(parents=True, exist_ok=True)
        (folder / "feature_extractor" / "preprocessor_config.json").write_text(json.dumps({
            "crop_size": size, "do_center_crop": True, "do_normalize": True, "do_resize": True,
            "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": [0.48145466, 0.4578275, 0.40821073],
            "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": size}))
    return folder
