"""Interrogate and Place Again from History (docs/archive.md), through the daemon's archive.

No GIMP import: works on any document with GimpDocument's methods.
"""

from __future__ import annotations

import _vendor

_vendor.activate()

from underpaint_kit import history, pb, requests  # noqa: E402

from operation_errors import OperationError  # noqa: E402

RECENT = 20  # how many of this image's results the "place again" dialog lists


def interrogate(document, params: dict, daemon) -> str:
    """Guesses a prompt for the selection's bounds (or the image), keeps it with the image for
    the next painting dialog and returns the message that shows it."""
    document.check_supported()
    x, y, w, h = document.selection_rect() or (0, 0) + tuple(document.size())
    image = requests.rgba_image(w, h, document.read_pixels((x, y, w, h), bool(params.get("sample-merged", True))))
    prompt = history.interrogate(daemon, image)
    document.set_prompt_note(prompt)
    return (f"Underpaint guessed this prompt: {prompt}\n\nThe next Generate, Fill, Refine or Variations "
            "dialog of this image starts with it.")


def recent_entries(document, daemon, limit: int = RECENT) -> list:
    """This image's latest results (newest first), without thumbnails."""
    return history.history_page(daemon, document=document.image_name(), host="gimp", limit=limit,
                                thumbnails=False).entries


def place_again(document, params: dict, daemon):
    """Adds a history entry's image as a new layer where it was made (one undo step); returns
    (layer, entry). An empty entry-id means this image's latest result."""
    entry_id = str(params.get("entry-id", "")).strip()
    if not entry_id:
        latest = recent_entries(document, daemon, 1)
        if not latest:
            raise OperationError(f"entry-id: no result of \"{document.image_name()}\" in the history yet; "
                                 "give an entry id (see: underpaint history search).")
        entry_id = latest[0].id
    document.check_supported()
    entry = history.fetch_entry(daemon, entry_id)
    image = entry.image
    if image.format not in (pb.PIXEL_FORMAT_UNSPECIFIED, pb.PIXEL_FORMAT_RGBA8) or \
            len(image.data) != image.width * image.height * 4:
        raise OperationError(f"history entry {entry_id}: expected raw RGBA8 pixels from the daemon")
    place = history.placement(entry)
    # Where it was made when the image still has that size; else the top left.
    same = (place.document_width, place.document_height) == tuple(document.size())
    x, y = (place.x, place.y) if same else (0, 0)
    prompt = entry.parameters.prompt
    name = f"History: {prompt[:40] or 'result'} (seed {entry.parameters.seed}) [{entry.id}]"
    with document.undo_group():
        layer = document.add_layer(name, x, y, image.width, image.height, image.data)
    document.flush_displays()
    return layer, entry
