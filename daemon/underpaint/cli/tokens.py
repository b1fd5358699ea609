"""`underpaint tokens "PROMPT" [--model ID]`: how the model will read a prompt, chunk by chunk."""

from __future__ import annotations


def add_parser(sub, add_client_options) -> None:
    p = sub.add_parser("tokens", help="show how a model reads a prompt: 75-token chunks, tokens, weights")
    add_client_options(p)
    p.add_argument("prompt")
    p.add_argument("--model", default="", help="model id (default: the daemon's default model)")
    p.set_defaults(func=run)


def run(args) -> int:
    from .commands import client_from_args

    with client_from_args(args) as client:
        response = client.tokenize(args.prompt, args.model)
    print(summary(response))
    parts = len({c.subprompt for c in response.chunks})
    for number, chunk in enumerate(response.chunks, 1):
        label = f"chunk {number}" + (f" (AND part {chunk.subprompt + 1})" if parts > 1 else "")
        print(f"{label}: {chunk.token_count}/{chunk.capacity}")
        print("  " + " ".join(_token(t, w) for t, w in zip(chunk.tokens, chunk.weights)))
    for lora in response.loras:
        print(f"LoRA {lora.name} weight {lora.weight:g}")
    if response.embeddings:
        print("embeddings: " + ", ".join(response.embeddings))
    for warning in response.warnings:
        print(f"warning: {warning}")
    return 0


def summary(response) -> str:
    """"68/75 · 2 chunks": the last chunk's fill, and how many chunks there are."""
    if not response.chunks:
        return "0/75"
    last = response.chunks[-1]
    count = len(response.chunks)
    return f"{last.token_count}/{last.capacity}" + (f" · {count} chunks" if count > 1 else "")


def _token(text: str, weight: float) -> str:
    return text if weight == 1.0 else f"{text}({weight:.3g})"
