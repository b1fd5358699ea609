"""Archive entries as PNG files and back.

Export writes A1111's `parameters` text chunk (what A1111, ComfyUI's loaders and most image sites
read) and an `underpaint` chunk with the exact GenerationParameters as JSON. Import prefers the
`underpaint` chunk and otherwise parses `parameters`, so files from A1111 import as well as ours.
"""

from __future__ import annotations

import io

import numpy as np
from google.protobuf import json_format
from PIL import Image as PILImage
from PIL import PngImagePlugin

from ..errors import InvalidArgument
from ..infotext import parse_infotext
from ..v1 import underpaint_pb2 as pb

CHUNK = "underpaint"


def to_png(rgba: bytes, width: int, height: int, params: pb.GenerationParameters) -> bytes:
    info = PngImagePlugin.PngInfo()
    if params.infotext:
        info.add_itxt("parameters", params.infotext)
    info.add_itxt(CHUNK, json_format.MessageToJson(params, indent=None))
    buf = io.BytesIO()
    PILImage.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).save(buf, "PNG", pnginfo=info,
                                                                                 compress_level=6)
    return buf.getvalue()


def parameters_of(pil: PILImage.Image, sampler_ids: dict[str, str]) -> pb.GenerationParameters:
    """The parameters a file carries (empty when none). sampler_ids: display name -> id."""
    text = getattr(pil, "text", None) or pil.info
    if text.get(CHUNK):
        try:
            return json_format.Parse(text[CHUNK], pb.GenerationParameters(), ignore_unknown_fields=True)
        except json_format.ParseError:
            pass  # fall back to the A1111 text
    infotext = text.get("parameters", "")
    if not isinstance(infotext, str) or not infotext:
        return pb.GenerationParameters()
    fields = parse_infotext(infotext)
    params = pb.GenerationParameters(prompt=fields["prompt"], negative_prompt=fields["negative_prompt"],
                                     infotext=infotext, model=fields.get("Model", ""),
                                     model_hash=fields.get("Model hash", ""))
    sampler = fields.get("Sampler", "")
    params.sampler = sampler_ids.get(sampler, sampler)
    params.steps = _number(fields, "Steps", int)
    params.guidance = _number(fields, "CFG scale", float)
    params.seed = _number(fields, "Seed", int)
    params.strength = _number(fields, "Denoising strength", float)
    params.tiling = fields.get("Tiling", "") == "True"
    size = fields.get("Size", "")
    if "x" in size:
        w, _, h = size.partition("x")
        if w.isdigit() and h.isdigit():
            params.width, params.height = int(w), int(h)
    return params


def read_image(data: bytes, max_pixels: int, field: str = "image") -> tuple[np.ndarray, PILImage.Image]:
    """(RGBA array, the opened file) from an encoded image; the size is checked before decoding."""
    try:
        pil = PILImage.open(io.BytesIO(data))
        if pil.width * pil.height > max_pixels:
            raise InvalidArgument(field, f"{pil.width}x{pil.height} is over the limit of {max_pixels} pixels")
        pil.load()
    except InvalidArgument:
        raise
    except Exception as exc:  # Pillow raises many types for broken files
        raise InvalidArgument(f"{field}.data", f"not a readable image file ({exc})") from None
    return np.asarray(pil.convert("RGBA")), pil


def _number(fields: dict, key: str, kind):
    try:
        return kind(fields.get(key, 0) or 0)
    except ValueError:
        return 0
