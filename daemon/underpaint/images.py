"""Image messages <-> numpy arrays. Raw pixels are the fast path; PNG/WebP only when asked."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage

from .errors import InvalidArgument
from .v1 import underpaint_pb2 as pb

_CHANNELS = {pb.PIXEL_FORMAT_RGBA8: 4, pb.PIXEL_FORMAT_UNSPECIFIED: 4, pb.PIXEL_FORMAT_RGB8: 3,
             pb.PIXEL_FORMAT_GRAY8: 1}
_ENCODED = {pb.PIXEL_FORMAT_PNG: "PNG", pb.PIXEL_FORMAT_WEBP: "WEBP"}


def decode(image: pb.Image, field: str, channels: int, max_pixels: int) -> np.ndarray:
    """Returns (h, w, channels) uint8 (or (h, w) for channels == 1), converting as needed."""
    w, h = image.width, image.height
    if image.format in _ENCODED:
        try:
            pil = PILImage.open(io.BytesIO(image.data))
            # check the size from the header, before decoding a bomb into memory
            if pil.width * pil.height > max_pixels:
                raise InvalidArgument(field, f"{pil.width}x{pil.height} is over the limit of {max_pixels} pixels")
            pil.load()
        except InvalidArgument:
            raise
        except Exception as exc:  # Pillow raises many types for broken files
            raise InvalidArgument(f"{field}.data", f"not a readable {_ENCODED[image.format]} image ({exc})")
        if (w or h) and (w, h) != pil.size:
            raise InvalidArgument(field, f"width x height say {w}x{h} but the file is {pil.width}x{pil.height}")
        mode = {4: "RGBA", 3: "RGB", 1: "L"}[channels]
        return np.asarray(pil.convert(mode))
    if image.format not in _CHANNELS:
        raise InvalidArgument(f"{field}.format", f"unknown pixel format {image.format}")
    if w <= 0 or h <= 0:
        raise InvalidArgument(field, f"width and height must be positive, got {w}x{h}")
    if w * h > max_pixels:
        raise InvalidArgument(field, f"{w}x{h} is over the limit of {max_pixels} pixels")
    have = _CHANNELS[image.format]
    if len(image.data) != w * h * have:
        raise InvalidArgument(f"{field}.data", f"has {len(image.data)} bytes but {w}x{h} "
                              f"{pb.PixelFormat.Name(image.format)} needs {w * h * have}")
    arr = np.frombuffer(image.data, dtype=np.uint8).reshape(h, w, have)
    return convert_channels(arr, channels)


def convert_channels(arr: np.ndarray, channels: int) -> np.ndarray:
    have = arr.shape[2] if arr.ndim == 3 else 1
    if have == channels:
        return arr if channels > 1 else arr.reshape(arr.shape[0], arr.shape[1])
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if channels == 1:  # a mask sent as colour: use alpha if present, else luminance
        if have == 4:
            return np.ascontiguousarray(arr[:, :, 3])
        return np.asarray(PILImage.fromarray(arr[:, :, :3]).convert("L"))
    if have == 1:
        rgb = np.repeat(arr, 3, axis=2)
    else:
        rgb = arr[:, :, :3]
    if channels == 3:
        if have == 4:  # flatten transparent pixels over mid-grey so the model sees no black halos
            a = arr[:, :, 3:4].astype(np.uint16)
            rgb = ((rgb.astype(np.uint16) * a + 128 * (255 - a) + 127) // 255).astype(np.uint8)
        return np.ascontiguousarray(rgb)
    alpha = np.full(rgb.shape[:2] + (1,), 255, np.uint8)
    return np.ascontiguousarray(np.concatenate([rgb, alpha], axis=2))


def encode(arr: np.ndarray, fmt: int) -> pb.Image:
    """arr: (h, w, 3|4) or (h, w) uint8 -> Image in `fmt` (raw RGBA8 by default)."""
    h, w = arr.shape[:2]
    if fmt in _ENCODED:
        buf = io.BytesIO()
        pil = PILImage.fromarray(arr)
        if fmt == pb.PIXEL_FORMAT_WEBP:
            pil.save(buf, "WEBP", lossless=True, exact=True)  # exact: keep colour under alpha 0
        else:
            pil.save(buf, "PNG")
        return pb.Image(width=w, height=h, format=fmt, data=buf.getvalue())
    if fmt == pb.PIXEL_FORMAT_GRAY8:
        return pb.Image(width=w, height=h, format=fmt, data=convert_channels(arr if arr.ndim == 3 else arr[:, :, None], 1).tobytes())
    if fmt == pb.PIXEL_FORMAT_RGB8:
        return pb.Image(width=w, height=h, format=fmt, data=convert_channels(arr, 3).tobytes())
    rgba = convert_channels(arr if arr.ndim == 3 else arr[:, :, None], 4)
    return pb.Image(width=w, height=h, format=pb.PIXEL_FORMAT_RGBA8, data=rgba.tobytes())
