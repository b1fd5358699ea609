"""The Krita document calls the tools need beyond document.py: scaling the image to fit an
upscale, reading an animated layer's keyframes, and opening a result as a new document.

Krita 5.1's scripting API reads keyframes (Node.animated, hasKeyframeAtTime, pixelDataAtTime) but
cannot make them without a main window: Document.importAnimation crashes under kritarunner (it asks
the main window for its view), and there is no call that adds a keyframe. So processed frames come
back as one layer per frame (checked in Debian's Krita 5.1.5).
"""

from . import pixel_depth
from .document import DocumentError, LayerImage, check_color_space

MAX_FRAMES = 500  # one job; a longer animation is better done in parts


def scale_image(doc, width, height):
    """Scale the whole image (every layer) to width x height, keeping its resolution (ppi)."""
    if (doc.width(), doc.height()) == (width, height):
        return
    if width <= 0 or height <= 0:
        raise DocumentError("The result has no document size to scale the image to.")
    doc.scaleImage(width, height, int(doc.xRes()), int(doc.yRes()), "Bicubic")
    doc.waitForDone()


def animated_layer(doc, node=None):
    """`node` (the active layer by default) when it is animated, else the document's only
    animated layer; DocumentError saying what to pick otherwise."""
    node = node or doc.activeNode()
    if node is not None and node.animated():
        return node
    found = []
    pending = list(doc.rootNode().childNodes())
    while pending:
        child = pending.pop(0)
        if child.animated() and child.type() == "paintlayer":
            found.append(child)
        pending.extend(child.childNodes())
    if len(found) == 1:
        return found[0]
    if not found:
        raise DocumentError("Keyframes: this document has no animated layer. Make one in the Timeline "
                            "docker (a layer with drawn frames) and pick it.")
    raise DocumentError("Keyframes: pick the animated layer to process in the Layers docker (%s)."
                        % ", ".join("\"%s\"" % n.name() for n in found))


def read_keyframes(doc, node):
    """(times, (x, y, w, h), [RGBA8 bytes per frame]) for the keyframes of `node` inside the
    animation's range; every frame is read over the whole canvas."""
    check_color_space(doc)
    start, end = doc.fullClipRangeStartTime(), doc.fullClipRangeEndTime()
    times = [t for t in range(start, end + 1) if node.hasKeyframeAtTime(t)]
    if not times:
        raise DocumentError("Keyframes: \"%s\" has no keyframes between frames %d and %d." % (node.name(), start, end))
    if len(times) > MAX_FRAMES:
        raise DocumentError("Keyframes: \"%s\" has %d keyframes; at most %d go in one job (narrow the "
                            "animation's range in the Timeline docker)." % (node.name(), len(times), MAX_FRAMES))
    rect = (0, 0, doc.width(), doc.height())
    linear = pixel_depth.is_linear_profile(node.colorProfile())
    frames = [pixel_depth.to_rgba8(bytes(node.pixelDataAtTime(*rect, t)), node.colorDepth(), linear) for t in times]
    return times, rect, frames


def open_as_document(doc, layer: LayerImage):
    """The picture as a new document, shown in a window when Krita has one. Returns it."""
    from krita import Krita

    new = Krita.instance().createDocument(layer.width, layer.height, layer.name, "RGBA", "U8", "", doc.resolution())
    background = new.rootNode().childNodes()[0]
    background.setName(layer.name)
    background.setPixelData(pixel_depth.from_rgba8(layer.rgba, "U8"), 0, 0, layer.width, layer.height)
    new.refreshProjection()
    window = Krita.instance().activeWindow()
    if window is not None:
        window.addView(new)
    return new
