"""Reading input images and writing result PNGs with their parameters for the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image as PILImage, PngImagePlugin

from ..v1 import underpaint_pb2 as pb


def read_image(path: str, mode: str) -> pb.Image:
    """mode "RGBA" -> RGBA8 raw, "L" -> GRAY8 raw."""
    try:
        pil = PILImage.open(path)
        pil.load()
    except (OSError, ValueError) as exc:
        raise SystemExit(f"underpaint: cannot read image {path}: {exc}")
    pil = pil.convert(mode)
    fmt = pb.PIXEL_FORMAT_RGBA8 if mode == "RGBA" else pb.PIXEL_FORMAT_GRAY8
    return pb.Image(width=pil.width, height=pil.height, format=fmt, data=pil.tobytes())


def to_pil(image: pb.Image) -> PILImage.Image:
    if image.format in (pb.PIXEL_FORMAT_PNG, pb.PIXEL_FORMAT_WEBP):
        import io
        return PILImage.open(io.BytesIO(image.data))
    channels = {pb.PIXEL_FORMAT_RGB8: 3, pb.PIXEL_FORMAT_GRAY8: 1}.get(image.format, 4)
    arr = np.frombuffer(image.data, np.uint8).reshape(image.height, image.width, channels)
    return PILImage.fromarray(arr.squeeze(2) if channels == 1 else arr)


def save_png(image: pb.Image, path: Path, parameters: str) -> None:
    """Writes a PNG with A1111's `parameters` text chunk, which many tools read back."""
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", parameters)
    pil = to_pil(image)
    if pil.mode == "RGBA" and pil.getextrema()[3] == (255, 255):
        pil = pil.convert("RGB")  # opaque: a smaller file, same pixels
    path.parent.mkdir(parents=True, exist_ok=True)
    pil.save(path, "PNG", pnginfo=info)


def output_paths(out: str, count: int) -> list[Path]:
    path = Path(out)
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{i + 1}{path.suffix or '.png'}") for i in range(count)]
