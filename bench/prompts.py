"""Prompt encoding: what the A1111 language costs over diffusers' own encode_prompt, on a
full-size SD-1.5 text encoder (random weights, the real CLIP vocabulary). Prints ratios measured
in this run; not a test.

    python bench/prompts.py [--repeat 5] [--device cpu|cuda]

Rows: diffusers' encode_prompt of a 20-token prompt (the baseline, cut at 77 tokens), ours on the
same text, ours with weights, a 200-token prompt (3 chunks), and a prompt with AND and editing
(all its texts encoded once per job).
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import torch


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()

    from diffusers import StableDiffusionPipeline
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    from underpaint.models.tokenizers import clip_vocab, write_tokenizer
    from underpaint.prompts.attention import parse_attention
    from underpaint.prompts.conditioning import encode_job
    from underpaint.prompts.encoder import encode

    config = json.loads(resources.files("underpaint.models").joinpath("configs", "sd15", "text_encoder",
                                                                     "config.json").read_text())
    torch.manual_seed(0)
    encoder = CLIPTextModel(CLIPTextConfig(**config)).eval().to(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = CLIPTokenizer.from_pretrained(str(write_tokenizer(Path(tmp), *clip_vocab())))
    pipe = SimpleNamespace(tokenizer=tokenizer, text_encoder=encoder, config=SimpleNamespace())
    short = "a red fox in the snow, forest at night, moonlight, oil painting, highly detailed"
    words = ["red", "fox", "snow", "forest", "night", "moon", "light", "tree"]
    long = " ".join(words[i % len(words)] for i in range(200))

    def diffusers_encode():
        with torch.no_grad():
            StableDiffusionPipeline.encode_prompt(SimpleNamespace(
                tokenizer=tokenizer, text_encoder=encoder, _lora_scale=None,
                maybe_convert_prompt=lambda p, t: p), short, args.device, 1, False)

    rows = [
        ("diffusers encode_prompt, 20 tokens (baseline)", diffusers_encode),
        ("ours, same text", lambda: encode(pipe, parse_attention(short))),
        ("ours, with weights", lambda: encode(pipe, parse_attention("a (red fox:1.3) in the [snow], (forest:0.8)"))),
        ("ours, 200 tokens (3 chunks)", lambda: encode(pipe, parse_attention(long))),
        ("ours, job with AND + [a:b:0.5] + negative", lambda: encode_job(
            pipe, "a [red:blue:0.5] fox AND snow :0.5", "blurry", 25)),
    ]
    for _, fn in rows:  # warm up
        fn()
    base = None
    print(f"{platform.machine()} {args.device}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    for label, fn in rows:
        seconds = _best(fn, args.repeat)
        base = base or seconds
        print(f"{label:45s} {seconds * 1000:8.1f} ms   x{seconds / base:.2f}")


if __name__ == "__main__":
    main()
