"""Image pixels in and out of Blender: the only module that touches `Image.pixels`.

The daemon speaks RGBA8, rows top-down, straight alpha, sRGB. Blender's `Image.pixels` is a flat
float RGBA array with rows bottom-up, and what the floats mean depends on the image:
- byte images in an sRGB-like colour space hold the encoded values (byte / 255): no conversion;
- float images and byte images in a linear space (Linear Rec.709, ACEScg, ...) hold linear light:
  sRGB-encode on the way out, decode on the way in, so the artist sees what the daemon produced;
- Non-Color (data) images are shown raw: no conversion either way.
Conversions go through the host kit's `pixels` helpers; numpy (bundled with every Blender) only
reshapes, crops and blends, so pixels outside a placed result keep their exact float values.
"""
import numpy as np

from .underpaint_kit import pixels

# Colour spaces whose values are light-linear (besides every "Linear ..." one).
_LINEAR_SPACES = {"ACEScg", "ACES2065-1", "Working Space", "XYZ"}
# Colour spaces that hold data, shown raw ("Raw" is Blender 3.x's name).
_DATA_SPACES = {"Non-Color", "Raw"}


def is_data(image):
    settings = image.colorspace_settings
    return bool(getattr(settings, "is_data", False)) or settings.name in _DATA_SPACES


def is_linear(image):
    """True when the image's float pixels are linear light and need the sRGB transfer."""
    if is_data(image):
        return False
    name = image.colorspace_settings.name
    return bool(image.is_float) or name.startswith("Linear") or name in _LINEAR_SPACES


def size_of(image):
    width, height = image.size
    return int(width), int(height)


def read_floats(image):
    """The image as a float32 array (height, width, 4), rows top-down (a copy)."""
    width, height = size_of(image)
    if width == 0 or height == 0:
        raise ValueError(f"Image '{image.name}' has no pixels (is its file missing?)")
    flat = np.empty(width * height * 4, dtype=np.float32)
    image.pixels.foreach_get(flat)
    return np.ascontiguousarray(flat.reshape(height, width, 4)[::-1])


def write_floats(image, top_down):
    """Replaces all pixels (resizing the image to the array's size), then updates and packs."""
    height, width = top_down.shape[:2]
    if size_of(image) != (width, height):
        image.scale(width, height)
    flat = np.ascontiguousarray(top_down[::-1], dtype=np.float32).reshape(-1)
    image.pixels.foreach_set(flat)
    finish(image)


def finish(image):
    """Shows the new pixels and keeps them in the .blend (a generated image has no file)."""
    image.update()
    try:
        image.pack()
    except RuntimeError:
        pass  # e.g. an image without a buffer yet; pixels still show until the file is saved


def floats_to_rgba8(top_down, linear):
    """float32 (h, w, 4) top-down -> RGBA8 bytes top-down."""
    flat = np.ascontiguousarray(np.clip(top_down, 0.0, 1.0), dtype=np.float32).reshape(-1)
    return bytes(pixels.float_to_u8(memoryview(flat), srgb_encode=linear))


def rgba8_to_floats(data, width, height, linear):
    """RGBA8 bytes top-down -> float32 (h, w, 4) top-down."""
    expected = width * height * 4
    if len(data) != expected:
        raise ValueError(f"image data is {len(data)} bytes, expected {expected} for {width}x{height} RGBA8")
    floats = np.asarray(pixels.u8_to_float(bytes(data), srgb_decode=linear), dtype=np.float32)
    return floats.reshape(height, width, 4)


def read_rgba8(image, rect=None):
    """RGBA8 bytes (top-down) of the image, or of rect = (x, y, w, h) in top-left coordinates."""
    top_down = read_floats(image)
    if rect is not None:
        x, y, w, h = rect
        top_down = top_down[y:y + h, x:x + w]
    return floats_to_rgba8(top_down, is_linear(image))


def write_rgba8(image, data, width, height):
    """Replaces the whole image with an RGBA8 result (resizing it when needed)."""
    write_floats(image, rgba8_to_floats(data, width, height, is_linear(image)))


def composite_rgba8(image, data, x, y, width, height, document_size=None, offset=(0, 0)):
    """Places an RGBA8 result over the image at (x, y) (top-left coordinates), straight-alpha over.

    document_size/offset: for expand, the image first grows to document_size with its old pixels
    at offset; new area starts transparent. Pixels the result leaves transparent stay untouched.
    """
    old = read_floats(image)
    if document_size is not None and tuple(document_size) != (old.shape[1], old.shape[0]):
        doc_w, doc_h = document_size
        grown = np.zeros((doc_h, doc_w, 4), dtype=np.float32)
        ox, oy = offset
        grown[oy:oy + old.shape[0], ox:ox + old.shape[1]] = old
        old = grown
    src = rgba8_to_floats(data, width, height, is_linear(image))
    doc_h, doc_w = old.shape[:2]
    # clip the placement to the document
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + width, doc_w), min(y + height, doc_h)
    if x1 > x0 and y1 > y0:
        src = src[y0 - y:y1 - y, x0 - x:x1 - x]
        dst = old[y0:y1, x0:x1]
        old[y0:y1, x0:x1] = _alpha_over(src, dst)
    write_floats(image, old)


def _alpha_over(src, dst):
    src_a = src[..., 3:4]
    dst_a = dst[..., 3:4]
    out_a = src_a + dst_a * (1.0 - src_a)
    safe_a = np.where(out_a > 0.0, out_a, 1.0)
    out_rgb = (src[..., :3] * src_a + dst[..., :3] * dst_a * (1.0 - src_a)) / safe_a
    out = np.concatenate([out_rgb, out_a], axis=-1)
    # exact copies where the result is fully opaque or fully transparent (no float drift)
    out = np.where(src_a >= 1.0, src, out)
    return np.where(src_a <= 0.0, dst, out)


def alpha_selection(image):
    """GRAY8 selection (top-down) from painted-out alpha: fully erased = 255 = regenerate."""
    alpha = read_floats(image)[..., 3]
    return _to_gray8(1.0 - alpha)


def mask_image_selection(mask_image, size):
    """GRAY8 selection (top-down) from a mask image: white = regenerate, black = keep."""
    if size_of(mask_image) != tuple(size):
        w, h = size_of(mask_image)
        raise ValueError(f"Mask image '{mask_image.name}' is {w}x{h}; it must be {size[0]}x{size[1]} like the image")
    floats = read_floats(mask_image)  # mask values are data: no colour conversion
    return _to_gray8(floats[..., :3].mean(axis=-1) * floats[..., 3])


def _to_gray8(values):
    return np.rint(np.clip(values, 0.0, 1.0) * 255.0).astype(np.uint8)


def selection_bounds(gray):
    """(x, y, w, h) of the non-zero part of a GRAY8 (h, w) array, or None when empty."""
    rows = np.flatnonzero(gray.any(axis=1))
    cols = np.flatnonzero(gray.any(axis=0))
    if rows.size == 0:
        return None
    x, y = int(cols[0]), int(rows[0])
    return x, y, int(cols[-1]) - x + 1, int(rows[-1]) - y + 1


def crop_gray8(gray, rect):
    x, y, w, h = rect
    return np.ascontiguousarray(gray[y:y + h, x:x + w]).tobytes()


def preview_floats(data, width, height):
    """RGBA8 preview bytes -> flat float32 bottom-up (for an ImagePreview icon)."""
    floats = np.frombuffer(bytes(data), dtype=np.uint8).astype(np.float32) / 255.0
    return np.ascontiguousarray(floats.reshape(height, width, 4)[::-1]).reshape(-1)
