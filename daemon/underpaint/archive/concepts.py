"""Concept check, the offline answer to "does the model know this word?": the tokens a word or
phrase becomes in a model, whether it is one whole-word token, and the model's own nearest
tokens by cosine similarity in its token-embedding table (the first text encoder: CLIP-L for
SDXL). A word the tokenizer shatters into pieces, or whose neighbours are unrelated, is a word
the model probably learnt little about.

Uses the model the daemon has loaded (loading it when it is not, like a job would).
"""

from __future__ import annotations

import threading

from ..errors import InvalidArgument
from ..v1 import archive_pb2 as apb

MAX_TEXT = 300
DEFAULT_NEIGHBOURS = 10
MAX_NEIGHBOURS = 100


class ConceptChecker:
    def __init__(self, registry, cache):
        self._registry = registry
        self._cache = cache
        self._tables: dict[tuple[str, str], object] = {}  # (model id, hash) -> unit-length rows
        self._lock = threading.Lock()

    def check(self, request: apb.CheckConceptRequest) -> apb.CheckConceptResponse:
        import torch

        text = request.text.strip()
        if not text:
            raise InvalidArgument("text", "is empty: give a word or phrase")
        if len(text) > MAX_TEXT:
            raise InvalidArgument("text", f"is {len(text)} characters long; the limit is {MAX_TEXT}")
        if not 0 <= request.neighbours <= MAX_NEIGHBOURS:
            raise InvalidArgument("neighbours", f"must be 0 (= {DEFAULT_NEIGHBOURS}) to {MAX_NEIGHBOURS}, "
                                                f"got {request.neighbours}")
        k = request.neighbours or DEFAULT_NEIGHBOURS
        entry = self._registry.get(request.model or self._registry.default_id)
        loaded = self._cache.get(entry)
        tokenizer = loaded.txt2img.tokenizer
        ids = tokenizer(text, add_special_tokens=False).input_ids
        if not ids:
            raise InvalidArgument("text", f"{text!r} becomes no tokens in {entry.id}")
        names = tokenizer.convert_ids_to_tokens(ids)
        table = self._table(loaded)
        response = apb.CheckConceptResponse(model=entry.id,
                                            single_token=len(ids) == 1 and names[0].endswith("</w>"))
        special = set(tokenizer.all_special_ids)
        for token_id, name in zip(ids, names):
            response.tokens.add(token=name, id=token_id,
                                neighbours=_nearest(table, table[token_id], k, {token_id} | special, tokenizer))
        mean = torch.nn.functional.normalize(table[ids].mean(0), dim=0)
        response.neighbours.extend(_nearest(table, mean, k, set(ids) | special, tokenizer))
        return response

    def _table(self, loaded):
        import torch

        key = (loaded.entry.id, loaded.model_hash)
        with self._lock:
            if key not in self._tables:
                weight = loaded.txt2img.text_encoder.get_input_embeddings().weight.detach()
                self._tables = {key: torch.nn.functional.normalize(weight.float().cpu(), dim=1)}  # one model kept
            return self._tables[key]


def _nearest(table, vector, k: int, exclude: set[int], tokenizer) -> list[apb.ConceptNeighbour]:
    import torch

    scores = table @ vector
    top = torch.topk(scores, min(k + len(exclude), scores.shape[0]))
    out = []
    for score, token_id in zip(top.values.tolist(), top.indices.tolist()):
        if token_id in exclude:
            continue
        out.append(apb.ConceptNeighbour(token=tokenizer.convert_ids_to_tokens(token_id), id=token_id,
                                        similarity=float(score)))
        if len(out) == k:
            break
    return out
