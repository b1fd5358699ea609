"""Convert between Krita's RGBA pixel layouts and the protocol's RGBA8 (straight, sRGB).

Pure Python (no Krita, no numpy) so it runs in every Krita and in plain pytest.
Krita stores RGBA U8 and U16 as B, G, R, A and RGBA F16/F32 as R, G, B, A; all little-endian.
Deep documents often use a linear ("-g10") profile: their colour channels go through the sRGB
transfer on the way to and from 8 bits, alpha never does.
"""

import struct
from array import array

DEPTHS = ("U8", "U16", "F16", "F32")


def is_linear_profile(profile_name: str) -> bool:
    name = (profile_name or "").lower()
    return "g10" in name or "linear" in name


def _srgb_encode(c: float) -> float:
    if c <= 0.0031308:
        return 12.92 * c
    return 1.055 * c ** (1 / 2.4) - 0.055


def _srgb_decode(c: float) -> float:
    if c <= 0.04045:
        return c / 12.92
    return ((c + 0.055) / 1.055) ** 2.4


_linear16_to_srgb8 = None  # built on first use: 65536 entries


def _linear16_lut():
    global _linear16_to_srgb8
    if _linear16_to_srgb8 is None:
        _linear16_to_srgb8 = bytes(int(_srgb_encode(i / 65535) * 255 + 0.5) for i in range(65536))
    return _linear16_to_srgb8


def _swap_red_blue(data) -> bytes:
    out = bytearray(data)
    out[0::4] = data[2::4]
    out[2::4] = data[0::4]
    return bytes(out)


def _floats(raw: bytes, depth: str):
    if depth == "F32":
        return array("f", raw)
    return struct.unpack("<%de" % (len(raw) // 2), raw)


def to_rgba8(raw: bytes, depth: str, linear: bool = False) -> bytes:
    """Krita pixels of an RGBA document (its own layout and depth) -> RGBA8 sRGB."""
    raw = bytes(raw)
    if depth == "U8":
        return _swap_red_blue(raw)
    if depth == "U16":
        if not linear:
            return _swap_red_blue(raw[1::2])  # the high byte of each little-endian value
        values = array("H", raw)
        lut = _linear16_lut()
        out = bytearray(lut[v] for v in values)
        out[3::4] = bytes(v >> 8 for v in values[3::4])
        return _swap_red_blue(out)
    if depth in ("F16", "F32"):
        floats = _floats(raw, depth)
        if linear:
            lut = _linear16_lut()
            out = bytearray(lut[int(min(max(f, 0.0), 1.0) * 65535 + 0.5)] for f in floats)
        else:
            out = bytearray(int(min(max(f, 0.0), 1.0) * 255 + 0.5) for f in floats)
        out[3::4] = bytes(int(min(max(f, 0.0), 1.0) * 255 + 0.5) for f in floats[3::4])
        return bytes(out)
    raise ValueError("unsupported channel depth %r (expected one of %s)" % (depth, ", ".join(DEPTHS)))


def from_rgba8(rgba: bytes, depth: str, linear: bool = False) -> bytes:
    """RGBA8 sRGB from the daemon -> pixels in the layout and depth of an RGBA document."""
    rgba = bytes(rgba)
    if depth == "U8":
        return _swap_red_blue(rgba)
    if depth == "U16":
        bgra = _swap_red_blue(rgba)
        if not linear:
            out = bytearray(len(bgra) * 2)  # v * 257 = the byte repeated in both halves
            out[0::2] = bgra
            out[1::2] = bgra
            return bytes(out)
        lut = [int(_srgb_decode(i / 255) * 65535 + 0.5) for i in range(256)]
        values = array("H", (lut[b] for b in bgra))
        values[3::4] = array("H", (a * 257 for a in bgra[3::4]))
        return values.tobytes()
    if depth in ("F16", "F32"):
        if linear:
            lut = [_srgb_decode(i / 255) for i in range(256)]
        else:
            lut = [i / 255 for i in range(256)]
        values = [lut[b] for b in rgba]
        values[3::4] = [a / 255 for a in rgba[3::4]]
        if depth == "F32":
            return array("f", values).tobytes()
        return struct.pack("<%de" % len(values), *values)
    raise ValueError("unsupported channel depth %r (expected one of %s)" % (depth, ", ".join(DEPTHS)))
