"""Pixel helpers: hand-computed pixels, round trips, and the numpy and pure paths agreeing."""

from __future__ import annotations

import random
import struct
from array import array

import pytest

from underpaint_kit import pixels


@pytest.fixture(params=["numpy", "pure"])
def path(request, monkeypatch):
    """Runs a test once with numpy (when installed) and once with the pure-Python code."""
    if request.param == "pure":
        monkeypatch.setattr(pixels, "_np", None)
    elif pixels._np is None:
        pytest.skip("numpy is not installed")
    return request.param


def test_bgra_to_rgba_swaps_red_and_blue_only():
    bgra = bytes([10, 20, 30, 40, 1, 2, 3, 255])
    assert pixels.bgra_to_rgba(bgra) == bytes([30, 20, 10, 40, 3, 2, 1, 255])
    assert pixels.rgba_to_bgra(pixels.bgra_to_rgba(bgra)) == bgra
    assert pixels.bgra_to_rgba(memoryview(bytearray(bgra))) == bytes([30, 20, 10, 40, 3, 2, 1, 255])


def test_flip_rows_reverses_row_order():
    # 2x3 image, 1 byte per pixel: rows [1 2] [3 4] [5 6]
    assert pixels.flip_rows(bytes([1, 2, 3, 4, 5, 6]), 2, 3, 1) == bytes([5, 6, 3, 4, 1, 2])
    data = bytes(random.Random(1).randrange(256) for _ in range(5 * 4 * 4))
    assert pixels.flip_rows(pixels.flip_rows(data, 5, 4, 4), 5, 4, 4) == data
    with pytest.raises(ValueError, match="data: expected 2x3x1 = 6 bytes, got 5"):
        pixels.flip_rows(bytes(5), 2, 3, 1)


def test_alpha_and_gray_channels():
    rgba = bytes([1, 2, 3, 4, 5, 6, 7, 8])
    assert pixels.rgba_to_gray_alpha(rgba) == bytes([4, 8])
    assert pixels.gray_to_rgba(bytes([9, 200])) == bytes([9, 9, 9, 255, 200, 200, 200, 255])
    assert pixels.gray_to_rgba(bytes([9]), alpha=bytes([17])) == bytes([9, 9, 9, 17])
    assert pixels.rgba_to_rgb(rgba) == bytes([1, 2, 3, 5, 6, 7])
    assert pixels.rgb_to_rgba(bytes([1, 2, 3])) == bytes([1, 2, 3, 255])
    with pytest.raises(ValueError, match="alpha: expected 1 bytes"):
        pixels.gray_to_rgba(bytes([9]), alpha=bytes(2))


def test_premultiply_hand_computed(path):
    # 200 * 128 / 255 = 100.39 -> 100; 255 * 128 / 255 = 128; alpha 0 -> colour 0.
    straight = bytes([200, 255, 1, 128, 90, 90, 90, 0, 7, 8, 9, 255])
    premultiplied = pixels.straight_to_premultiplied(straight)
    assert premultiplied == bytes([100, 128, 1, 128, 0, 0, 0, 0, 7, 8, 9, 255])
    # back: 100 * 255 / 128 = 199.2 -> 199 (precision lost at alpha 128 is one level)
    assert pixels.premultiplied_to_straight(premultiplied) == bytes(
        [199, 255, 2, 128, 0, 0, 0, 0, 7, 8, 9, 255])
    # a premultiplied colour above its alpha is invalid input: clamped, not wrapped
    assert pixels.premultiplied_to_straight(bytes([250, 0, 0, 100])) == bytes([255, 0, 0, 100])


def test_premultiply_round_trip_is_close(path):
    rng = random.Random(2)
    straight = bytearray(rng.randrange(256) for _ in range(4 * 2000))
    back = pixels.premultiplied_to_straight(pixels.straight_to_premultiplied(straight))
    for i in range(0, len(straight), 4):
        a = straight[i + 3]
        assert back[i + 3] == a
        for c in range(3):
            if a == 0:  # no colour survives full transparency
                assert back[i + c] == 0
            else:  # the quantisation step of a premultiplied value is 255 / alpha levels
                assert abs(back[i + c] - straight[i + c]) <= (0 if a == 255 else 255 / a / 2 + 1)


def test_opaque_images_pass_through_unchanged(path):
    data = bytes([5, 6, 7, 255]) * 3
    assert pixels.premultiplied_to_straight(data) == data
    assert pixels.straight_to_premultiplied(data) == data


def test_u8_to_float_hand_computed(path):
    floats = pixels.u8_to_float(bytes([0, 51, 255, 255]))
    assert isinstance(floats, array) and floats.typecode == "f"
    assert list(floats) == pytest.approx([0.0, 0.2, 1.0, 1.0], abs=1e-7)
    # sRGB 128 -> linear ((128/255 + 0.055) / 1.055) ** 2.4 = 0.2158605; alpha 128 stays 128/255
    srgb = pixels.u8_to_float(bytes([128, 0, 255, 128]), srgb_decode=True)
    assert list(srgb) == pytest.approx([0.2158605, 0.0, 1.0, 128 / 255], abs=1e-6)


def test_float_to_u8_hand_computed(path):
    values = array("f", [0.0, 0.5, 1.0, 0.2, -3.0, 7.0, float("nan"), float("inf")])
    assert pixels.float_to_u8(values, channels=1) == bytes([0, 128, 255, 51, 0, 255, 0, 255])
    # linear 0.2158605 -> sRGB 128; linear 0.5 -> sRGB 187.5 -> 188; alpha 0.5 stays 128
    encoded = pixels.float_to_u8(array("f", [0.2158605, 0.5, 0.0, 0.5]), srgb_encode=True)
    assert encoded == bytes([128, 188, 0, 128])


def test_u8_float_u8_round_trip_is_exact(path):
    every_value = bytes(range(256))
    rgba = bytes(b for v in every_value for b in (v, v, v, v))
    for srgb in (False, True):
        floats = pixels.u8_to_float(rgba, srgb_decode=srgb)
        assert pixels.float_to_u8(floats, srgb_encode=srgb) == rgba
        assert pixels.float_to_u8(memoryview(floats), srgb_encode=srgb) == rgba


def test_float_to_u8_is_within_one_level_of_exact_rounding(path):
    rng = random.Random(3)
    values = [rng.random() for _ in range(20000)]
    floats = array("f", values)
    got = pixels.float_to_u8(floats, channels=1)
    got_srgb = pixels.float_to_u8(floats, srgb_encode=True, channels=1)
    for value, linear, encoded in zip(floats, got, got_srgb):
        assert abs(linear - value * 255) <= 1.0
        assert abs(encoded - pixels.srgb_encode(value) * 255) <= 1.0


def test_numpy_and_pure_paths_agree(monkeypatch):
    if pixels._np is None:
        pytest.skip("numpy is not installed")
    rng = random.Random(4)
    raw = bytes(rng.randrange(256) for _ in range(4 * 4096))
    floats = array("f", struct.unpack("<4096f", struct.pack("<4096f", *(
        rng.uniform(-0.1, 1.1) for _ in range(4096)))))
    results = []
    for np_module in (pixels._np, None):
        monkeypatch.setattr(pixels, "_np", np_module)
        results.append((pixels.float_to_u8(floats, srgb_encode=True), pixels.float_to_u8(floats),
                        pixels.u8_to_float(raw, srgb_decode=True).tobytes(),
                        pixels.premultiplied_to_straight(raw), pixels.straight_to_premultiplied(raw)))
    assert results[0] == results[1]


def test_float_input_must_be_float32():
    with pytest.raises(ValueError, match="floats: expected float32"):
        pixels.float_to_u8(array("d", [0.5]))
