"""TokenizePrompt: the prompt split the way the model will read it, for token counters
("68/75 · 2 chunks") and for seeing what each bracket does. Quick: no model is loaded."""

from __future__ import annotations

from ..errors import InvalidArgument
from ..jobs.request import DEFAULT_STEPS, MAX_PROMPT_CHARS
from ..models.embedding_names import expand, find_embeddings
from ..prompts.chunks import CHUNK_TOKENS, tokenize_fragments, token_texts
from ..prompts.model_tokenizer import tokenizer_for, with_embeddings
from ..prompts.reading import read_or_refuse
from ..v1 import underpaint_pb2 as pb


def tokenize_prompt(request: pb.TokenizePromptRequest, registry, addons) -> pb.TokenizePromptResponse:
    if len(request.prompt) > MAX_PROMPT_CHARS:
        raise InvalidArgument("prompt", f"is {len(request.prompt)} characters; the limit is {MAX_PROMPT_CHARS}")
    model = registry.get(request.model) if request.model else registry.get(registry.default_id)
    read = read_or_refuse(request.prompt, "prompt", DEFAULT_STEPS)
    response = pb.TokenizePromptResponse(warnings=read.warnings)
    response.loras.extend(pb.LoraWeight(name=t.name, weight=t.weight) for t in read.loras)
    for tag in read.loras:
        if addons is None or addons.find("lora", tag.name) is None:
            response.warnings.append(f"{tag.where}: no LoRA named '{tag.name}' is installed")
    entries = {e.id: e for e in addons.of_type("embedding")} if addons is not None else {}
    used = list(dict.fromkeys(name for name, _ in find_embeddings(request.prompt, entries)))
    response.embeddings.extend(used)

    tokenizer = tokenizer_for(model)
    tokens = with_embeddings(tokenizer, {name: entries[name].vectors for name in used})
    names = {t: (name if len(group) == 1 else f"{name}#{i}") for name, group in tokens.items()
             for i, t in enumerate(group)}
    for index, part in enumerate(read.parts):
        # Prompt editing gives several texts; show the longest (the one chunk limits bite first).
        chunks = max((tokenize_fragments(tokenizer, _expanded(stage.fragments, tokens)) for stage in part.stages),
                     key=lambda c: sum(len(x.ids) for x in c))
        if len(part.stages) > 1 and index == 0:
            response.warnings.append(f"the prompt changes while sampling ({len(part.stages)} texts over "
                                     f"{DEFAULT_STEPS} steps); the longest is shown")
        for chunk in chunks:
            texts = [names.get(t, t) for t in token_texts(tokenizer, chunk.ids)]
            response.chunks.append(pb.PromptChunk(subprompt=index, token_count=len(chunk.ids), capacity=CHUNK_TOKENS,
                                                  tokens=texts, weights=chunk.weights))
    response.total_tokens = sum(c.token_count for c in response.chunks)
    return response


def _expanded(fragments, tokens):
    from dataclasses import replace

    return [f if f.is_break else replace(f, text=expand(f.text, tokens)) for f in fragments]
