"""IP-Adapter reference images on a loaded model for one generation.

The adapter's weights go into the UNet's cross-attention (extra key/value projections that read
the image encoder's tokens beside the prompt's) for this job only: `unload_ip_adapter` puts the
model's own attention back on the way out, whatever happened. Several references load the
adapter once per image, each with its own strength. The CLIP image encoder stays on the model
between jobs (it is the slow part to load).
"""

from __future__ import annotations

import contextlib
import logging

import torch
from PIL import Image

from underpaint.errors import FailedPrecondition

log = logging.getLogger(__name__)


def _image_encoder(model, path, on_activity):
    from transformers import CLIPImageProcessor, CLIPVisionModelWithProjection

    held = getattr(model, "image_encoder", None)
    if held is not None and held[0] == str(path):
        return held[1], held[2]
    if on_activity:
        on_activity("loading_image_encoder", f"loading image encoder {path.name}", path.name)
    try:
        encoder = CLIPVisionModelWithProjection.from_pretrained(str(path), dtype=model.dtype, local_files_only=True)
    except Exception as e:  # noqa: BLE001 - a broken folder: say which, keep serving
        raise FailedPrecondition(f"image encoder {path} could not be loaded: {type(e).__name__}: "
                                 f"{(str(e).splitlines() or [''])[0][:300]}") from e
    encoder = encoder.to(model.device).eval()
    size = encoder.config.image_size
    processor = CLIPImageProcessor(size=size, crop_size=size)
    model.image_encoder = (str(path), encoder, processor)
    return encoder, processor


def _adapter_state(entry) -> dict:
    from safetensors import safe_open

    state = {"image_proj": {}, "ip_adapter": {}}
    with safe_open(str(entry.path), framework="pt", device="cpu") as f:
        for key in f.keys():
            part, _, rest = key.partition(".")
            if part in state:
                state[part][rest] = f.get_tensor(key)
    return state


@contextlib.contextmanager
def use_ip_adapters(model, pipe, uses, on_activity=None):
    """Yields the extra call arguments (`ip_adapter_image`); `pipe` must be a pipeline made for
    this job (never one of the model's own: the image encoder is registered on it)."""
    if not uses:
        yield {}
        return
    encoders = {str(u.encoder) for u in uses}
    if len(encoders) > 1:
        raise FailedPrecondition("controls: the reference images need different image encoders; use IP-Adapters "
                                 "that read the same encoder in one job")
    encoder, processor = _image_encoder(model, uses[0].encoder, on_activity)
    pipe.register_modules(image_encoder=encoder, feature_extractor=processor)
    states = {}
    for use in uses:
        if use.entry.id not in states:
            if on_activity:
                on_activity("loading_ip_adapter", f"loading IP-Adapter {use.entry.id}", use.entry.id)
            states[use.entry.id] = _adapter_state(use.entry)
    try:
        pipe.load_ip_adapter([states[u.entry.id] for u in uses], subfolder=[""] * len(uses),
                             weight_name=[f"{u.entry.id}.safetensors" for u in uses], image_encoder_folder=None)
        pipe.set_ip_adapter_scale([u.strength for u in uses])
        yield {"ip_adapter_image": [Image.fromarray(u.image) for u in uses]}
    except torch.OutOfMemoryError:
        raise
    finally:
        try:
            pipe.unload_ip_adapter()
        except Exception:  # noqa: BLE001 - never mask the job's own error
            log.exception("unloading the IP-Adapter failed")
