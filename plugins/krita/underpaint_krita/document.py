"""Everything that touches Krita's document API: read pixels and the selection, add layers,
grow the canvas. The rest of the plugin sees only plain bytes, tuples and LayerImage.
"""

import zlib
from contextlib import contextmanager
from dataclasses import dataclass

from . import pixel_depth

_DEPTH_NAMES = {
    "U8": "8-bit integer/channel",
    "U16": "16-bit integer/channel",
    "F16": "16-bit float/channel",
    "F32": "32-bit float/channel",
}
_MODEL_NAMES = {
    "RGBA": "RGB/Alpha",
    "GRAYA": "Grayscale/Alpha",
    "CMYKA": "CMYK/Alpha",
    "LABA": "L*a*b*/Alpha",
    "XYZA": "XYZ/Alpha",
    "YCbCrA": "YCbCr/Alpha",
}


class DocumentError(Exception):
    """A document Underpaint cannot work on; str() is the message for the artist."""


@dataclass
class LayerImage:
    """One result to place: RGBA8 (straight, sRGB) pixels at (x, y) in document pixels."""

    name: str
    rgba: bytes
    x: int
    y: int
    width: int
    height: int


def check_color_space(doc):
    """Raise DocumentError unless the document is RGB/Alpha at a depth we convert."""
    _check_model(doc.colorModel(), doc.colorDepth(), "this document")


def _check_model(model, depth, what):
    if model == "RGBA" and depth in pixel_depth.DEPTHS:
        return
    shown = "%s (%s)" % (_MODEL_NAMES.get(model, model), _DEPTH_NAMES.get(depth, depth))
    raise DocumentError(
        "Underpaint works on RGB documents; %s is %s. Convert it with Image > Convert "
        "Image Color Space... to RGB/Alpha, 8-bit integer/channel (sRGB) and try again." % (what, shown)
    )


def document_size(doc):
    return doc.width(), doc.height()


def read_selection(doc):
    """The selection as (GRAY8 bytes, (x, y, w, h)), or (None, None) when nothing is selected."""
    selection = doc.selection()
    if selection is None or selection.width() <= 0 or selection.height() <= 0:
        return None, None
    rect = (selection.x(), selection.y(), selection.width(), selection.height())
    mask = bytes(selection.pixelData(*rect))
    if not any(mask):
        return None, None
    return mask, rect


def read_pixels(doc, rect):
    """The composite image (what the artist sees) inside rect, as RGBA8 sRGB."""
    check_color_space(doc)
    raw = bytes(doc.pixelData(*rect))
    return pixel_depth.to_rgba8(raw, doc.colorDepth(), _is_linear(doc))


def read_layer(doc, node=None):
    """A layer's own pixels (the active layer by default) inside the document, as RGBA8.

    Returns (rgba, (x, y, w, h), layer name); raises DocumentError when there is nothing to read.
    """
    node = node or doc.activeNode()
    if node is None:
        raise DocumentError("Pick a layer in the Layers docker first.")
    _check_model(node.colorModel(), node.colorDepth(), "the layer \"%s\"" % node.name())
    bounds = node.bounds()
    x0, y0 = max(bounds.x(), 0), max(bounds.y(), 0)
    x1 = min(bounds.x() + bounds.width(), doc.width())
    y1 = min(bounds.y() + bounds.height(), doc.height())
    if x1 <= x0 or y1 <= y0:
        raise DocumentError("The layer \"%s\" has no pixels inside the canvas." % node.name())
    rect = (x0, y0, x1 - x0, y1 - y0)
    raw = bytes(node.pixelData(*rect))
    linear = pixel_depth.is_linear_profile(node.colorProfile())
    return pixel_depth.to_rgba8(raw, node.colorDepth(), linear), rect, node.name()


def read_node_region(node, rect):
    """A layer's own pixels inside rect (document pixels) as RGBA8, whether the layer is shown
    or not (artists hide the sketch a control layer holds); transparent where it has none."""
    _check_model(node.colorModel(), node.colorDepth(), "the layer \"%s\"" % node.name())
    raw = bytes(node.pixelData(*rect))
    return pixel_depth.to_rgba8(raw, node.colorDepth(), pixel_depth.is_linear_profile(node.colorProfile()))


def grow_canvas(doc, width, height, offset_x, offset_y):
    """Resize the canvas to width x height with the old top-left pixel at (offset_x, offset_y).

    Layers keep their pixels: Krita moves them by the offset (a negative resize origin).
    """
    if (doc.width(), doc.height()) == (width, height) and offset_x == 0 and offset_y == 0:
        return
    doc.resizeImage(-offset_x, -offset_y, width, height)
    doc.waitForDone()


def add_layers(doc, images, group_name=None):
    """Add images as new paint layers above the active layer; the first visible, the rest hidden.

    With a group_name, the layers go into a new group layer. The new nodes are filled before they
    enter the document, so inserting them is a single change in Krita's history.
    Returns the created top-level node.
    """
    check_color_space(doc)
    depth, linear = doc.colorDepth(), _is_linear(doc)
    layers = []
    for index, image in enumerate(images):
        node = doc.createNode(image.name, "paintlayer")
        node.setPixelData(pixel_depth.from_rgba8(image.rgba, depth, linear), image.x, image.y, image.width, image.height)
        node.setVisible(index == 0)
        layers.append(node)

    if group_name is not None:
        top = doc.createGroupLayer(group_name)
        below = None
        for node in reversed(layers):  # the first image ends up on top
            top.addChildNode(node, below)
            below = node
        top_nodes = [top]
    else:
        top_nodes = layers

    parent, below = _insertion_point(doc)
    for node in reversed(top_nodes):
        parent.addChildNode(node, below)
        below = node
    doc.refreshProjection()
    return top_nodes[0]


def node_id(node):
    """A layer's unique id as text: it survives renaming and moving the layer."""
    return node.uniqueId().toString()


def find_node(doc, wanted_id):
    """The layer with that unique id, or None (deleted meanwhile)."""
    pending = list(doc.rootNode().childNodes())
    while pending:
        node = pending.pop()
        if node_id(node) == wanted_id:
            return node
        pending.extend(node.childNodes())
    return None


def paint_layer(doc, node=None):
    """`node` (the active layer by default) when it is a paint layer, the only kind whose pixels
    a live link can replace."""
    node = node or doc.activeNode()
    if node is None:
        raise DocumentError("Pick a layer in the Layers docker first.")
    if node.type() != "paintlayer":
        raise DocumentError("\"%s\" is not a paint layer (it is a %s): pick a paint layer, or use "
                            "Place linked to add one." % (node.name(), node.type()))
    return node


def add_layer_on_top(doc, image):
    """A new paint layer holding `image`, on top of the layer stack (one change in Krita's
    history; the active layer stays active). Returns the node."""
    check_color_space(doc)
    node = doc.createNode(image.name, "paintlayer")
    node.setPixelData(pixel_depth.from_rgba8(image.rgba, doc.colorDepth(), _is_linear(doc)),
                      image.x, image.y, image.width, image.height)
    root = doc.rootNode()
    children = root.childNodes()
    root.addChildNode(node, children[-1] if children else None)
    doc.refreshProjection()
    return node


def add_layer_below(doc, image, above):
    """A new paint layer holding `image`, right below the layer `above` (one change in Krita's
    history: the node is filled before it enters the document). Returns the node."""
    check_color_space(doc)
    node = doc.createNode(image.name, "paintlayer")
    node.setPixelData(pixel_depth.from_rgba8(image.rgba, doc.colorDepth(), _is_linear(doc)),
                      image.x, image.y, image.width, image.height)
    parent = above.parentNode() or doc.rootNode()
    siblings = parent.childNodes()
    index = next((i for i, n in enumerate(siblings) if n == above), 0)
    parent.addChildNode(node, siblings[index - 1] if index > 0 else None)
    doc.refreshProjection()
    return node


def clear_layer(doc, node):
    """Make every pixel of a paint layer transparent (outside Krita's history, like setPixelData)."""
    bounds = node.bounds()
    if bounds.width() > 0 and bounds.height() > 0:
        pixel_bytes = len(pixel_depth.from_rgba8(bytes(4), node.colorDepth(), False))
        node.setPixelData(bytes(bounds.width() * bounds.height() * pixel_bytes), bounds.x(), bounds.y(),
                          bounds.width(), bounds.height())
        doc.refreshProjection()


def remove_layer(doc, node):
    node.remove()
    doc.refreshProjection()


@contextmanager
def hidden(doc, node):
    """Inside the block the composite (doc.pixelData) is computed without `node` (None: as is).
    The live result layer is hidden while the canvas is read, so it never feeds back into itself."""
    if node is None or not node.visible():
        yield
        return
    node.setVisible(False)
    doc.refreshProjection()
    doc.waitForDone()
    try:
        yield
    finally:
        node.setVisible(True)
        doc.refreshProjection()


def canvas_signature(doc, skip_id=None):
    """A checksum of everything a canvas request is read from: the size, the selection, and every
    layer's pixels, visibility, opacity and blending (the layer `skip_id` and its children left
    out). Equal signatures: nothing the artist did since. CRC-32 over the layers' own pixels
    costs a copy of each layer per call; see docs/krita.md for what it costs and why."""
    crc = zlib.crc32(b"%d %d" % (doc.width(), doc.height()))
    selection = doc.selection()
    if selection is not None and selection.width() > 0 and selection.height() > 0:
        rect = (selection.x(), selection.y(), selection.width(), selection.height())
        crc = zlib.crc32(repr(rect).encode() + bytes(selection.pixelData(*rect)), crc)
    pending = list(doc.rootNode().childNodes())
    while pending:
        node = pending.pop()
        identity = node_id(node)
        if identity == skip_id:
            continue
        bounds = node.bounds()
        box = (bounds.x(), bounds.y(), bounds.width(), bounds.height())
        crc = zlib.crc32(repr((identity, node.visible(), node.opacity(), node.blendingMode(), box)).encode(), crc)
        if node.type() == "grouplayer":
            pending.extend(node.childNodes())
        elif box[2] > 0 and box[3] > 0:
            crc = zlib.crc32(bytes(node.pixelData(*box)), crc)
            pending.extend(node.childNodes())  # masks of the layer
    return crc


def layer_name(node):
    return node.name()


def rename_layer(node, name):
    if node.name() != name:
        node.setName(name)


def layer_position(node):
    """The top left of the layer's pixels; (0, 0) for an empty layer."""
    bounds = node.bounds()
    if bounds.width() <= 0 or bounds.height() <= 0:
        return 0, 0
    return bounds.x(), bounds.y()


def replace_layer_pixels(doc, node, image):
    """Replace every pixel of a paint layer with `image` (a LayerImage) at (image.x, image.y).

    Krita 5's scripting API writes pixels outside the undo history, so this is no undo step.
    Raises DocumentError for a locked layer or one in a colour model we do not convert.
    """
    if node.locked():
        raise DocumentError("the layer \"%s\" is locked" % node.name())
    _check_model(node.colorModel(), node.colorDepth(), "the layer \"%s\"" % node.name())
    depth, linear = node.colorDepth(), pixel_depth.is_linear_profile(node.colorProfile())
    old = node.bounds()
    if old.width() > 0 and old.height() > 0:  # clear: zero bytes are transparent at every depth
        pixel_bytes = len(pixel_depth.from_rgba8(bytes(4), depth, linear))
        node.setPixelData(bytes(old.width() * old.height() * pixel_bytes), old.x(), old.y(), old.width(), old.height())
    node.setPixelData(pixel_depth.from_rgba8(image.rgba, depth, linear), image.x, image.y, image.width, image.height)
    doc.setModified(True)  # writing pixels this way does not mark the document changed
    doc.refreshProjection()


def read_note(doc, kind):
    """Bytes the plugin keeps in the document (a Krita annotation, saved in the .kra); b"" if none."""
    return bytes(doc.annotation(kind)) if kind in doc.annotationTypes() else b""


def write_note(doc, kind, description, data):
    """Keep bytes in the document (b"" removes the note). Marks the document as changed."""
    if data:
        if read_note(doc, kind) != data:
            doc.setAnnotation(kind, description, data)
    elif kind in doc.annotationTypes():
        doc.removeAnnotation(kind)


def open_documents():
    from krita import Krita

    return list(Krita.instance().documents())


def on_document_opened(callback):
    """Call callback(doc) for each document Krita opens from now on."""
    from krita import Krita

    Krita.instance().notifier().imageCreated.connect(callback)


def is_open(doc):
    from krita import Krita

    return any(d == doc for d in Krita.instance().documents())


def _is_linear(doc):
    return pixel_depth.is_linear_profile(doc.colorProfile())


def _insertion_point(doc):
    """(parent, node to insert above): right above the active layer, else on top of the stack."""
    root = doc.rootNode()
    anchor = doc.activeNode()
    while anchor is not None and anchor.type().endswith("mask"):
        anchor = anchor.parentNode()  # masks belong to a layer; new layers go above that layer
    parent = anchor.parentNode() if anchor is not None else None
    if anchor is None or parent is None:
        children = root.childNodes()
        return root, (children[-1] if children else None)
    return parent, anchor
