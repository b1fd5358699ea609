"""Scene controls in the sidebar: which passes steer Generate Texture (scene_passes.py), and
Project onto Mesh (generate from the camera with the depth pass as control, then bake the
image onto the active object's UVs, projection.py). Settings live in scene.underpaint_controls."""
import functools

import bpy
import numpy as np
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty, StringProperty

from . import images, projection, scene_passes
from .operators import UserError, _common, _JobOperator, _remember, _result_rgba, use_as_base_color
from .underpaint_kit import requests


PASSES = (("depth", "Depth"), ("normal", "Normals"), ("segmentation", "Object Index"))  # kind, label


def _strength(label):
    return FloatProperty(name=f"{label} Strength", default=1.0, min=0.0, max=2.0,
                         description=f"How strongly the {label.lower()} pass steers (0 = not at all)")


def _start(label):
    return FloatProperty(name=f"{label} Start", default=0.0, min=0.0, max=1.0, subtype="FACTOR",
                         description=f"Part of the schedule where the {label.lower()} pass starts acting")


def _end(label):
    return FloatProperty(name=f"{label} End", default=1.0, min=0.0, max=1.0, subtype="FACTOR",
                         description=f"Part of the schedule where the {label.lower()} pass stops acting")


class UnderpaintControls(bpy.types.PropertyGroup):
    use_depth: BoolProperty(name="Depth", default=False,
                            description="Steer generations with the scene's depth from the active camera")
    use_normal: BoolProperty(name="Normals", default=False,
                             description="Steer generations with the scene's normals from the active camera")
    use_segmentation: BoolProperty(name="Object Index", default=False,
                                   description="Steer generations with one colour per object (its Pass Index; "
                                               "all 0 = each object its own)")
    # each pass its own weight and range (depth firm all along, segmentation only early, ...);
    # Project onto Mesh always uses depth, with depth's settings
    depth_strength: _strength("Depth")
    depth_start: _start("Depth")
    depth_end: _end("Depth")
    normal_strength: _strength("Normals")
    normal_start: _start("Normals")
    normal_end: _end("Normals")
    segmentation_strength: _strength("Object Index")
    segmentation_start: _start("Object Index")
    segmentation_end: _end("Object Index")
    texture_size: IntProperty(name="Texture Size", default=1024, min=16, max=8192,
                              description="Project onto Mesh: size of the new texture in pixels")
    project_into: EnumProperty(
        name="Into", description="Where Project onto Mesh bakes the image",
        items=[("NEW", "New Texture", "A new texture, made the object's Base Color; texels the camera "
                                      "does not see stay transparent"),
               ("CURRENT", "Current Texture", "The image already in the object's Base Color: only texels "
                                              "this camera sees change (project from several views)")],
        default="NEW")

    def schedule(self, kind):
        """(strength, start, end) of the pass `kind`; refuses a start not below its end, naming
        the setting, before anything is rendered or sent."""
        strength, start, end = (getattr(self, f"{kind}_{part}") for part in ("strength", "start", "end"))
        if start >= end:
            label = dict(PASSES)[kind]
            raise UserError(f"{kind}_start: {label} Start ({start:g}) must be below {label} End ({end:g})")
        return strength, start, end


def _settings(context):
    return context.scene.underpaint_controls


def base_color_image(obj):
    """The image of the Image Texture node wired to Base Color in the object's material, or None."""
    material = obj.active_material
    tree = material.node_tree if material is not None else None
    for node in tree.nodes if tree is not None else ():
        if node.type == "BSDF_PRINCIPLED" and node.inputs["Base Color"].is_linked:
            source = node.inputs["Base Color"].links[0].from_node
            if source.type == "TEX_IMAGE" and source.image is not None:
                return source.image
    return None


def projection_target(context, object_name=""):
    obj = bpy.data.objects.get(object_name) if object_name else context.view_layer.objects.active
    if obj is None:
        raise UserError(f"object_name: no object called '{object_name}'" if object_name
                        else "Select the mesh to project onto")
    if obj.type != "MESH":
        raise UserError(f"'{obj.name}' is a {obj.type.lower()}: Project onto Mesh needs a mesh")
    if not obj.data.uv_layers:
        raise UserError(f"'{obj.name}' has no UV map: unwrap it first (UV > Unwrap)")
    return obj


class UNDERPAINT_OT_project(_JobOperator, bpy.types.Operator):
    bl_idname = "underpaint.project"
    bl_label = "Project onto Mesh"
    bl_description = ("Generate what the active camera sees, steered by the scene's depth, and bake it "
                      "onto the selected mesh's UVs where the camera sees it (a new texture)")
    fixes_faces = False  # a texture, not a portrait

    object_name: StringProperty(name="Object", default="", options={"SKIP_SAVE"},
                                description="Mesh to project onto; empty = the active object")

    def build(self, context, s):
        controls = _settings(context)
        obj = projection_target(context, self.object_name)
        into = None
        size = (controls.texture_size, controls.texture_size)
        if controls.project_into == "CURRENT":
            image = base_color_image(obj)
            if image is None or 0 in image.size:
                raise UserError(f"'{obj.name}' has no Base Color texture yet: project into a New Texture first")
            into, size = image.name, images.size_of(image)
        kinds = ["depth"] + [kind for kind in scene_passes.chosen_kinds(controls) if kind != "depth"]
        schedules = {kind: controls.schedule(kind) for kind in kinds}  # refused before rendering
        passes = scene_passes.render(context.scene, context.view_layer, s.width, s.height, kinds)
        plan = projection.plan(obj, context.evaluated_depsgraph_get(), size, passes)
        if plan.count == 0:
            raise UserError(f"The camera sees nothing of '{obj.name}': aim the active camera at it")
        request = requests.generate_request(width=s.width, height=s.height, count=1, **_common(s))
        scene_passes.add_to_request(request, passes, schedules)
        return "Project", request, functools.partial(apply_projection, obj.name, plan, into)


def apply_projection(object_name, plan, into, result):
    """Main thread, when the image arrives: bake it into a new texture (into=None) or the named
    one, and make that the object's Base Color (one undo step, pushed by jobs after this)."""
    obj = bpy.data.objects.get(object_name)
    if obj is None:
        raise ValueError(f"Object '{object_name}' was removed while Underpaint worked on it")
    data = _result_rgba(result)
    width, height = plan.size
    image = bpy.data.images.get(into) if into else None
    if into and image is None:
        raise ValueError(f"Image '{into}' was removed while Underpaint worked on it")
    if image is None:
        image = bpy.data.images.new(f"{obj.name} (projected)", width, height, alpha=True)
        image.use_fake_user = True
        texture = np.zeros((height, width, 4), dtype=np.float32)
    else:
        if images.size_of(image) != (width, height):
            raise ValueError(f"Image '{into}' changed size while Underpaint worked on it")
        texture = images.read_floats(image)[::-1].copy()  # rows bottom-up, like UVs
    # the daemon's sRGB bytes in the texture's own encoding (linear for float images)
    generated = images.rgba8_to_floats(data.data, data.width, data.height, images.is_linear(image))
    projection.apply(plan, generated, texture)
    images.write_floats(image, texture[::-1])  # write_floats takes rows top-down
    _remember(image, result)
    image["underpaint_projected_texels"] = plan.count
    use_as_base_color(obj, image)
    return image.name


class _ControlsPanel:
    bl_region_type = "UI"
    bl_category = "Underpaint"
    bl_label = "Scene Controls"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        c = _settings(context)
        layout = self.layout
        camera = context.scene.camera
        layout.label(text=f"Camera: {camera.name}" if camera else "No active camera",
                     icon="CAMERA_DATA" if camera else "ERROR")
        layout.label(text="Generate Texture uses:")
        for kind, _label in PASSES:
            col = layout.column(align=True)
            col.prop(c, f"use_{kind}")
            if getattr(c, f"use_{kind}"):
                _draw_schedule(col, c, kind)
        layout.separator()
        obj = context.view_layer.objects.active
        col = layout.column(align=True)
        if not c.use_depth:  # projection always steers with depth: show what it will use
            col.label(text="Project uses Depth:")
            _draw_schedule(col, c, "depth")
            col.separator()
        col.prop(c, "project_into")
        if c.project_into == "NEW":
            col.prop(c, "texture_size")
        row = col.row()
        row.enabled = obj is not None and obj.type == "MESH" and camera is not None
        row.operator("underpaint.project", icon="MOD_UVPROJECT",
                     text=f"Project onto '{obj.name}'" if obj is not None else "Project onto Mesh")


def _draw_schedule(col, c, kind):
    """A pass's strength, then start | end: two compact rows under its checkbox."""
    col.prop(c, f"{kind}_strength", text="Strength", slider=True)
    row = col.row(align=True)
    row.prop(c, f"{kind}_start", text="Start", slider=True)
    row.prop(c, f"{kind}_end", text="End", slider=True)


def _panel_classes():
    classes = []
    for space, tag in (("IMAGE_EDITOR", "image"), ("NODE_EDITOR", "node")):
        name = f"UNDERPAINT_PT_{tag}_scene_controls"
        classes.append(type(name, (_ControlsPanel, bpy.types.Panel),
                            {"bl_idname": name, "bl_space_type": space,
                             "bl_parent_id": f"UNDERPAINT_PT_{tag}_main"}))
    return classes


CLASSES = (UnderpaintControls, UNDERPAINT_OT_project, *_panel_classes())


def register():
    bpy.utils.register_class(UnderpaintControls)
    bpy.types.Scene.underpaint_controls = PointerProperty(type=UnderpaintControls)
    for cls in CLASSES[1:]:
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(CLASSES[1:]):
        bpy.utils.unregister_class(cls)
    del bpy.types.Scene.underpaint_controls
    bpy.utils.unregister_class(UnderpaintControls)
