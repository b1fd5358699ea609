"""The screenshot helpers the UI tests rely on: the blank check must refuse what a broken capture
gives (all black, one colour), and the XWD reader must read Xvfb's framebuffer layout."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from tests.screenshots import blank_reason, collect, read_xwd


def ui_like(height=120, width=200):
    """A small picture with a UI's variety: panels, a gradient, text-like specks."""
    rng = np.random.default_rng(3)
    image = np.full((height, width, 3), 48, np.uint8)
    image[:, width // 2:] = 64
    image[height // 10:height // 4, :] = np.linspace(0, 255, width, dtype=np.uint8)[None, :, None]
    specks = rng.integers(0, height * width, height * width // 60)
    image.reshape(-1, 3)[specks] = rng.integers(0, 256, (len(specks), 3), dtype=np.uint8)
    return image


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (48, 48, 48)])
def test_one_colour_is_blank(colour):
    assert blank_reason(np.full((100, 160, 3), colour, np.uint8)) is not None


def test_nearly_one_colour_is_blank():
    image = np.zeros((100, 100, 3), np.uint8)
    image[0, :20] = np.arange(20)[:, None] * 10  # a mouse cursor on a black screen
    assert "covers" in blank_reason(image)


def test_a_ui_is_not_blank():
    assert blank_reason(ui_like()) is None


def write_xwd(path, rgb, byte_order=0):
    """An XWD as Xvfb's -fbdir writes it: ZPixmap, 32 bits per pixel, masks 0xff0000/0xff00/0xff."""
    height, width = rgb.shape[:2]
    name = b"Xvfb main window\x00"
    header_size = 100 + len(name)
    fields = [header_size, 7, 2, 24, width, height, 0, byte_order, 32, byte_order, 32, 32, width * 4,
              4, 0xFF0000, 0xFF00, 0xFF, 8, 256, 0, width, height, 0, 0, 0]
    pixels = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    path.write_bytes(struct.pack(">25I", *fields) + name
                     + pixels.astype("<u4" if byte_order == 0 else ">u4").tobytes())


@pytest.mark.parametrize("byte_order", [0, 1])
def test_xwd_reads_back_the_pixels(tmp_path, byte_order):
    rgb = ui_like(31, 47)
    write_xwd(tmp_path / "shot.xwd", rgb, byte_order)
    np.testing.assert_array_equal(read_xwd(tmp_path / "shot.xwd"), rgb)


def test_collect_turns_xwd_into_png(tmp_path):
    from PIL import Image

    rgb = ui_like(40, 60)
    write_xwd(tmp_path / "screen.xwd", rgb)
    images = collect(tmp_path, announce=False)
    assert list(images) == ["screen"] and not (tmp_path / "screen.xwd").exists()
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "screen.png")), rgb)
