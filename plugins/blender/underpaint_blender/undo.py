"""Undo steps around results that land in an image the artist may have painted on.

Blender's undo keeps packed pixels but not those of an unpacked image, so a painted (dirty) image
that a result overwrites in place is packed first and an undo step is pushed. Undo restores the
image's packed data but keeps the pixel buffer in memory (checked in Blender 4.3's UI), so after an
undo or redo the images written in place are reloaded from the packed data of that step: Ctrl+Z
after a result then brings back the painting, not the result.
"""
import bpy
from bpy.app.handlers import persistent

_written = set()  # names of images a result overwrote in place (this session)


def keep_for_undo(image, label):
    """Before a result overwrites `image` in place: its current pixels become an undo step."""
    if image.is_dirty or image.packed_file is None:
        try:
            image.pack()
        except RuntimeError:
            return  # nothing to keep (no buffer)
    _written.add(image.name)
    push_undo(f"Before {label}")


def push_undo(message):
    try:
        bpy.ops.ed.undo_push(message=message)
    except RuntimeError:
        pass  # no undo stack in this context (background mode)


@persistent
def _reload_written(*_args):
    for name in list(_written):
        image = bpy.data.images.get(name)
        if image is None:
            continue
        if image.packed_file is not None:
            image.reload()  # the pixels of this undo step, from its packed data


def register():
    for handlers in (bpy.app.handlers.undo_post, bpy.app.handlers.redo_post):
        if _reload_written not in handlers:
            handlers.append(_reload_written)


def unregister():
    for handlers in (bpy.app.handlers.undo_post, bpy.app.handlers.redo_post):
        if _reload_written in handlers:
            handlers.remove(_reload_written)
    _written.clear()
