"""The image check: diffusers' StableDiffusionSafetyChecker on every result, when the policy (or
an unlocked request) asks for it. Flagged images are blurred or withheld; the job's events say so.

Its weights are the user's to install, in the models folder's safety/ (see docs/policy.md):
either the checker itself (config.json + model.safetensors, optionally preprocessor_config.json)
or the safety_checker/ and feature_extractor/ folders copied from a diffusers SD 1.x model.
Nothing is downloaded. With a check asked for and no checker installed, jobs are refused: a
policy that cannot be enforced must not look enforced.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import numpy as np

from ..errors import FailedPrecondition

log = logging.getLogger("underpaint.policy")

SAFETY_DIR = "safety"
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
BLURRED = "blurred"
WITHHELD = "withheld"
PREVIEW_BLOCK = 16  # with a check in force, previews are shown as blocks this many pixels wide


class ImageChecker:
    def __init__(self, models_dir: Path, allow_pickle: bool = False):
        self.folder = Path(models_dir) / SAFETY_DIR
        self.allow_pickle = allow_pickle
        self._model = None
        self._device = None
        self._lock = threading.Lock()

    def _layout(self) -> tuple[Path, Path] | None:
        """(checker folder, preprocessor folder) when a usable checker is installed."""
        for model_dir, processor_dir in ((self.folder, self.folder),
                                         (self.folder / "safety_checker", self.folder / "feature_extractor")):
            if (model_dir / "config.json").is_file() and self._weights(model_dir):
                return model_dir, processor_dir
        return None

    def _weights(self, folder: Path) -> bool:
        if (folder / "model.safetensors").is_file():
            return True
        return self.allow_pickle and (folder / "pytorch_model.bin").is_file()

    @property
    def installed(self) -> bool:
        return self._layout() is not None

    def why_missing(self) -> str:
        pickled = any(self.folder.glob("**/pytorch_model.bin"))
        if pickled and not self.allow_pickle:
            return (f"the safety checker in {self.folder} is a pickled pytorch_model.bin; convert it to "
                    "model.safetensors or start the daemon with --allow-pickle")
        return f"no safety checker is installed in {self.folder} (see docs/policy.md)"

    def load(self, device: str):
        with self._lock:
            if self._model is None or self._device != device:
                import torch
                from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker

                layout = self._layout()
                if layout is None:
                    raise FailedPrecondition(f"image_check: {self.why_missing()}")
                model_dir, processor_dir = layout
                model = StableDiffusionSafetyChecker.from_pretrained(
                    model_dir, use_safetensors=(model_dir / "model.safetensors").is_file())
                dtype = torch.float16 if device.startswith("cuda") else torch.float32
                self._model = model.to(device=device, dtype=dtype).eval()
                self._device = device
                self._processing = _processing(processor_dir, model.config.vision_config.image_size)
                log.info("image check loaded from %s on %s", model_dir, device)
            return self._model

    def flagged(self, rgb: np.ndarray, device: str) -> bool:
        """Whether the checker flags this (h, w, 3) uint8 image."""
        import torch

        model = self.load(device)
        size, mean, std = self._processing
        pixels = _prepare(rgb, size, mean, std)
        clip_input = torch.from_numpy(pixels).to(device=device, dtype=model.dtype)
        with torch.no_grad():
            # forward_onnx: the same scores as forward(), as tensors and without the log warning
            _, flags = model.forward_onnx(clip_input, torch.zeros(1, device=device))
        return bool(flags[0])


def _processing(folder: Path, image_size: int) -> tuple[int, tuple, tuple]:
    """Crop size, mean and std: from preprocessor_config.json when there is one, else CLIP's."""
    size, mean, std = image_size, CLIP_MEAN, CLIP_STD
    try:
        config = json.loads((folder / "preprocessor_config.json").read_text())
    except (OSError, ValueError):
        return size, mean, std
    crop = config.get("crop_size", size)
    size = int(crop.get("height", size) if isinstance(crop, dict) else crop)
    return size, tuple(config.get("image_mean", mean)), tuple(config.get("image_std", std))


def _prepare(rgb: np.ndarray, size: int, mean, std) -> np.ndarray:
    """CLIP's preprocessing: shortest side to `size` (bicubic), centre crop, normalise; NCHW."""
    from PIL import Image

    h, w = rgb.shape[:2]
    scale = size / min(h, w)
    pil = Image.fromarray(rgb).resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.BICUBIC)
    left, top = (pil.width - size) // 2, (pil.height - size) // 2
    arr = np.asarray(pil.crop((left, top, left + size, top + size)), np.float32) / 255.0
    arr = (arr - np.array(mean, np.float32)) / np.array(std, np.float32)
    return arr.transpose(2, 0, 1)[None].copy()


def blur(arr: np.ndarray) -> np.ndarray:
    """So strong that only colours and rough shapes remain; alpha is kept (canvas placement)."""
    from PIL import Image, ImageFilter

    h, w = arr.shape[:2]
    radius = max(4, max(h, w) // 12)
    rgb = Image.fromarray(np.ascontiguousarray(arr[:, :, :3])).filter(ImageFilter.GaussianBlur(radius))
    out = arr.copy()
    out[:, :, :3] = np.asarray(rgb)
    return out


def coarse_preview(arr: np.ndarray) -> np.ndarray:
    """A preview in blocks: composition and colour without detail, so an unchecked image never
    shows through the progress previews."""
    from PIL import Image

    h, w = arr.shape[:2]
    pil = Image.fromarray(arr)
    small = pil.resize((max(1, w // PREVIEW_BLOCK), max(1, h // PREVIEW_BLOCK)), Image.BOX)
    return np.asarray(small.resize((w, h), Image.NEAREST))


_checker: ImageChecker | None = None


def configure(models_dir: Path, allow_pickle: bool = False) -> ImageChecker:
    global _checker
    _checker = ImageChecker(models_dir, allow_pickle)
    return _checker


def image_checker() -> ImageChecker | None:
    return _checker
