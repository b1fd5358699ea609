"""Generation parameters in A1111's "parameters" text format, which most image tools can read,
written for our PNGs and read back from ours or A1111's (`underpaint generate --from IMAGE.png`).

    a red fox, (snow:1.2) <lora:ink:0.8>
    Negative prompt: blurry
    Steps: 25, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 42, Size: 512x512, Model: v15, Clip skip: 2
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field


def format_infotext(prompt: str, negative_prompt: str, *, steps: int, sampler: str, guidance: float,
                    seed: int, width: int, height: int, model: str = "", model_hash: str = "",
                    strength: float | None = None, tiling: bool = False, vae: str = "", vae_hash: str = "",
                    lora_hashes: str = "", ti_hashes: str = "", extra_prompt: str = "", clip_skip: int = 1,
                    noise=None) -> str:
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
    fields += _noise_fields(noise)
    if lora_hashes:
        fields.append(("Lora hashes", lora_hashes))
    if ti_hashes:
        fields.append(("TI hashes", ti_hashes))
    text = prompt + (" " + extra_prompt if extra_prompt and prompt else extra_prompt)
    if negative_prompt:
        text += f"\nNegative prompt: {negative_prompt}"
    return text + "\n" + ", ".join(f"{k}: {_quote(v)}" for k, v in fields)


def _noise_fields(noise) -> list:
    """A1111's names for a jobs.noise_options.NoiseSettings ("Seed resize from: 512x512", ...)."""
    if noise is None:
        return []
    fields = []
    if noise.variation_strength > 0:
        fields += [("Variation seed", noise.variation_seed),
                   ("Variation seed strength", _num(round(noise.variation_strength, 4)))]
    if noise.resize_from is not None:
        fields.append(("Seed resize from", f"{noise.resize_from[0]}x{noise.resize_from[1]}"))
    if noise.freeze:
        fields.append(("Frozen noise", "True"))
    return fields


def _num(value: float) -> str:
    return f"{value:g}"


def _quote(value) -> str:
    """As A1111: values with a comma, colon or newline are written as JSON strings."""
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if any(c in text for c in ",:\n") else text


# --- reading ------------------------------------------------------------------------------------

# A1111's own pattern (modules/infotext_utils.py): "Key: value" or 'Key: "quoted, value"'.
_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_SIZE = re.compile(r"^(\d+)x(\d+)$")


@dataclass
class Infotext:
    prompt: str = ""
    negative_prompt: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # "Steps" -> "25", "Size" -> "512x512", ...


def parse_infotext(text: str) -> dict:
    """{"prompt", "negative_prompt", and each "Key": "value"} (the archive's view of read_infotext)."""
    info = read_infotext(text)
    return {**info.fields, "prompt": info.prompt.strip(), "negative_prompt": info.negative_prompt.strip()}


def read_infotext(text: str) -> Infotext:
    """The prompt, negative prompt and "Key: value" fields of a parameters text, read as A1111
    reads it: the last line holds the fields when it has at least three of them."""
    *lines, last = text.strip().split("\n")
    if len(_PARAM.findall(last)) < 3:
        lines.append(last)
        last = ""
    out = Infotext()
    prompt, negative, in_negative = [], [], False
    for line in lines:
        line = line.strip()
        if line.startswith("Negative prompt:"):
            in_negative = True
            line = line[len("Negative prompt:"):].strip()
        (negative if in_negative else prompt).append(line)
    out.prompt, out.negative_prompt = "\n".join(prompt), "\n".join(negative)
    for key, value in _PARAM.findall(last):
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            try:
                value = json.loads(value)
            except ValueError:
                value = value[1:-1]
        out.fields[key.strip()] = value
    return out


def request_fields(info: Infotext, samplers: dict[str, str], models: dict[str, str]) -> tuple[dict, list[str]]:
    """GenerateRequest fields for re-running `info`, and notes on what could not be carried over.
    samplers: id -> display name; models: id or display name -> model id."""
    fields: dict = {"prompt": info.prompt, "negative_prompt": info.negative_prompt}
    notes: list[str] = []
    f = info.fields

    def number(key, kind):
        try:
            return kind(f[key])
        except (KeyError, ValueError):
            if key in f:
                notes.append(f"{key}: '{f[key]}' is not a number; left at the default")
            return None

    for key, name, kind in (("Steps", "steps", int), ("CFG scale", "guidance", float), ("Seed", "seed", int),
                            ("Clip skip", "clip_skip", int), ("Denoising strength", "strength", float)):
        value = number(key, kind)
        if value is not None:
            fields[name] = value
    size = _SIZE.match(f.get("Size", ""))
    if size:
        fields["width"], fields["height"] = int(size.group(1)), int(size.group(2))
    if "Sampler" in f:
        sampler = _sampler(f["Sampler"], f.get("Schedule type", ""), samplers)
        if sampler:
            fields["sampler"] = sampler
        else:
            notes.append(f"sampler '{f['Sampler']}' is not offered here; using the daemon's default")
    if "Model" in f:
        model = models.get(f["Model"]) or models.get(f["Model"].lower())
        if model:
            fields["model"] = model
        else:
            notes.append(f"model '{f['Model']}' is not installed; using the default model")
    if f.get("VAE"):
        fields["vae"] = re.sub(r"\.(safetensors|pt|ckpt|bin|pth)$", "", f["VAE"], flags=re.I)
    if f.get("Tiling", "").lower() == "true":
        fields["tiling"] = True
    return fields, notes


def _sampler(name: str, schedule: str, samplers: dict[str, str]) -> str:
    by_name = {display.lower(): sid for sid, display in samplers.items()}
    by_name.update({sid.lower(): sid for sid in samplers})
    wanted = [name]
    if schedule and schedule.lower() not in ("automatic", "uniform"):
        wanted.insert(0, f"{name} {schedule}")  # A1111 1.9+: "Sampler: DPM++ 2M, Schedule type: Karras"
    return next((by_name[w.lower()] for w in wanted if w.lower() in by_name), "")
