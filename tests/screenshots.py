"""Screenshots of the real host UIs under Xvfb, taken from Xvfb's own framebuffer.

Why the framebuffer: Blender's `bpy.ops.screen.screenshot` under Xvfb writes all-black images,
and a test that looks at a black image proves nothing. Xvfb started with `-fbdir DIR` keeps its
screen as an XWD file (DIR/Xvfb_screen0) that always holds what X shows. The program under test
copies that file at the moment worth seeing (`snap()` below, plain file I/O, runs in any host's
Python); the test turns the copies into PNGs (`collect()`) and checks they are not blank.

Where they end up is listed at the end of the pytest run ("screenshots to look at").
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import numpy as np

SCREEN = (1600, 1000)
FRAMEBUFFER = "Xvfb_screen0"
SAVED: list[Path] = []  # folders with screenshots from this run, for the terminal summary


def xvfb_server_args(fbdir: Path, size=SCREEN) -> str:
    """The -s argument for xvfb-run: a 24-bit screen mirrored into fbdir."""
    return f"-screen 0 {size[0]}x{size[1]}x24 -fbdir {fbdir}"


def snap(name: str) -> str | None:
    """In the program under test: copy the live framebuffer to $UNDERPAINT_SHOTS/name.xwd.
    Needs $UNDERPAINT_FBDIR (the -fbdir folder). Returns the path written, or None."""
    fbdir, shots = os.environ.get("UNDERPAINT_FBDIR"), os.environ.get("UNDERPAINT_SHOTS")
    if not fbdir or not shots:
        return None
    target = os.path.join(shots, name + ".xwd")
    shutil.copyfile(os.path.join(fbdir, FRAMEBUFFER), target)
    return target


def read_xwd(path: Path) -> np.ndarray:
    """An XWD file (X Window Dump, as Xvfb's -fbdir writes it) -> (height, width, 3) uint8 RGB."""
    data = Path(path).read_bytes()
    fields = struct.unpack(">25I", data[:100])
    header_size, version, pixmap_format, depth, width, height = fields[:6]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    red_mask, green_mask, blue_mask = fields[14:17]
    ncolors = fields[19]
    if version != 7 or pixmap_format != 2 or bits_per_pixel != 32:
        raise ValueError(f"{path}: unsupported XWD (version {version}, format {pixmap_format}, "
                         f"{bits_per_pixel} bits per pixel)")
    start = header_size + ncolors * 12
    rows = np.frombuffer(data, dtype="<u4" if byte_order == 0 else ">u4", count=height * bytes_per_line // 4,
                         offset=start).reshape(height, bytes_per_line // 4)[:, :width]

    def channel(mask):
        shift = (mask & -mask).bit_length() - 1
        return ((rows & mask) >> shift).astype(np.uint8)

    return np.dstack([channel(red_mask), channel(green_mask), channel(blue_mask)])


def blank_reason(rgb: np.ndarray) -> str | None:
    """Why an image counts as blank (one colour, or nearly: all black, all grey), or None.
    A real UI has text, frames and icons: many colours, none covering almost everything."""
    flat = rgb.reshape(-1, rgb.shape[-1])
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    top = counts.max() / len(flat)
    if len(colours) < 8 or top > 0.98:
        return (f"{len(colours)} distinct colours, the commonest ({colours[counts.argmax()].tolist()}) "
                f"covers {top:.1%} of the image")
    return None


def collect(shots: Path, announce: bool = True) -> dict[str, np.ndarray]:
    """Turns every name.xwd in shots into name.png beside it; {name: RGB array}. announce: list
    the folder at the end of the pytest run."""
    from PIL import Image

    images = {}
    for xwd in sorted(Path(shots).glob("*.xwd")):
        rgb = read_xwd(xwd)
        Image.fromarray(rgb).save(xwd.with_suffix(".png"))
        xwd.unlink()
        images[xwd.stem] = rgb
    for png in sorted(Path(shots).glob("*.png")):  # also those the program wrote itself
        if png.stem not in images:
            images[png.stem] = np.asarray(Image.open(png).convert("RGB"))
    if announce and images and Path(shots) not in SAVED:
        SAVED.append(Path(shots))
    return images


def assert_not_blank(images: dict[str, np.ndarray], names) -> None:
    for name in names:
        assert name in images, f"no screenshot {name!r}; have {sorted(images)}"
        reason = blank_reason(images[name])
        assert reason is None, f"screenshot {name}.png is blank: {reason}"
