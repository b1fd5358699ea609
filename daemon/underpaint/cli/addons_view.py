"""The add-on part of `underpaint models` (ControlNets and IP-Adapters included) (unusable files, add-ons too, come after it), and `--lora NAME[:WEIGHT]` for `generate`."""

from __future__ import annotations

import argparse

from ..v1 import underpaint_pb2 as pb

_HEADINGS = {"lora": "LoRAs", "embedding": "embeddings", "vae": "VAEs", "controlnet": "ControlNets",
             "ipadapter": "IP-Adapters (reference images)", "upscaler": "upscalers",
             "face_restorer": "face restorers", "face_detector": "face detectors",
             "vae_approx": "preview decoders (TAESD)"}
_FINISHING = ("upscaler", "face_restorer", "face_detector")  # they fit any model: no family shown
_FAMILIES = {"sd15": "SD 1.x", "sd2": "SD 2.x", "sdxl": "SDXL", "": "any SD model"}


def print_addons(resp: pb.ListModelsResponse) -> None:
    for kind, heading in _HEADINGS.items():
        items = [a for a in resp.add_ons if a.type == kind]
        if not items:
            continue
        print(f"\n{heading}:")
        for a in items:
            flags = [] if kind in _FINISHING else [_FAMILIES.get(a.architecture, a.architecture)]
            if a.type == "controlnet":
                flags.append(a.control_type or "type not told by the file")
            if a.scale:
                flags.append(f"x{a.scale}")
            if a.license:
                flags.append(f"licence: {a.license}")
            if kind in _FINISHING and a.description:
                flags.append(a.description)
            if a.vectors:
                flags.append(f"{a.vectors} vector{'s' if a.vectors != 1 else ''}")
            if a.is_demo:
                flags.append("DEMO: random weights")
            print(f"  {a.id}  [{', '.join(flags)}]" if flags else f"  {a.id}")


def defaults_text(d: pb.ModelDefaults) -> str:
    """A model's sidecar defaults as one line; "" when it has none."""
    parts = [f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}"
             for name, value in (("steps", d.steps), ("sampler", d.sampler), ("guidance", d.guidance),
                                 ("clip skip", d.clip_skip), ("VAE", d.vae)) if value]
    if d.no_mean_restore:
        parts.append("no mean restore")
    return ", ".join(parts)


def parse_lora(text: str) -> pb.LoraWeight:
    name, sep, weight = text.rpartition(":")
    if not sep:
        return pb.LoraWeight(name=text, weight=1.0)
    try:
        return pb.LoraWeight(name=name, weight=float(weight))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--lora {text!r}: the weight after ':' must be a number") from None
