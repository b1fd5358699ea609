"""The scene's own depth, normals and object index, rendered from the active camera, as controls.

Blender knows the exact geometry: no estimator is needed. The passes come from a Cycles render
of a temporary scene that shares the objects and the camera (one sample, no denoising: passes
are geometry, not light), so the artist's render settings and compositor stay untouched. Each
pass goes through the compositor's output into a float EXR file, which is read back: Blender's
Render Result pixels cannot be read from Python, and the Viewer node does not run in background
mode. Checked with bpy 5.0 (compositor node groups) and Blender 4.3 (scene node trees).

ControlNet conventions (what the depth / normal / segmentation ControlNets were trained on):
- depth: near = white, far = black, normalised over the visible range; the background is black;
- normals: camera space, OpenGL style: R = right, G = up, B = towards the viewer, each -1..1
  mapped to 0..255; the background is black (no control);
- segmentation: one distinct colour per object index; the background is black.
"""
import os
import shutil
import tempfile

import bpy
import numpy as np

from .underpaint_kit import controls

BACKGROUND_DEPTH = 1e9  # Cycles writes 1e10 where no surface is hit
KINDS = ("depth", "normal", "segmentation")  # control types, in the order they are sent
_OUTPUTS = {"depth": ("Depth",), "normal": ("Normal",), "segmentation": ("Object Index", "IndexOB")}
_VIEW_LAYER_PASSES = {"depth": "use_pass_z", "normal": "use_pass_normal", "segmentation": "use_pass_object_index"}


class ScenePasses:
    """What the camera saw, top-down rows, (height, width): planar depth along the view axis
    (Blender units; >= BACKGROUND_DEPTH where nothing was hit), world-space normals, object
    indices; plus the camera it was seen from (numpy matrices), for projecting onto meshes."""

    def __init__(self, width, height, camera_world, projection, is_ortho):
        self.width, self.height = width, height
        self.camera_world = camera_world  # 4x4 camera -> world
        self.projection = projection      # 4x4 camera space -> clip space (OpenGL style)
        self.is_ortho = is_ortho
        self.depth = None
        self.normal = None
        self.index = None

    @property
    def hit(self):
        return self.depth < BACKGROUND_DEPTH


def scene_camera(scene):
    camera = scene.camera
    if camera is None or camera.type != "CAMERA":
        raise ValueError("Scene controls need a camera: the scene has no active camera "
                         "(Scene properties > Camera)")
    return camera


def render(scene, view_layer, width, height, kinds=KINDS):
    """Renders the passes `kinds` (a subset of KINDS) at width x height from the scene camera."""
    camera = scene_camera(scene)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    projection = camera.calc_matrix_camera(depsgraph, x=width, y=height)
    passes = ScenePasses(width, height, np.array(camera.matrix_world, dtype=np.float64),
                         np.array(projection, dtype=np.float64), camera.data.type == "ORTHO")
    wanted = ["depth"] + [kind for kind in KINDS if kind in kinds and kind != "depth"]
    folder = tempfile.mkdtemp(prefix="underpaint-passes-")
    temp = bpy.data.scenes.new("Underpaint passes")
    group = None
    restore_indices = _number_objects(scene) if "segmentation" in wanted else {}
    try:
        _mirror(scene, view_layer, temp, camera, width, height)
        group, output, layers = _compositor(temp)
        for kind in wanted:
            setattr(temp.view_layers[0], _VIEW_LAYER_PASSES[kind], True)
        for kind in wanted:
            pixels = _render_output(temp, group, output, layers, kind, os.path.join(folder, f"{kind}.exr"))
            if kind == "depth":
                passes.depth = pixels[..., 0].copy()
            elif kind == "normal":
                passes.normal = pixels[..., :3].copy()
            else:
                passes.index = np.rint(pixels[..., 0]).astype(np.int64)
    finally:
        bpy.data.scenes.remove(temp)
        if group is not None:
            bpy.data.node_groups.remove(group)
        for obj, index in restore_indices.items():
            obj.pass_index = index
        shutil.rmtree(folder, ignore_errors=True)
    return passes


def _mirror(scene, view_layer, temp, camera, width, height):
    """The temporary scene: the same objects, camera, frame and excluded collections."""
    for obj in scene.collection.objects:
        temp.collection.objects.link(obj)
    for child in scene.collection.children:
        temp.collection.children.link(child)
    if view_layer is not None:
        _copy_exclusions(view_layer.layer_collection, temp.view_layers[0].layer_collection)
    temp.camera = camera
    temp.frame_set(scene.frame_current)
    render = temp.render
    render.engine = "CYCLES"
    render.resolution_x, render.resolution_y, render.resolution_percentage = width, height, 100
    render.pixel_aspect_x = render.pixel_aspect_y = 1.0
    render.use_border = False
    render.use_compositing = True
    cycles = temp.cycles
    cycles.device = "CPU"
    cycles.samples = 1
    cycles.use_denoising = False
    cycles.use_adaptive_sampling = False
    cycles.filter_width = 0.01  # the one sample at the pixel centre: exact depth there
    cycles.max_bounces = 0
    temp.view_settings.view_transform = "Standard"
    settings = render.image_settings
    if hasattr(settings, "media_type"):  # Blender 5.0+: single image, not multilayer
        settings.media_type = "IMAGE"
    settings.file_format = "OPEN_EXR"
    settings.color_mode = "RGBA"
    settings.color_depth = "32"
    settings.exr_codec = "NONE"


def _copy_exclusions(source, target):
    for child in target.children:
        original = source.children.get(child.name)
        if original is not None:
            child.exclude = original.exclude
            _copy_exclusions(original, child)


def _number_objects(scene):
    """Object index: when the artist numbered no object (every Pass Index 0), each visible object
    gets its own number for this render. Returns the original numbers to put back."""
    objects = [obj for obj in scene.objects if obj.type not in ("CAMERA", "LIGHT", "EMPTY")]
    if any(obj.pass_index for obj in objects):
        return {}
    original = {}
    for number, obj in enumerate(sorted(objects, key=lambda o: o.name), start=1):
        try:
            obj.pass_index = number
        except (AttributeError, RuntimeError):  # linked from a library: read-only
            continue
        original[obj] = 0
    return original


def _compositor(temp):
    """A node tree (render layers -> output) for the temporary scene; returns (group to remove
    afterwards or None, output node, render layers node)."""
    if hasattr(temp, "compositing_node_group"):  # Blender 5.0+: a node group with a group output
        group = bpy.data.node_groups.new("Underpaint passes", "CompositorNodeTree")
        group.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
        temp.compositing_node_group = group
        tree, output = group, group.nodes.new("NodeGroupOutput")
    else:  # Blender 4.x: the scene's own tree with a Composite node
        group = None
        temp.use_nodes = True
        tree = temp.node_tree
        for node in list(tree.nodes):
            tree.nodes.remove(node)
        output = tree.nodes.new("CompositorNodeComposite")
    layers = tree.nodes.new("CompositorNodeRLayers")
    layers.scene = temp
    return group, output, layers


def _render_output(temp, group, output, layers, kind, path):
    tree = group if group is not None else temp.node_tree
    for link in list(tree.links):
        tree.links.remove(link)
    socket = next(layers.outputs[name] for name in _OUTPUTS[kind] if name in layers.outputs)
    tree.links.new(socket, output.inputs[0])
    temp.render.filepath = path
    bpy.ops.render.render(scene=temp.name, write_still=True)
    if not os.path.exists(path):
        raise RuntimeError(f"Rendering the {kind} pass wrote no file (is Cycles enabled?)")
    image = bpy.data.images.load(path)
    try:
        width, height = image.size
        flat = np.empty(width * height * 4, dtype=np.float32)
        image.pixels.foreach_get(flat)
    finally:
        bpy.data.images.remove(image)
    return flat.reshape(height, width, 4)[::-1]


# --- ControlNet images (RGBA8, top-down; pure numpy) -------------------------------------------

def depth_image(depth):
    """Near = white, far = black over the visible range; background black."""
    hit = depth < BACKGROUND_DEPTH
    value = np.zeros(depth.shape, dtype=np.float64)
    if hit.any():
        near, far = float(depth[hit].min()), float(depth[hit].max())
        value[hit] = 1.0 if far - near < 1e-9 else (far - depth[hit]) / (far - near)
    return _opaque(np.repeat(value[..., None], 3, axis=-1))


def normal_image(world_normals, camera_world):
    """World-space normals -> camera space, OpenGL style (R right, G up, B towards the viewer)."""
    rotation = np.asarray(camera_world, dtype=np.float64)[:3, :3]
    rotation = rotation / np.linalg.norm(rotation, axis=0)  # a scaled camera keeps its axes
    camera_space = world_normals.astype(np.float64) @ rotation  # = R^T n for every pixel
    length = np.linalg.norm(camera_space, axis=-1, keepdims=True)
    hit = length[..., 0] > 1e-6
    rgb = np.zeros(camera_space.shape, dtype=np.float64)
    rgb[hit] = (camera_space[hit] / length[hit]) * 0.5 + 0.5
    return _opaque(rgb)


def segmentation_image(index):
    """A distinct colour per object index (golden-ratio hues); index 0 / background black."""
    rgb = np.zeros(index.shape + (3,), dtype=np.float64)
    for number in np.unique(index):
        if number > 0:
            rgb[index == number] = segment_colour(int(number))
    return _opaque(rgb)


def segment_colour(number):
    hue = (number * 0.618033988749895) % 1.0
    value = 1.0 if number % 2 else 0.75  # neighbours in hue also differ in brightness
    return _hsv_to_rgb(hue, 0.85, value)


def _hsv_to_rgb(hue, saturation, value):
    sector = int(hue * 6.0) % 6
    fraction = hue * 6.0 - int(hue * 6.0)
    p, q, t = value * (1 - saturation), value * (1 - saturation * fraction), value * (1 - saturation * (1 - fraction))
    return [(value, t, p), (q, value, p), (p, value, t), (p, q, value), (t, p, value), (value, p, q)][sector]


def _opaque(rgb):
    out = np.full(rgb.shape[:2] + (4,), 255, dtype=np.uint8)
    out[..., :3] = np.rint(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8)
    return out


def control_images(passes, kinds):
    """{kind: RGBA8 (h, w, 4)} for the kinds asked for."""
    makers = {"depth": lambda: depth_image(passes.depth),
              "normal": lambda: normal_image(passes.normal, passes.camera_world),
              "segmentation": lambda: segmentation_image(passes.index)}
    return {kind: makers[kind]() for kind in KINDS if kind in kinds}


# --- requests ------------------------------------------------------------------------------------

def chosen_kinds(settings):
    """The passes the artist ticked (scene.underpaint_controls)."""
    return [kind for kind, on in (("depth", settings.use_depth), ("normal", settings.use_normal),
                                  ("segmentation", settings.use_segmentation)) if on]


def add_to_request(request, passes, schedules):
    """Appends one control per pass in `schedules` ({kind: (strength, start, end)}, see
    UnderpaintControls.schedule), the image as rendered (preprocessor "none")."""
    for kind, rgba in control_images(passes, schedules).items():
        strength, start, end = schedules[kind]
        controls.add_control(request, kind, np.ascontiguousarray(rgba).tobytes(),
                             (0, 0, passes.width, passes.height), strength=strength,
                             start=start, end=end, preprocessor="none")


def add_scene_controls(context, request, width, height):
    """Generate Texture: the ticked passes of the scene as controls (nothing when none is ticked).
    Each pass's own strength and range; a start not below its end is refused before rendering."""
    settings = context.scene.underpaint_controls
    schedules = {kind: settings.schedule(kind) for kind in chosen_kinds(settings)}
    if not schedules:
        return None
    passes = render(context.scene, context.view_layer, width, height, list(schedules))
    add_to_request(request, passes, schedules)
    return passes
