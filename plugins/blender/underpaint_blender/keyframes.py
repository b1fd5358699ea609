"""Keyframes: frames (an image sequence, a folder of frames, or the scene's frame range rendered
first) restyled with one prompt and one frozen noise, so only what changes between the frames
changes in the output. Each frame is written to disk as it arrives (NAME_0001.png, ...) and an
Image with Source = Image Sequence points at them, ready for a material's Image Texture node.

Reading frames and rendering happen on the main thread when the operator runs; the daemon work
runs like every job (progress, Cancel: frames already written stay on disk)."""
import functools
import os
import re
import tempfile

import bpy
import numpy as np

from . import images
from .operators import UserError, _JobOperator, _result_rgba, client_name, image_title
from .tool_settings import require
from .underpaint_kit import noise, requests

FRAME_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".exr")


class Progress:
    """What the panel shows about the last keyframes job: frames written of frames sent."""

    def __init__(self):
        self.total = 0
        self.written = []   # paths, in frame order
        self.folder = ""
        self.sequence = ""  # name of the Image (source SEQUENCE) over the written files


progress = Progress()


def sequence_files(image):
    """The files of an image sequence, ordered by frame number: the digits at the end of its
    file name vary, the rest stays (Blender's own rule for sequences)."""
    path = bpy.path.abspath(image.filepath)
    folder, name = os.path.split(path)
    match = re.match(r"^(.*?)(\d+)(\.[^.]+)$", name)
    if match is None:
        raise UserError(f"Image '{image.name}': '{name}' has no frame number, so it is not a sequence")
    head, _digits, tail = match.groups()
    pattern = re.compile(re.escape(head) + r"(\d+)" + re.escape(tail) + "$")
    numbered = []
    for entry in os.listdir(folder or "."):
        found = pattern.match(entry)
        if found:
            numbered.append((int(found.group(1)), os.path.join(folder, entry)))
    return [path for _number, path in sorted(numbered)]


def folder_files(folder):
    folder = bpy.path.abspath(folder)
    if not folder or not os.path.isdir(folder):
        raise UserError(f"keyframes_folder: '{folder}' is not a folder")
    return [os.path.join(folder, name) for name in sorted(os.listdir(folder))
            if name.lower().endswith(FRAME_EXTENSIONS)]


def render_frames(scene):
    """Renders the scene's frame range to PNG files in a temporary folder (blocks like F12 does)."""
    folder = tempfile.mkdtemp(prefix="underpaint-renders-")
    render = scene.render
    old = render.filepath, render.image_settings.file_format, render.use_file_extension
    try:
        render.filepath = os.path.join(folder, "frame_")
        render.image_settings.file_format = "PNG"
        render.use_file_extension = True
        bpy.ops.render.render(animation=True, scene=scene.name)
    except RuntimeError as error:
        raise UserError(f"Rendering the frames failed: {error}") from error
    finally:
        render.filepath, render.image_settings.file_format, render.use_file_extension = old
    return folder_files(folder)


def read_frame(path):
    """RGBA8 of one frame file, through a temporary Image (removed again)."""
    image = bpy.data.images.load(path, check_existing=False)
    try:
        width, height = images.size_of(image)
        if not width or not height:
            raise UserError(f"{os.path.basename(path)}: Blender could not read this image")
        return requests.rgba_image(width, height, images.read_rgba8(image))
    finally:
        bpy.data.images.remove(image)


def output_folder(setting):
    """The output folder; '//' (next to the .blend) falls back to Blender's temp folder for an
    unsaved file."""
    if setting.startswith("//") and not bpy.data.filepath:
        return os.path.join(bpy.app.tempdir or tempfile.gettempdir(), setting[2:] or "underpaint_keyframes")
    return bpy.path.abspath(setting or "//underpaint_keyframes/")


def write_png(path, data, width, height):
    """An RGBA8 result to a PNG file through one scratch image (8-bit sRGB, as the daemon made it)."""
    scratch = bpy.data.images.get("underpaint-keyframe-scratch")
    if scratch is None or tuple(scratch.size) != (width, height):
        if scratch is not None:
            bpy.data.images.remove(scratch)
        scratch = bpy.data.images.new("underpaint-keyframe-scratch", width, height, alpha=True)
    floats = images.rgba8_to_floats(data, width, height, linear=False)
    scratch.pixels.foreach_set(np.ascontiguousarray(floats[::-1]).reshape(-1))
    scratch.filepath_raw = path
    scratch.file_format = "PNG"
    scratch.save()


def sequence_image(name, first_file, frames):
    """The Image (Source: Image Sequence) over the written frames, created or updated."""
    image = bpy.data.images.get(name)
    if image is None or image.source != "SEQUENCE":
        image = bpy.data.images.load(first_file, check_existing=False)
        image.name = name
        image.source = "SEQUENCE"
    elif bpy.path.abspath(image.filepath) != first_file:
        image.filepath = first_file
    image.reload()
    image["underpaint_frames"] = frames
    return image


def assign_to_node(obj, image, frames, frame_start):
    """The active material's active Image Texture node plays the sequence along the timeline."""
    material = getattr(obj, "active_material", None) if obj is not None else None
    if material is None or material.node_tree is None:
        return None
    node = material.node_tree.nodes.active
    if node is None or node.type != "TEX_IMAGE":
        textures = [n for n in material.node_tree.nodes if n.type == "TEX_IMAGE"]
        node = textures[0] if textures else None
    if node is None:
        return None
    node.image = image
    node.image_user.frame_duration = frames
    node.image_user.frame_start = frame_start
    node.image_user.frame_offset = 0
    node.image_user.use_auto_refresh = True
    return node.name


def apply_frame(folder, stem, node_target, result):
    """Main thread: writes frame result.index, then points the sequence (and node) at the files."""
    data = _result_rgba(result)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{stem}_{result.index + 1:04d}.png")
    write_png(path, data.data, data.width, data.height)
    if path not in progress.written:
        progress.written.append(path)
    first = os.path.join(folder, f"{stem}_0001.png")
    if not os.path.exists(first):
        return None  # frame 1 lands first (results come in frame order); nothing to point at yet
    frames = len(progress.written)
    image = sequence_image(f"{stem} (keyframes)", first, frames)
    progress.sequence = image.name
    if node_target is not None:
        obj_name, frame_start = node_target
        assign_to_node(bpy.data.objects.get(obj_name), image, frames, frame_start)
    return image.name


class UNDERPAINT_OT_keyframes(_JobOperator, bpy.types.Operator):
    bl_idname = "underpaint.keyframes"
    bl_label = "Restyle Frames"
    bl_description = ("Restyle every frame with the prompt and one frozen noise (consistent from frame to frame); "
                      "written as an image sequence")
    fixes_faces = False

    def build(self, context, s):
        tools = context.scene.underpaint_tools
        require("Keyframes", noise.CAPABILITY)
        if tools.keyframes_source == "SEQUENCE":
            source = tools.keyframes_image
            if source is None or source.source != "SEQUENCE":
                raise UserError("keyframes_image: choose an image whose Source is Image Sequence")
            files, stem = sequence_files(source), source.name
        elif tools.keyframes_source == "FOLDER":
            files = folder_files(tools.keyframes_folder)
            stem = os.path.basename(os.path.normpath(bpy.path.abspath(tools.keyframes_folder))) or "frames"
        else:
            files, stem = render_frames(context.scene), context.scene.name
        if not files:
            raise UserError("keyframes: no frames found (PNG, JPEG, WebP, BMP, TIFF or EXR files)")
        frames = [read_frame(path) for path in files]
        stem = re.sub(r"[^\w.-]+", "_", image_title(s.prompt) or stem).strip("_") or "frames"
        request = noise.keyframes_request(frames, s.prompt, negative_prompt=s.negative_prompt,
                                          strength=tools.keyframes_strength, model=s.model.strip(),
                                          steps=s.steps, guidance=s.guidance, seed=s.seed,
                                          sampler=s.sampler.strip(), client=client_name())
        folder = output_folder(tools.keyframes_output)
        obj = context.view_layer.objects.active
        node_target = (obj.name, context.scene.frame_start) if tools.keyframes_to_node and obj else None
        progress.__init__()
        progress.total, progress.folder = len(frames), folder
        return (f"Keyframes ({len(frames)} frames)", request,
                functools.partial(apply_frame, folder, stem, node_target))


def register():
    bpy.utils.register_class(UNDERPAINT_OT_keyframes)


def unregister():
    bpy.utils.unregister_class(UNDERPAINT_OT_keyframes)
