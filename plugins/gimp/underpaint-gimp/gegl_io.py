"""Pixels in and out of GEGL buffers, in the formats the protocol speaks.

babl converts whatever the buffer holds (8/16/32-bit, linear or not, gray or RGB, any colour
space GIMP attached) to sRGB "R'G'B'A u8" on read and back on write, so the plug-in never
branches on precision. Rectangles are in the buffer's own coordinates.
"""

from __future__ import annotations

import gi

gi.require_version("Gegl", "0.4")
from gi.repository import Gegl  # noqa: E402

RGBA8 = "R'G'B'A u8"
# Selection coverage is linear (no transfer curve): read it as plain "Y", not "Y'".
MASK8 = "Y u8"


def _rect(x: int, y: int, width: int, height: int):
    return Gegl.Rectangle.new(int(x), int(y), int(width), int(height))


def read_rgba(buffer, x: int, y: int, width: int, height: int) -> bytes:
    """width*height*4 bytes; pixels outside the buffer's extent read as transparent."""
    data = buffer.get(_rect(x, y, width, height), 1.0, RGBA8, Gegl.AbyssPolicy.NONE)
    return bytes(data)


def read_mask(buffer, x: int, y: int, width: int, height: int) -> bytes:
    """width*height bytes of coverage (255 = fully selected); outside the extent reads as 0."""
    data = buffer.get(_rect(x, y, width, height), 1.0, MASK8, Gegl.AbyssPolicy.NONE)
    return bytes(data)


def write_rgba(buffer, x: int, y: int, width: int, height: int, data: bytes) -> None:
    expected = width * height * 4
    if len(data) != expected:
        raise ValueError(f"data: expected {width}x{height}x4 = {expected} bytes, got {len(data)}")
    buffer.set(_rect(x, y, width, height), RGBA8, bytes(data))
    buffer.flush()
