"""Pixel-layout conversions between host formats and the wire format (RGBA8, top-down rows,
straight alpha, sRGB).

Pure Python that stays fast on 8k canvases: byte work uses extended slices of bytes/bytearray
(done in C), per-value work uses lookup tables driven by map() (also C). When numpy is importable
(Blender always has it) the float and alpha helpers use it with the very same tables, so both
paths give identical bytes.
"""

from __future__ import annotations

import struct
import sys
from array import array

try:  # optional speed-up only; every function works without it
    import numpy as _np
except ImportError:  # pragma: no cover - depends on the host
    _np = None

_LITTLE_ENDIAN = sys.byteorder == "little"


def _sliceable(data):
    """bytes/bytearray as they are, anything else (memoryview, array) as bytes: strided slices
    of bytes run several times faster than those of a memoryview."""
    if isinstance(data, (bytes, bytearray)):
        return data
    return memoryview(data).cast("B").tobytes()


# --- byte order and row order -----------------------------------------------------------------

def bgra_to_rgba(data) -> bytes:
    """Swaps the 1st and 3rd byte of every pixel (BGRA <-> RGBA; Krita's pixelData is BGRA)."""
    out = bytearray(data)
    red = out[2::4]  # slicing a bytearray is much faster than slicing a memoryview
    out[2::4] = out[0::4]
    out[0::4] = red
    return bytes(out)


rgba_to_bgra = bgra_to_rgba  # the same swap both ways


def flip_rows(data, width: int, height: int, bytes_per_pixel: int) -> bytes:
    """Reverses the row order (bottom-up <-> top-down, e.g. for Blender's image.pixels)."""
    row = width * bytes_per_pixel
    view = memoryview(data).cast("B")
    if view.nbytes != row * height:
        raise ValueError(f"data: expected {width}x{height}x{bytes_per_pixel} = {row * height} "
                         f"bytes, got {view.nbytes}")
    out = bytearray(row * height)
    for y in range(height):
        top = y * row
        bottom = (height - 1 - y) * row
        out[top:top + row] = view[bottom:bottom + row]
    return bytes(out)


# --- channels ---------------------------------------------------------------------------------

def rgba_to_gray_alpha(rgba) -> bytes:
    """The alpha channel of RGBA8 pixels as GRAY8 (e.g. a layer's coverage as a mask)."""
    return bytes(_sliceable(rgba)[3::4])


def gray_to_rgba(gray, alpha=None) -> bytes:
    """GRAY8 -> RGBA8 with R = G = B = gray and alpha = `alpha` (GRAY8 bytes) or opaque."""
    gray = _sliceable(gray)
    out = bytearray(b"\xff" * (len(gray) * 4))
    out[0::4] = gray
    out[1::4] = gray
    out[2::4] = gray
    if alpha is not None:
        alpha = _sliceable(alpha)
        if len(alpha) != len(gray):
            raise ValueError(f"alpha: expected {len(gray)} bytes like gray, got {len(alpha)}")
        out[3::4] = alpha
    return bytes(out)


def rgb_to_rgba(rgb, alpha: int = 255) -> bytes:
    rgb = _sliceable(rgb)
    out = bytearray(bytes((alpha,)) * (len(rgb) // 3 * 4))
    for c in range(3):
        out[c::4] = rgb[c::3]
    return bytes(out)


def rgba_to_rgb(rgba) -> bytes:
    rgba = _sliceable(rgba)
    out = bytearray(len(rgba) // 4 * 3)
    for c in range(3):
        out[c::3] = rgba[c::4]
    return bytes(out)


# --- alpha ------------------------------------------------------------------------------------

_premultiply_tables: list | None = None
_unpremultiply_tables: list | None = None


def _alpha_tables():
    """Per alpha value a 256-byte table: [a][c] -> round(c*a/255) and round(c*255/a)."""
    global _premultiply_tables, _unpremultiply_tables
    if _premultiply_tables is None:
        _premultiply_tables = [bytes((c * a + 127) // 255 for c in range(256)) for a in range(256)]
        _unpremultiply_tables = [bytes(256)] + [
            bytes(min(255, (c * 255 + a // 2) // a) for c in range(256)) for a in range(1, 256)]
    return _premultiply_tables, _unpremultiply_tables


def straight_to_premultiplied(rgba) -> bytes:
    return _apply_alpha_tables(rgba, _alpha_tables()[0])


def premultiplied_to_straight(rgba) -> bytes:
    """Colour of fully transparent pixels becomes 0."""
    return _apply_alpha_tables(rgba, _alpha_tables()[1])


def _apply_alpha_tables(rgba, tables: list) -> bytes:
    src = _sliceable(rgba)
    alpha = bytes(src[3::4])
    if alpha.count(255) == len(alpha):  # opaque images are the common case: nothing to do
        return bytes(src)
    flat = b"".join(tables)  # index: alpha * 256 + colour
    if _np is not None:
        pixels = _np.frombuffer(src, dtype=_np.uint8).reshape(-1, 4)
        table = _np.frombuffer(flat, dtype=_np.uint8)
        out = pixels.copy()
        row = pixels[:, 3].astype(_np.uint16) << 8
        for c in range(3):
            out[:, c] = table[row | pixels[:, c]]
        return out.tobytes()
    # Pure Python: interleave (colour, alpha) byte pairs so that each pair read as a
    # little-endian uint16 is the table index; map() then does one C-level lookup per value.
    out = bytearray(src)
    pairs = bytearray(2 * len(alpha))
    pairs[1::2] = alpha
    for c in range(3):
        pairs[0::2] = out[c::4]
        index = array("H")
        index.frombytes(pairs)
        if not _LITTLE_ENDIAN:
            index.byteswap()
        out[c::4] = bytes(map(flat.__getitem__, index))
    return bytes(out)


# --- float <-> 8 bit, with optional sRGB transfer ---------------------------------------------

def srgb_encode(linear: float) -> float:
    if linear <= 0.0031308:
        return 12.92 * linear
    return 1.055 * linear ** (1 / 2.4) - 0.055


def srgb_decode(encoded: float) -> float:
    if encoded <= 0.04045:
        return encoded / 12.92
    return ((encoded + 0.055) / 1.055) ** 2.4


_to_float_tables: dict = {}
_to_u8_tables: dict = {}


def _float32(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", value))[0]


def _to_float_table(srgb: bool) -> list:
    """u8 -> float32 value (as a Python float), 256 entries."""
    if srgb not in _to_float_tables:
        _to_float_tables[srgb] = [_float32(srgb_decode(v / 255) if srgb else v / 255)
                                  for v in range(256)]
    return _to_float_tables[srgb]


def _to_u8_table(srgb: bool) -> bytes:
    """float32 -> u8, indexed by the float's top 16 bits (sign, exponent, 7 mantissa bits).

    Each entry encodes its bucket's midpoint; then the buckets holding the exact 256 values
    u8_to_float produces are pinned to them, so u8 -> float -> u8 is exact and any other
    float is at most one level off. Negative values and NaN give 0, values above 1 give 255."""
    if srgb in _to_u8_tables:
        return _to_u8_tables[srgb]
    mids = struct.unpack("<32768f", b"".join(
        struct.pack("<I", (top << 16) | 0x8000) for top in range(32768)))
    table = bytearray(65536)  # the upper half (sign bit set) stays 0
    for top, value in enumerate(mids):
        if value != value:  # NaN
            continue
        value = min(max(value, 0.0), 1.0)
        table[top] = int((srgb_encode(value) if srgb else value) * 255 + 0.5)
    table[0x7F80] = 255  # +inf shares its bucket only with NaNs
    for v, value in enumerate(_to_float_table(srgb)):
        table[struct.unpack("<I", struct.pack("<f", value))[0] >> 16] = v
    _to_u8_tables[srgb] = bytes(table)
    return _to_u8_tables[srgb]


def _float_bytes(floats) -> memoryview:
    view = memoryview(floats)
    if view.format not in ("f", "B") or (view.format == "B" and view.nbytes % 4):
        raise ValueError(f"floats: expected float32 values (array('f') or a memoryview of "
                         f"float32), got format {view.format!r}")
    return view.cast("B")


def float_to_u8(floats, srgb_encode: bool = False, channels: int = 4) -> bytes:
    """float32 values in [0, 1] -> 8-bit values (clamped). With srgb_encode, the first three of
    every `channels` values (RGB) get the sRGB transfer and the fourth (alpha) stays linear."""
    raw = _float_bytes(floats)
    linear_table = _to_u8_table(False)
    colour_table = _to_u8_table(True) if srgb_encode else linear_table
    if _np is not None:
        tops = (_np.frombuffer(raw, dtype="<u4") >> 16).astype(_np.uint16)
        out = _np.frombuffer(colour_table, dtype=_np.uint8)[tops]
        if srgb_encode and channels == 4:
            out[3::4] = _np.frombuffer(linear_table, dtype=_np.uint8)[tops[3::4]]
        return out.tobytes()
    halves = array("H")
    halves.frombytes(raw)
    if not _LITTLE_ENDIAN:
        halves.byteswap()
    tops = halves[1::2]
    out = bytearray(map(colour_table.__getitem__, tops))
    if srgb_encode and channels == 4:
        out[3::4] = bytes(map(linear_table.__getitem__, tops[3::4]))
    return bytes(out)


def u8_to_float(data, srgb_decode: bool = False, channels: int = 4) -> array:
    """8-bit values -> array('f') in [0, 1]. With srgb_decode, RGB get the inverse sRGB transfer
    (to linear, as Blender wants) and every fourth value (alpha) stays linear."""
    src = _sliceable(data)
    linear_table = _to_float_table(False)
    colour_table = _to_float_table(True) if srgb_decode else linear_table
    if _np is not None:
        values = _np.frombuffer(src, dtype=_np.uint8)
        result = array("f", [0.0]) * len(values)
        out = _np.frombuffer(result, dtype=_np.float32)  # a view: writes go into the array
        out[...] = _np.array(colour_table, dtype=_np.float32)[values]  # np.take(out=) is 9x slower
        if srgb_decode and channels == 4:
            out[3::4] = _np.array(linear_table, dtype=_np.float32)[values[3::4]]
        return result
    out = array("f", map(colour_table.__getitem__, src))
    if srgb_decode and channels == 4:
        out[3::4] = array("f", map(linear_table.__getitem__, src[3::4]))
    return out
