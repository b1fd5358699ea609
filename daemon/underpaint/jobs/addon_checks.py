"""Submit-time checks of a request's add-ons: LoRAs, the VAE and the embeddings its prompts use.

Everything that can be known before the job runs is refused here, naming the field (or the
word and its position in the prompt): unknown names, a LoRA or VAE made for another model
family, bad weights, an embedding that cannot be mapped onto the model's text encoder. The
result is an AddonPlan the worker applies (pipelines/addons.py).
"""

from __future__ import annotations

import math

from ..errors import InvalidArgument
from ..models.addons import AddonPlan, LoraUse
from ..models.embedding_names import find_embeddings
from ..models.encoders import plan_embedding

MAX_LORAS = 16
MAX_LORA_WEIGHT = 10.0
NO_VAE = "none"  # asks for the checkpoint's own VAE even when its sidecar names another


def plan_addons(req, model, registry, index, defaults=None, prompt_loras=(), allow_pickle: bool = False) -> AddonPlan:
    """Checks `req`'s add-ons against `model` (a registry ModelEntry).

    prompt_loras: LoRAs found in <lora:NAME:WEIGHT> prompt tags, as (name, weight, field, where)
    with where e.g. "<lora:ink:0.8> at position 14"; the prompt parser supplies them."""
    requested = [(lw.name, lw.weight if lw.weight else 1.0, f"loras[{i}]", "") for i, lw in enumerate(req.loras)]
    vae_name = req.vae or (defaults.vae if defaults else "")
    if index is None:
        if requested or prompt_loras or vae_name:
            raise InvalidArgument("loras" if requested or prompt_loras else "vae", "this daemon has no add-on folders")
        return AddonPlan()
    plan = AddonPlan(allow_pickle=allow_pickle)
    plan.loras = check_loras(requested + list(prompt_loras), model, index)
    if vae_name and vae_name.lower() != NO_VAE:
        field = "vae" if req.vae else f"vae (the default of model '{model.id}' in {defaults.source})"
        plan.vae = index.get("vae", vae_name, field, model)
    plan.embeddings = plan_embeddings(req.prompt, req.negative_prompt, model, registry, index)
    return plan


def check_loras(items, model, index) -> list[LoraUse]:
    if len(items) > MAX_LORAS:
        raise InvalidArgument("loras", f"{len(items)} LoRAs given; at most {MAX_LORAS} at once")
    uses: list[LoraUse] = []
    seen: dict[str, str] = {}
    for name, weight, field, where in items:
        label = f"{where}: " if where else ""
        if not name or not name.strip():
            raise InvalidArgument(f"{field}.name" if not where else field, f"{label}the LoRA name is empty")
        if not isinstance(weight, (int, float)) or not math.isfinite(weight) or abs(weight) > MAX_LORA_WEIGHT:
            raise InvalidArgument(f"{field}.weight" if not where else field,
                                  f"{label}LoRA '{name}' weight {weight} is out of range; allowed "
                                  f"-{MAX_LORA_WEIGHT:g} to {MAX_LORA_WEIGHT:g}")
        entry = _lora(index, name, field, where, model)
        if entry.id in seen:
            raise InvalidArgument(field, f"{label}LoRA '{entry.id}' is already given in {seen[entry.id]}; "
                                  "give each LoRA once, with the weight you want")
        seen[entry.id] = f"{field} ({where})" if where else field
        uses.append(LoraUse(entry, float(weight), field))
    return uses


def _lora(index, name, field, where, model):
    if not where:
        return index.get("lora", name, f"{field}.name", model)
    try:
        return index.get("lora", name, field, model)
    except InvalidArgument as e:  # a prompt tag: say which tag and where
        raise InvalidArgument(field, f"{where}: {e.message.split(': ', 1)[1]}") from None


def plan_embeddings(prompt: str, negative: str, model, registry, index) -> list:
    entries = {e.id: e for e in index.of_type("embedding")}
    plans, done = [], set()
    for field, text in (("prompt", prompt), ("negative_prompt", negative)):
        for name, position in find_embeddings(text, entries):
            if name in done:
                continue
            done.add(name)
            entry = entries[name]
            where = f"'{text[position:position + len(name)]}' at position {position}"
            why_not = entry.why_not_for(model)
            if why_not:
                raise InvalidArgument(field, f"{where}: {why_not}")
            plans.append(plan_embedding(entry, model, list(registry.entries), field, where))
    return plans
