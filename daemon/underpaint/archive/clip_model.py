"""The CLIP model behind search by meaning, interrogate and the concept check's image matches.

A CLIP model is an open_clip folder in the models folder's clip/ (open_clip_config.json beside
open_clip_model.safetensors, the layout open_clip publishes on model hubs), loaded offline
through open_clip's `local-dir:` schema. The first folder in name order is used. Loaded on first
use, on the CPU: embedding one image is a single forward pass, and the GPU belongs to the jobs.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from ..errors import FailedPrecondition

log = logging.getLogger("underpaint.clip")

CONFIG = "open_clip_config.json"


def find_clip_folder(models_dir: Path) -> Path | None:
    folder = Path(models_dir) / "clip"
    if not folder.is_dir():
        return None
    found = sorted(p for p in folder.iterdir() if (p / CONFIG).is_file())
    return found[0] if found else None


class ClipModel:
    def __init__(self, models_dir: Path):
        self._models_dir = Path(models_dir)
        self._lock = threading.Lock()
        self._loaded = None  # (folder, model, preprocess, tokenizer)

    @property
    def available(self) -> bool:
        return find_clip_folder(self._models_dir) is not None

    @property
    def name(self) -> str:
        folder = find_clip_folder(self._models_dir)
        return folder.name if folder else ""

    def embed_images(self, images: list[np.ndarray]) -> np.ndarray:
        """RGBA/RGB uint8 arrays -> unit-length float32 rows."""
        import torch
        from PIL import Image as PILImage

        _, model, preprocess, _ = self._load()
        batch = torch.stack([preprocess(PILImage.fromarray(np.ascontiguousarray(a[:, :, :3]))) for a in images])
        with torch.no_grad():
            return _unit(model.encode_image(batch))

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        _, model, _, tokenizer = self._load()
        with torch.no_grad():
            return _unit(model.encode_text(tokenizer(texts)))

    def _load(self):
        folder = find_clip_folder(self._models_dir)
        if folder is None:
            raise FailedPrecondition(f"no CLIP model is installed: put an open_clip folder ({CONFIG} and "
                                     f"open_clip_model.safetensors) in {self._models_dir / 'clip'}")
        with self._lock:
            if self._loaded is None or self._loaded[0] != folder:
                import open_clip

                model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{folder}")
                model.eval()
                self._loaded = (folder, model, preprocess, open_clip.get_tokenizer(f"local-dir:{folder}"))
                log.info("CLIP model %s loaded", folder.name)
            return self._loaded


def _unit(t) -> np.ndarray:
    arr = t.float().cpu().numpy()
    return arr / np.maximum(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12)


def write_random_clip(folder: Path, seed: int = 0, embed_dim: int = 32) -> Path:
    """A tiny random-weights open_clip model in the published layout, for tests and demos."""
    import json

    import open_clip
    import torch
    from safetensors.torch import save_file

    cfg = {"embed_dim": embed_dim,
           "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16, "head_width": 16},
           "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}}
    torch.manual_seed(seed)
    model = open_clip.CLIP(**cfg)
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, folder / "open_clip_model.safetensors")
    (folder / CONFIG).write_text(json.dumps({"model_cfg": cfg, "preprocess_cfg": {
        "mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711]}}))
    return folder
