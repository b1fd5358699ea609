"""Undo steps around results that land in an image the artist may have painted on.

Blender's undo keeps packed pixels but not those of an unpacked image, so a painted (dirty) image
that a result overwrites in place is packed first and an undo step is pushed: Ctrl+Z after the
result then brings back the painting, not the file or the generated pattern the image started from.
"""
import bpy


def keep_for_undo(image, label):
    """Before a result overwrites `image` in place: its current pixels become an undo step."""
    if image.is_dirty or image.packed_file is None:
        try:
            image.pack()
        except RuntimeError:
            return  # nothing to keep (no buffer)
    push_undo(f"Before {label}")


def push_undo(message):
    try:
        bpy.ops.ed.undo_push(message=message)
    except RuntimeError:
        pass  # no undo stack in this context (background mode)
