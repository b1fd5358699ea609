"""Generation parameters in A1111's "parameters" text format, which most image tools can read."""

from __future__ import annotations


def format_infotext(prompt: str, negative_prompt: str, *, steps: int, sampler: str, guidance: float,
                    seed: int, width: int, height: int, model: str = "", model_hash: str = "",
                    strength: float | None = None, tiling: bool = False, vae: str = "", vae_hash: str = "",
                    lora_hashes: str = "", ti_hashes: str = "", extra_prompt: str = "") -> str:
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
