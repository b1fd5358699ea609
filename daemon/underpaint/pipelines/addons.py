"""Put a job's add-ons on a loaded model for the length of one generation, and take the
job-specific ones off again.

    with model.lock, prepare_addons(model, plan, on_activity) as addons:
        prompt = addons.expand(spec.prompt)        # embedding names -> the model's added tokens
        ... encode prompt, run the pipeline ...

Embeddings go on first (and stay: see pipelines/embeddings.py), then the job's LoRAs are
switched on with their weights, then its VAE is swapped in. On the way out, whatever happened,
LoRAs are switched off and the model's own VAE is back, so the next job sees the bare model.
Must run under the model's lock: it changes modules every pipeline of the model shares.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from underpaint.models import embedding_names
from underpaint.pipelines import embeddings, loras
from underpaint.pipelines.vae_swap import use_vae


@dataclass
class AddonState:
    """Per loaded model, kept across jobs (LoadedModel.addons)."""
    loras: loras.LoraState = field(default_factory=loras.LoraState)
    embeddings: embeddings.EmbeddingState = field(default_factory=embeddings.EmbeddingState)


@dataclass
class AddonSession:
    tokens: dict[str, list[str]] = field(default_factory=dict)  # embedding name -> its tokens on this model
    notes: list[str] = field(default_factory=list)             # for the results (e.g. mapping residuals)

    def expand(self, text: str) -> str:
        return embedding_names.expand(text, self.tokens)


def state_of(model) -> AddonState:
    state = getattr(model, "addons", None)
    if state is None:
        state = AddonState()
        model.addons = state
    return state


@contextlib.contextmanager
def prepare_addons(model, plan, on_activity=None):
    state = state_of(model)
    session = AddonSession()
    try:
        if plan is not None and not plan.empty:
            for embedding_plan in plan.embeddings:
                installed = embeddings.install(model, state.embeddings, embedding_plan, on_activity)
                session.tokens[embedding_plan.entry.id] = installed.tokens
                if installed.note:
                    session.notes.append(installed.note)
            loras.activate(model, state.loras, [(u.entry, u.weight) for u in plan.loras], on_activity)
            with use_vae(model, plan.vae, plan.allow_pickle, on_activity):
                yield session
        else:
            loras.deactivate(model, state.loras)
            yield session
    finally:
        loras.deactivate(model, state.loras)


def notes_for(model, plan) -> list[str]:
    """The notes a job's results carry: how its embeddings were mapped onto this model."""
    if plan is None or not plan.embeddings:
        return []
    installed = state_of(model).embeddings.installed
    return [installed[p.entry.id].note for p in plan.embeddings
            if p.entry.id in installed and installed[p.entry.id].note]
