"""Board Send / Place (docs/board.md): a layer out to a daemon channel, a channel in as a layer.

Like run_operation.py (which dispatches to it), this works on any document with GimpDocument's methods; no GIMP import.
"""

from __future__ import annotations

import _vendor

_vendor.activate()

from underpaint_kit import pb, pb_board, requests  # noqa: E402

from operation_errors import OperationError  # noqa: E402


def _channel(params: dict) -> str:
    channel = str(params.get("channel", "")).strip()
    if not channel:
        raise OperationError("channel: enter a board channel name, e.g. \"sketch\".")
    return channel


def send(document, params: dict, daemon) -> str:
    """Publishes the selected layer (or the visible image); returns what was sent, for the
    artist. The daemon checks the channel name and says which rule it breaks."""
    channel = _channel(params)
    document.check_supported()
    name, (x, y, width, height), rgba = document.read_layer(bool(params.get("sample-merged")))
    doc_width, doc_height = document.size()
    meta = pb_board.BoardMeta(source_app="gimp", document=document.image_name(), layer=name,
                              x=x, y=y, document_width=doc_width, document_height=doc_height)
    entry = daemon.publish(channel, requests.rgba_image(width, height, rgba), meta)
    return f"Sent \"{name}\" to the board as {entry.channel} v{entry.version}."


def place(document, params: dict, daemon):
    """Adds the channel's image (latest, or params["version"]) as a new layer in one undo step.

    It keeps its source position when it comes from a document of the same size (a round trip
    through another application), else lands at the top left. Returns the new layer."""
    channel = _channel(params)
    document.check_supported()
    entry = daemon.fetch(channel, int(params.get("version", 0)))
    image = entry.image
    if image.format not in (pb.PIXEL_FORMAT_UNSPECIFIED, pb.PIXEL_FORMAT_RGBA8):
        raise OperationError(f"board image: expected raw RGBA8 pixels, got format {image.format}")
    if len(image.data) != image.width * image.height * 4:
        raise OperationError(f"board image: {image.width}x{image.height} RGBA8 needs "
                             f"{image.width * image.height * 4} bytes, got {len(image.data)}")
    meta = entry.meta
    same_document = (meta.document_width, meta.document_height) == tuple(document.size())
    x, y = (meta.x, meta.y) if same_document else (0, 0)
    name = f"{entry.channel} v{entry.version}"
    if meta.source_app:
        name += f" (from {meta.source_app})"
    with document.undo_group():
        layer = document.add_layer(name, x, y, image.width, image.height, image.data)
    document.flush_displays()
    return layer
