"""Add-ons (LoRAs, embeddings, VAEs) as a plugin's pickers need them.

    models = daemon.list_models()
    for lora in addons_for_model(models, "my-model", "lora"):
        menu.add(lora.display_name, lambda: insert(lora_tag(lora.id, 0.8)))

The daemon checks everything again at submit; these helpers only keep a picker from offering
what would be refused (a LoRA made for SDXL on an SD 1.5 model, a demo add-on on a real model).
"""

from __future__ import annotations

from .protocol import pb

TYPES = ("lora", "embedding", "vae")
# Model family -> VAE families that work on it (SD 2.x decodes with SD 1.x's VAE).
_VAE_FITS = {"sd15": ("sd15",), "sd2": ("sd15", "sd2"), "sdxl": ("sdxl",)}


def addons_for_model(models: "pb.ListModelsResponse", model_id: str, kind: str) -> list:
    """The add-ons of `kind` ("lora", "embedding", "vae") that fit model `model_id` (empty: the
    daemon's default model), in the daemon's order. Embeddings made for another text encoder
    are included (the daemon maps them), after the ones made for this model's family."""
    if kind not in TYPES:
        raise ValueError(f"kind: expected one of {TYPES}, got {kind!r}")
    model_id = model_id or models.default_model
    model = next((m for m in models.models if m.id == model_id), None)
    if model is None:
        raise ValueError(f"model_id: no model {model_id!r} in the list")
    same_demo = [a for a in models.add_ons if a.type == kind and a.is_demo == model.is_demo]
    if kind == "embedding":
        return sorted(same_demo, key=lambda a: a.architecture != model.architecture)
    fits = _VAE_FITS.get(model.architecture, (model.architecture,)) if kind == "vae" else (model.architecture,)
    return [a for a in same_demo if a.architecture in fits or (kind == "vae" and not a.architecture)]


def lora_tag(name: str, weight: float = 1.0) -> str:
    """A1111's prompt tag for a LoRA, e.g. "<lora:ink:0.8>"."""
    if not name or any(c in name for c in "<>:"):
        raise ValueError(f"name: a LoRA name without '<', '>' or ':', got {name!r}")
    return f"<lora:{name}:{float(weight):g}>"


def lora_weights(loras) -> list:
    """LoraWeight messages from (name, weight) pairs, names alone, or a {name: weight} dict."""
    items = loras.items() if isinstance(loras, dict) else loras
    out = []
    for item in items:
        name, weight = (item, 1.0) if isinstance(item, str) else item
        if not name:
            raise ValueError("loras: a LoRA name is empty")
        out.append(pb.LoraWeight(name=str(name), weight=float(weight)))
    return out
