"""The artist's commands. Each one reads pixels on the main thread, builds a request with the kit
and hands it to jobs.start(); the result is applied later, on the main thread, by jobs.drain()."""
import functools
import os
import re
import tempfile

import bpy
from bpy.props import StringProperty

from . import daemon_status, images, jobs, preferences, scene_passes, undo
from .underpaint_kit import faces, history, pb, requests

_IMAGE_NAME_DESCRIPTION = "Image to work on; empty = the image in the editor (or active Image Texture node)"


class UserError(Exception):
    """Something the artist can fix; its text is reported as is."""


def client_name():
    return f"blender {bpy.app.version_string}"


def active_image(context, image_name=""):
    """The image an operator works on: named, or the one in the Image Editor, or the active
    Image Texture node's in the Shader Editor."""
    if image_name:
        image = bpy.data.images.get(image_name)
        if image is None:
            raise UserError(f"image_name: no image called '{image_name}'")
        return image
    space = getattr(context, "space_data", None)
    if space is not None and space.type == "IMAGE_EDITOR" and space.image is not None:
        return space.image
    if space is not None and space.type == "NODE_EDITOR" and space.edit_tree is not None:
        node = space.edit_tree.nodes.active
        if node is not None and getattr(node, "image", None) is not None:
            return node.image
    return None


def _require_image(context, image_name):
    image = active_image(context, image_name)
    if image is None:
        raise UserError("Open an image in the Image Editor (or select an Image Texture node) first")
    if image.type == "RENDER_RESULT":
        raise UserError("The Render Result cannot be edited: use Refine with Source = Render Result")
    if 0 in image.size:
        raise UserError(f"Image '{image.name}' has no pixels (is its file missing?)")
    return image


def document_name():
    """The .blend's file name: results are archived under it ("" while the file is unsaved)."""
    return bpy.path.basename(bpy.data.filepath)


def _settings(context):
    return context.scene.underpaint


def _common(s):
    return dict(prompt=s.prompt, negative_prompt=s.negative_prompt, model=s.model.strip(),
                steps=s.steps, guidance=s.guidance, seed=s.seed, sampler=s.sampler.strip(),
                tiling=s.seamless, client=client_name(), vae=s.vae.strip())


def _result_rgba(result):
    image = result.image
    if image.format not in (pb.PIXEL_FORMAT_RGBA8, pb.PIXEL_FORMAT_UNSPECIFIED):
        raise ValueError(f"result.image.format: expected RGBA8, got {pb.PixelFormat.Name(image.format)}")
    return image


def image_title(prompt):
    """A new image's name from the prompt: <lora:…> tags say how, not what, so they are left out."""
    words = " ".join(re.sub(r"<[^<>]*>", " ", prompt).split()).strip(" ,")
    return words[:40]


def _remember(image, result):
    """Keeps how the image was made on the image itself (visible in the N panel's custom props)."""
    image["underpaint_seed"] = str(result.seed)
    if result.parameters.infotext:
        image["underpaint_parameters"] = result.parameters.infotext


def editor_key(context):
    """Names the Image Editor an operator ran in (screen, area index), to show its result there.
    Not the area itself: Blender may free it while the job runs."""
    area, screen = getattr(context, "area", None), getattr(context, "screen", None)
    if area is None or screen is None or area.type != "IMAGE_EDITOR":
        return None
    return screen.name, list(screen.areas).index(area)


def _show_in_editors(image, replaced_name, key=None):
    """The editor the job came from (unless pinned), and editors that showed the replaced
    image or nothing, now show the result."""
    if key is not None:
        screen = bpy.data.screens.get(key[0])
        if screen is not None and key[1] < len(screen.areas):
            area = screen.areas[key[1]]
            if area.type == "IMAGE_EDITOR" and not area.spaces.active.use_image_pin:
                area.spaces.active.image = image
    for window in getattr(bpy.context.window_manager, "windows", []):
        for area in window.screen.areas if window.screen else []:
            if area.type != "IMAGE_EDITOR":
                continue
            space = area.spaces.active
            if space.image is None or space.image.name == replaced_name:
                space.image = image


# --- applying results (main thread, from jobs.drain) -------------------------------------------

def apply_generated(target_name, base_name, editor, result):
    """Result 0 goes into the target image (if any); the rest into new images."""
    data = _result_rgba(result)
    image = bpy.data.images.get(target_name) if target_name and result.index == 0 else None
    if image is None:
        suffix = f" {result.index + 1}" if result.index else ""
        image = bpy.data.images.new(f"{base_name}{suffix}", data.width, data.height, alpha=True)
        image.use_fake_user = True  # an unused texture would otherwise vanish when the file is saved
    else:
        undo.keep_for_undo(image, f"Underpaint result in '{image.name}'")
    images.write_rgba8(image, data.data, data.width, data.height)
    _remember(image, result)
    if result.index == 0:
        _show_in_editors(image, target_name, editor)
    return image.name


def apply_canvas(image_name, result):
    """Places a canvas result (refine, fill, expand) over the image it was made from."""
    image = bpy.data.images.get(image_name)
    if image is None:
        raise ValueError(f"Image '{image_name}' was removed while Underpaint worked on it")
    data = _result_rgba(result)
    undo.keep_for_undo(image, f"Underpaint result in '{image.name}'")
    document_size, offset = None, (0, 0)
    if result.document_width and result.document_height:
        document_size = (result.document_width, result.document_height)
        offset = (result.offset_x, result.offset_y)
    images.composite_rgba8(image, data.data, result.x, result.y, data.width, data.height,
                           document_size=document_size, offset=offset)
    _remember(image, result)
    return image.name


# --- operators ---------------------------------------------------------------------------------

class _JobOperator:
    bl_options = {"REGISTER"}  # results land later with their own undo step

    image_name: StringProperty(name="Image", description=_IMAGE_NAME_DESCRIPTION, default="",
                               options={"SKIP_SAVE"})

    fixes_faces = True  # generations get the face steps the artist ticked (not expand)

    def execute(self, context):
        try:
            s = _settings(context)
            label, request, apply_result = self.build(context, s)
            if self.fixes_faces and request.type != pb.JOB_TYPE_FINISH:
                faces.add_face_steps(request, restore=s.restore_faces, rerender=s.rerender_faces,
                                     restorer=s.face_restorer.strip(), strength=s.face_strength)
            history.archive_options(request, "blender", document_name())  # the History panel's "this file"
            jobs.start(label, request, apply_result, preferences.connection(context))
        except (UserError, ValueError, jobs.BusyError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Underpaint: {label}...")
        return {"FINISHED"}


class UNDERPAINT_OT_generate(_JobOperator, bpy.types.Operator):
    bl_idname = "underpaint.generate"
    bl_label = "Generate Texture"
    bl_description = "Generate a texture from the prompt into a new image or the active one"

    def build(self, context, s):
        target = None
        if self.image_name or s.target == "ACTIVE":
            target = _require_image(context, self.image_name).name
        request = requests.generate_request(width=s.width, height=s.height, count=s.variations,
                                            **_common(s))
        scene_passes.add_scene_controls(context, request, s.width, s.height)  # the ticked scene passes
        base_name = (image_title(s.prompt) or "Underpaint") + (" (seamless)" if s.seamless else "")
        return "Generate", request, functools.partial(apply_generated, target, base_name,
                                                      editor_key(context))


class UNDERPAINT_OT_refine(_JobOperator, bpy.types.Operator):
    bl_idname = "underpaint.refine"
    bl_label = "Refine Image"
    bl_description = "Repaint the image guided by the prompt; Strength says how much may change"

    def build(self, context, s):
        if s.refine_source == "RENDER" and not self.image_name:
            image = _copy_of_render_result("Render (Underpaint)")
        elif s.refine_source == "VIEWPORT" and not self.image_name:
            image = _copy_of_viewport(context)
        else:
            image = _require_image(context, self.image_name)
        width, height = images.size_of(image)
        request = requests.canvas_request(
            "refine", (width, height), images.read_rgba8(image), (0, 0, width, height),
            strength=s.strength, **_common(s))
        return "Refine", request, functools.partial(apply_canvas, image.name)


class UNDERPAINT_OT_fill(_JobOperator, bpy.types.Operator):
    bl_idname = "underpaint.fill"
    bl_label = "Fill Masked Area"
    bl_description = "Repaint the masked area (erased alpha or the mask image) to fit its surroundings"

    def build(self, context, s):
        image = _require_image(context, self.image_name)
        size = images.size_of(image)
        if s.mask_source == "IMAGE":
            if s.mask_image is None:
                raise UserError("mask_image: choose a mask image (white = regenerate)")
            selection = images.mask_image_selection(s.mask_image, size)
        else:
            selection = images.alpha_selection(image)
        bounds = images.selection_bounds(selection)
        if bounds is None:
            raise UserError("Nothing to fill: erase part of the image's alpha or paint the mask white")
        region = requests.context_rect(size, bounds)
        request = requests.canvas_request(
            "fill", size, images.read_rgba8(image, region), region,
            selection=images.crop_gray8(selection, bounds), selection_rect=bounds,
            grow=s.grow, feather=s.feather, **_common(s))
        return "Fill", request, functools.partial(apply_canvas, image.name)


class UNDERPAINT_OT_expand(_JobOperator, bpy.types.Operator):
    bl_idname = "underpaint.expand"
    bl_label = "Expand Image"
    bl_description = "Grow the image by the margins and paint the new area"
    fixes_faces = False  # new surroundings: the faces already there are left as they are

    def build(self, context, s):
        image = _require_image(context, self.image_name)
        margins = (s.expand_left, s.expand_top, s.expand_right, s.expand_bottom)
        if not any(margins):
            raise UserError("expand: set at least one margin above 0")
        width, height = images.size_of(image)
        request = requests.canvas_request(
            "expand", (width, height), images.read_rgba8(image), (0, 0, width, height),
            expand=margins, **_common(s))
        return "Expand", request, functools.partial(apply_canvas, image.name)


class UNDERPAINT_OT_cancel(bpy.types.Operator):
    bl_idname = "underpaint.cancel"
    bl_label = "Cancel"
    bl_description = "Cancel the running Underpaint job (only this one)"

    @classmethod
    def poll(cls, context):
        return jobs.current is not None and jobs.current.active

    def execute(self, context):
        jobs.cancel()
        return {"FINISHED"}


class UNDERPAINT_OT_refresh(bpy.types.Operator):
    bl_idname = "underpaint.refresh"
    bl_label = "Connect"
    bl_description = "Connect to the daemon and list its models and samplers"

    def execute(self, context):
        daemon_status.refresh(preferences.connection(context))
        return {"FINISHED"}


class UNDERPAINT_OT_use_as_material(bpy.types.Operator):
    bl_idname = "underpaint.use_as_material"
    bl_label = "Use as Material"
    bl_description = "Wire the image into the active object's material as Base Color"
    bl_options = {"REGISTER", "UNDO"}

    image_name: StringProperty(name="Image", description=_IMAGE_NAME_DESCRIPTION, default="",
                               options={"SKIP_SAVE"})

    def execute(self, context):
        try:
            image = _require_image(context, self.image_name)
            obj = context.view_layer.objects.active
            if obj is None or not hasattr(obj.data, "materials"):
                raise UserError("Select an object that can have materials (e.g. a mesh)")
            material = use_as_base_color(obj, image)
        except UserError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"'{image.name}' is now the Base Color of '{material.name}'")
        return {"FINISHED"}


def use_as_base_color(obj, image):
    """Image Texture node -> Principled BSDF Base Color on the object's active material."""
    material = obj.active_material
    if material is None:
        material = bpy.data.materials.new(f"Underpaint {image.name}")
        if obj.material_slots:
            obj.active_material = material
        else:
            obj.data.materials.append(material)
    if bpy.app.version < (5, 0, 0) and not material.use_nodes:
        material.use_nodes = True  # always on from Blender 5.0
    tree = material.node_tree
    bsdf = _principled(tree)
    base_color = bsdf.inputs["Base Color"]
    texture = None
    if base_color.is_linked and base_color.links[0].from_node.type == "TEX_IMAGE":
        texture = base_color.links[0].from_node
    if texture is None:
        texture = tree.nodes.new("ShaderNodeTexImage")
        texture.location = (bsdf.location.x - 320, bsdf.location.y)
        tree.links.new(texture.outputs["Color"], base_color)
    texture.image = image
    tree.nodes.active = texture
    return material


def _principled(tree):
    for node in tree.nodes:
        if node.type == "BSDF_PRINCIPLED":
            return node
    bsdf = tree.nodes.new("ShaderNodeBsdfPrincipled")
    output = next((n for n in tree.nodes if n.type == "OUTPUT_MATERIAL"), None)
    if output is None:
        output = tree.nodes.new("ShaderNodeOutputMaterial")
        output.location = (300, 0)
    tree.links.new(bsdf.outputs["BSDF"], output.inputs["Surface"])
    return bsdf


def _copy_of_viewport(context):
    """A viewport render of the first 3D Viewport, as a packed image."""
    screen = getattr(context, "screen", None)
    area = next((a for a in screen.areas if a.type == "VIEW_3D"), None) if screen else None
    if area is None:
        raise UserError("Open a 3D Viewport to refine what it shows")
    region = next(r for r in area.regions if r.type == "WINDOW")
    try:
        with context.temp_override(area=area, region=region):
            bpy.ops.render.opengl(view_context=True)
    except RuntimeError as error:
        raise UserError(f"Could not capture the viewport: {error}") from error
    return _copy_of_render_result("Viewport (Underpaint)")


def _copy_of_render_result(name):
    """The last render as a packed image (Render Result pixels cannot be read directly)."""
    render = bpy.data.images.get("Render Result")
    if render is None:
        raise UserError("Render something first (F12): there is no Render Result to refine")
    folder = tempfile.mkdtemp(prefix="underpaint-")
    path = os.path.join(folder, "render.png")
    settings = bpy.context.scene.render.image_settings
    old_format = settings.file_format
    try:
        settings.file_format = "PNG"  # display-referred 8-bit: what the artist saw
        render.save_render(filepath=path, scene=bpy.context.scene)
    except RuntimeError as error:
        raise UserError(f"Render something first (F12): {error}") from error
    finally:
        settings.file_format = old_format
    image = bpy.data.images.load(path)
    image.name = name
    image.pack()  # keeps the pixels once the temporary file is gone
    os.remove(path)
    os.rmdir(folder)
    return image


CLASSES = (UNDERPAINT_OT_generate, UNDERPAINT_OT_refine, UNDERPAINT_OT_fill, UNDERPAINT_OT_expand,
           UNDERPAINT_OT_cancel, UNDERPAINT_OT_refresh, UNDERPAINT_OT_use_as_material)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
