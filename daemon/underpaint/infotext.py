"""Generation parameters in A1111's "parameters" text format, which most image tools can read."""

from __future__ import annotations

import re


def format_infotext(prompt: str, negative_prompt: str, *, steps: int, sampler: str, guidance: float,
                    seed: int, width: int, height: int, model: str = "", model_hash: str = "",
                    strength: float | None = None, tiling: bool = False, vae: str = "", vae_hash: str = "",
                    lora_hashes: str = "", ti_hashes: str = "", extra_prompt: str = "", clip_skip: int = 1) -> str:
    fields = [("Steps", steps), ("Sampler", sampler), ("CFG scale", _num(guidance)), ("Seed", seed),
              ("Size", f"{width}x{height}")]
    if model_hash:
        fields.append(("Model hash", model_hash))
    if model:
        fields.append(("Model", model))
    if vae_hash:
        fields.append(("VAE hash", vae_hash))
    if vae:
        fields.append(("VAE", vae))
    if strength is not None:
        fields.append(("Denoising strength", _num(strength)))
    if clip_skip > 1:  # A1111 writes it only when it differs from the default
        fields.append(("Clip skip", clip_skip))
    if tiling:
        fields.append(("Tiling", "True"))
    if lora_hashes:
        fields.append(("Lora hashes", lora_hashes))
    if ti_hashes:
        fields.append(("TI hashes", ti_hashes))
    text = prompt + (" " + extra_prompt if extra_prompt and prompt else extra_prompt)
    if negative_prompt:
        text += f"\nNegative prompt: {negative_prompt}"
    return text + "\n" + ", ".join(f"{k}: {_quote(v)}" for k, v in fields)


def _num(value: float) -> str:
    return f"{value:g}"


def _quote(value) -> str:
    text = str(value)
    return f'"{text}"' if ("," in text or ":" in text) else text


_FIELD = re.compile(r'\s*([A-Za-z][\w \-/]*):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')


def parse_infotext(text: str) -> dict:
    """A1111 "parameters" text -> {"prompt", "negative_prompt", and each "Key": "value"}. Minimal:
    the last line is the fields when it parses as "Key: value, Key: value"."""
    lines = text.strip().split("\n")
    fields: dict = {}
    last = lines[-1] if lines else ""
    found = _FIELD.findall(last)
    if len(found) >= 2 or (found and last.startswith("Steps:")):
        lines = lines[:-1]
        for key, value in found:
            fields[key.strip()] = value[1:-1].replace('\\"', '"') if value.startswith('"') else value.strip()
    prompt, negative, in_negative = [], [], False
    for line in lines:
        if line.startswith("Negative prompt:"):
            in_negative = True
            line = line[len("Negative prompt:"):].strip()
        (negative if in_negative else prompt).append(line)
    fields["prompt"] = "\n".join(prompt).strip()
    fields["negative_prompt"] = "\n".join(negative).strip()
    return fields
