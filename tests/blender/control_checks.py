"""Scene controls inside real Blender: the depth, normal and object-index passes of known scenes,
projection onto a mesh's UVs, and the controls reaching the daemon. Expected values come from
the scene's geometry and bpy_extras' own camera projection, not from the extension's code.
Each check returns plain facts; test_blender_controls.py judges them."""
import sys
from types import SimpleNamespace

import bpy
import numpy as np
from bpy_extras.object_utils import world_to_camera_view
from mathutils import Vector

from control_helpers import RecordingLayout, infotext_controls, set_schedule
from extension_harness import PACKAGE, SIZE, ScenarioHelpers


def module(name):
    return sys.modules[f"{PACKAGE}.{name}"]


class ControlChecks(ScenarioHelpers):

    # --- scene building --------------------------------------------------------------------------

    def empty_scene(self, size=SIZE):
        for obj in list(bpy.data.objects):
            bpy.data.objects.remove(obj)
        scene = bpy.context.scene
        scene.render.resolution_x = scene.render.resolution_y = size  # for world_to_camera_view
        scene.render.resolution_percentage = 100
        self.settings.width = self.settings.height = size
        controls = scene.underpaint_controls
        controls.use_depth = controls.use_normal = controls.use_segmentation = False
        for kind in ("depth", "normal", "segmentation"):
            set_schedule(controls, kind, 1.0, 0.0, 1.0)
        return scene

    def cube(self, name, location, size=2.0):
        bpy.ops.mesh.primitive_cube_add(size=size, location=location)
        obj = bpy.context.active_object
        obj.name = name
        return obj

    def camera(self, location, look_at=(0, 0, 0), lens=25.0):
        data = bpy.data.cameras.new("Camera")
        data.lens = lens
        camera = bpy.data.objects.new("Camera", data)
        bpy.context.scene.collection.objects.link(camera)
        camera.location = location
        direction = Vector(look_at) - Vector(location)
        camera.rotation_euler = direction.to_track_quat("-Z", "Y").to_euler()
        bpy.context.scene.camera = camera
        bpy.context.view_layer.update()
        return camera

    def pixel_of(self, camera, point, size=SIZE):
        """(column, row top-down) and planar depth of a world point, by bpy_extras."""
        ndc = world_to_camera_view(bpy.context.scene, camera, Vector(point))
        return int(ndc.x * size), int((1.0 - ndc.y) * size), float(ndc.z)

    def render_passes(self, kinds):
        scene = bpy.context.scene
        return module("scene_passes").render(scene, bpy.context.view_layer, SIZE, SIZE, kinds)

    # --- checks ----------------------------------------------------------------------------------

    def check_depth_pass(self):
        """Two cubes at known distances straight in front of the camera (front faces at 5 and 9)."""
        self.empty_scene()
        self.cube("Near", (-1.5, 0, 0))
        self.cube("Far", (1.5, 0, -4))
        camera = self.camera((0, 0, 6), look_at=(0, 0, -10))
        passes = self.render_passes(["depth"])
        image = module("scene_passes").depth_image(passes.depth)
        out = {"shape": list(passes.depth.shape), "points": {}}
        for label, point in (("near_centre", (-1.5, 0, 1)), ("near_corner", (-2.3, 0.8, 1)),
                             ("far_centre", (1.5, 0, -3)), ("background", (0, 5, -1))):
            col, row, expected = self.pixel_of(camera, point)
            out["points"][label] = {"expected_depth": expected, "depth": float(passes.depth[row, col]),
                                    "control": image[row, col].tolist()}
        hit = passes.depth < 1e9
        out["visible_min"], out["visible_max"] = float(passes.depth[hit].min()), float(passes.depth[hit].max())
        out["hit_fraction"] = float(hit.mean())
        out["objects_after"] = sorted(o.name for o in bpy.context.scene.objects)
        out["scenes_after"] = [s.name for s in bpy.data.scenes]
        return out

    def check_normal_pass(self):
        """A cube seen from a corner: three faces, each with a known camera-space normal."""
        self.empty_scene()
        self.cube("Cube", (0, 0, 0))
        camera = self.camera((4, -4, 3))
        passes = self.render_passes(["normal"])
        image = module("scene_passes").normal_image(passes.normal, passes.camera_world)
        to_camera = camera.matrix_world.to_3x3().normalized().inverted()
        out = {}
        for label, normal in (("+x", (1, 0, 0)), ("-y", (0, -1, 0)), ("+z", (0, 0, 1))):
            col, row, _ = self.pixel_of(camera, normal)  # the face's centre
            expected = (to_camera @ Vector(normal)).normalized()
            out[label] = {"rgb": image[row, col, :3].tolist(),
                          "expected": [round((c * 0.5 + 0.5) * 255) for c in expected]}
        out["corner_pixel"] = image[0, 0].tolist()
        return out

    def check_segmentation_pass(self):
        self.empty_scene()
        cubes = [self.cube(name, (x, 0, 0), size=1.5) for name, x in (("A", -2.2), ("B", 0), ("C", 2.2))]
        camera = self.camera((0, -9, 0))
        passes = self.render_passes(["segmentation"])
        seg = module("scene_passes").segmentation_image(passes.index)
        out = {"auto": [seg[self.pixel_of(camera, c.location)[1], self.pixel_of(camera, c.location)[0], :3].tolist()
                        for c in cubes],
               "background": seg[0, 0].tolist(),
               "indices_after": [c.pass_index for c in cubes]}
        cubes[0].pass_index = cubes[2].pass_index = 5  # the artist's own numbers win
        passes = self.render_passes(["segmentation"])
        seg = module("scene_passes").segmentation_image(passes.index)
        out["numbered"] = [seg[self.pixel_of(camera, c.location)[1], self.pixel_of(camera, c.location)[0], :3].tolist()
                           for c in cubes]
        out["numbered_after"] = [c.pass_index for c in cubes]
        return out

    def projection_scene(self, orthographic=False):
        """A default-UV cube seen from a corner, and a small occluder in front of its top's centre."""
        self.empty_scene()
        cube = self.cube("Cube", (0, 0, 0))
        camera = self.camera((4, -4, 3))
        if orthographic:
            camera.data.type, camera.data.ortho_scale = "ORTHO", 4.0
        top_centre, eye = Vector((0, 0, 1)), Vector((4, -4, 3))
        towards = eye - top_centre  # the ray from the top's centre to the camera
        if orthographic:  # parallel rays: along the camera's axis
            towards = eye.normalized() * towards.length
        self.cube("Occluder", top_centre + 0.3 * towards, size=0.3)
        bpy.context.view_layer.objects.active = cube
        bpy.context.view_layer.update()
        return cube, camera

    def face_facts(self, cube, camera, texture, size):
        """Per face of the cube: written fraction of its UV rectangle (1 texel inset), whether it
        faces the camera, and the texel at its UV centre."""
        alpha = texture[..., 3]  # rows bottom-up like UVs
        uv_layer = cube.data.uv_layers.active
        eye = camera.matrix_world.translation
        faces = {}
        for polygon in cube.data.polygons:
            uvs = np.array([uv_layer.data[i].uv[:] for i in polygon.loop_indices]) * size
            u0, v0 = np.floor(uvs.min(axis=0)).astype(int) + 1
            u1, v1 = np.ceil(uvs.max(axis=0)).astype(int) - 1
            centre_world = cube.matrix_world @ polygon.center
            normal = (cube.matrix_world.to_3x3() @ polygon.normal).normalized()
            key = "".join(f"{'+' if c > 0 else '-'}{axis}" for c, axis in zip(normal, "xyz") if abs(c) > 0.5)
            cu, cv = uvs.mean(axis=0).astype(int)
            faces[key] = {"facing": bool(normal.dot(eye - centre_world) > 0),
                          "written_fraction": float((alpha[v0:v1, u0:u1] > 0).mean()),
                          "written_count": int((alpha[v0:v1, u0:u1] > 0).sum()),
                          "centre_written": bool(alpha[cv, cu] > 0),
                          "centre_rgba": texture[cv, cu].tolist(),
                          "centre_pixel": self.pixel_of(camera, centre_world)[:2]}
        return faces

    def check_projection(self, orthographic=False):
        """Bakes a known picture (R = column, G = row) through the camera onto the cube's UVs."""
        cube, camera = self.projection_scene(orthographic)
        size = 64
        passes = self.render_passes(["depth"])
        projection = module("projection")
        plan = projection.plan(cube, bpy.context.evaluated_depsgraph_get(), (size, size), passes)
        rows, cols = np.mgrid[0:SIZE, 0:SIZE]
        picture = np.stack([(cols + 0.5) / SIZE, (rows + 0.5) / SIZE, np.full(cols.shape, 0.25),
                            np.ones(cols.shape)], axis=-1).astype(np.float32)
        texture = projection.apply(plan, picture, np.zeros((size, size, 4), dtype=np.float32))
        faces = self.face_facts(cube, camera, texture, size)
        uncovered = ~plan.covered_mask
        bare = projection.apply(plan, picture, np.zeros((size, size, 4), dtype=np.float32), margin=0)
        for face in faces.values():  # the colour the picture has where the camera sees the face's centre
            col, row = face["centre_pixel"]
            face["picture_at_centre"] = picture[min(row, SIZE - 1), min(col, SIZE - 1)].tolist()
        return {"planned": plan.count, "covered": plan.covered, "faces": faces,
                "untouched_value": texture[alpha_zero(texture)].max(initial=0.0).item(),
                # the bake margin: only texels no UV triangle covers, next to written ones
                "margin_written": int((texture[..., 3] > 0)[uncovered].sum()),
                "margin_written_without_margin": int((bare[..., 3] > 0)[uncovered].sum()),
                "covered_texels_same_with_and_without_margin":
                    bool(np.array_equal(texture[plan.covered_mask], bare[plan.covered_mask]))}

    def check_projection_orthographic(self):
        return self.check_projection(orthographic=True)

    def check_project_operator(self):
        """The whole action against the daemon: depth control, bake, new texture as Base Color."""
        cube, camera = self.projection_scene()
        s = self.settings
        s.seed, s.variations = 21, 1
        controls = bpy.context.scene.underpaint_controls
        controls.texture_size = 64
        set_schedule(controls, "depth", 0.7, 0.1, 0.8)  # depth unticked: projection still uses its settings
        before = set(bpy.data.images.keys())
        result, job = self.run_job(bpy.ops.underpaint.project)
        out = self.job_summary(result, job)
        out["controls"] = [[c.type, c.preprocessor, round(c.strength, 3), round(c.start, 3), round(c.end, 3),
                            c.image.width, c.image.height] for c in job.request.controls]
        out["new_images"] = sorted(set(bpy.data.images.keys()) - before)
        if job.state != "succeeded":
            return out
        image = bpy.data.images[job.images[0]]
        texture = self.images.read_floats(image)[::-1]  # rows bottom-up, like UVs
        out["size"] = list(image.size)
        out["packed"] = image.packed_file is not None
        out["projected_texels"] = image.get("underpaint_projected_texels")
        out["written"] = int((texture[..., 3] > 0).sum())
        out["faces"] = self.face_facts(cube, camera, texture, 64)
        tree = cube.active_material.node_tree
        bsdf = next(n for n in tree.nodes if n.type == "BSDF_PRINCIPLED")
        link = bsdf.inputs["Base Color"].links[0]
        out["base_color_image"] = link.from_node.image.name
        # a second view into the same texture: the camera at the opposite corner
        camera.location = (-4, 4, 3)
        camera.rotation_euler = (-camera.location).to_track_quat("-Z", "Y").to_euler()
        bpy.context.view_layer.update()
        controls.project_into = "CURRENT"
        before = set(bpy.data.images.keys())
        result, job = self.run_job(bpy.ops.underpaint.project)
        controls.project_into = "NEW"
        second = self.job_summary(result, job)
        second["new_images"] = sorted(set(bpy.data.images.keys()) - before)
        if job.state == "succeeded":
            after = self.images.read_floats(image)[::-1]
            faces = self.face_facts(cube, camera, after, 64)
            second["faces"] = faces
            second["first_view_faces_unchanged"] = {
                key: bool(np.array_equal(after[face_rect(cube, key, 64)], texture[face_rect(cube, key, 64)]))
                for key in ("+x", "-y")}
        out["second_view"] = second
        return out

    def check_project_refusals(self):
        self.empty_scene()
        out = {}
        plane = self.cube("NoUV", (0, 0, 0))
        plane.data.uv_layers.remove(plane.data.uv_layers[0])
        self.camera((0, 0, 6))
        for label, kwargs in (("no_uv", {"object_name": "NoUV"}), ("camera_object", {"object_name": "Camera"}),
                              ("missing", {"object_name": "Nope"})):
            try:
                bpy.ops.underpaint.project(**kwargs)
                out[label] = ""
            except RuntimeError as error:
                out[label] = str(error)
        self.cube("Elsewhere", (100, 0, 0))
        try:
            bpy.ops.underpaint.project(object_name="Elsewhere")
            out["not_in_view"] = ""
        except RuntimeError as error:
            out["not_in_view"] = str(error)
        self.cube("Seen", (0, 0, 0))
        bpy.context.scene.underpaint_controls.project_into = "CURRENT"
        try:
            bpy.ops.underpaint.project(object_name="Seen")
            out["no_texture_yet"] = ""
        except RuntimeError as error:
            out["no_texture_yet"] = str(error)
        bpy.context.scene.underpaint_controls.project_into = "NEW"
        bpy.context.scene.camera = None
        try:
            bpy.ops.underpaint.project(object_name="Seen")
            out["no_camera"] = ""
        except RuntimeError as error:
            out["no_camera"] = str(error)
        return out

    def check_controls_reach_daemon(self):
        """Generate Texture with the scene's passes ticked vs not: same seed, other pixels; each
        pass's own strength and range reach the daemon (its infotext says what it used); strength
        0 = bit for bit the plain result."""
        self.controls_scene()
        s, controls = self.settings, bpy.context.scene.underpaint_controls
        s.seed, s.variations, s.target, s.seamless = 77, 1, "NEW", False
        out = {}
        every = ("depth", "normal", "segmentation")
        for label, schedules in (
                ("plain", {}), ("depth", {"depth": (1.0, 0.0, 0.9)}),
                ("all", {kind: (0.8, 0.0, 0.9) for kind in every}),
                ("strength_0", {"depth": (0.0, 0.0, 0.9)}),
                # typical weighting: depth firm and long, normals weak and only mid-schedule;
                # object index unticked, its odd settings must not travel
                ("two_passes", {"depth": (1.0, 0.0, 0.8), "normal": (0.4, 0.25, 0.6),
                                "segmentation": None})):
            for kind in every:
                schedule = schedules.get(kind)
                setattr(controls, f"use_{kind}", schedule is not None)
                set_schedule(controls, kind, *(schedule or (1.7, 0.5, 0.55)))
            result, job = self.run_job(bpy.ops.underpaint.generate)
            out[label] = self.job_summary(result, job)
            out[label]["controls"] = [[c.type, c.preprocessor, round(c.strength, 3), round(c.start, 3),
                                       round(c.end, 3), c.image.width, c.image.height]
                                      for c in job.request.controls]
            if job.state == "succeeded":
                image = bpy.data.images[job.images[0]]
                out[label]["daemon_used"] = infotext_controls(image.get("underpaint_parameters", ""))
                out[label]["pixels"] = self.floats(job.images[0])
        plain = out["plain"].pop("pixels", None)
        for label in ("depth", "all", "strength_0", "two_passes"):
            pixels = out[label].pop("pixels", None)
            if plain is not None and pixels is not None:
                out[label]["max_diff_to_plain"] = float(np.abs(pixels - plain).max())
        return out

    def check_schedule_refusals(self):
        """A pass whose start is not below its end is refused naming the setting, before any
        render and with nothing sent; the render counter is shown to count with a valid job."""
        self.controls_scene()
        controls = bpy.context.scene.underpaint_controls
        renders = []
        counter = lambda *args: renders.append(1)  # noqa: E731
        bpy.app.handlers.render_pre.append(counter)
        out = {}
        try:
            controls.use_depth = controls.use_normal = True
            set_schedule(controls, "normal", 0.5, 0.6, 0.6)
            out["generate"] = self.refused(bpy.ops.underpaint.generate, renders)
            controls.use_normal = False
            set_schedule(controls, "depth", 1.0, 0.9, 0.5)
            controls.use_depth = False  # projection uses depth's settings even when depth is unticked
            bpy.context.view_layer.objects.active = bpy.data.objects["Near"]
            out["project"] = self.refused(bpy.ops.underpaint.project, renders)
            set_schedule(controls, "depth", 1.0, 0.0, 1.0)
            controls.use_depth = True
            result, job = self.run_job(bpy.ops.underpaint.generate)
            out["valid"] = {"state": job.state, "renders": len(renders), "controls": len(job.request.controls)}
        finally:
            bpy.app.handlers.render_pre.remove(counter)
        return out

    def refused(self, operator, renders):
        before_job, before_renders, before_images = self.jobs.current, len(renders), set(bpy.data.images.keys())
        try:
            operator()
            message = ""
        except RuntimeError as error:
            message = str(error)
        started = self.jobs.current is not before_job
        if started:  # not refused after all: let it end, so the next check can run
            self.jobs.wait(self.jobs.current, 120)
        return {"message": message, "renders": len(renders) - before_renders, "job_started": started,
                "new_images": sorted(set(bpy.data.images.keys()) - before_images)}

    def check_panel_rows(self):
        """The sidebar panel's draw code against a recording layout: which per-pass settings it
        shows for which ticked passes, and that every property it names exists."""
        self.controls_scene()
        controls = bpy.context.scene.underpaint_controls
        panel = module("control_operators")._ControlsPanel
        known = set(controls.bl_rna.properties.keys())
        out, drawn = {}, []
        for label, ticked in (("depth_and_normal", ("depth", "normal")), ("none", ()),
                              ("segmentation", ("segmentation",))):
            for kind in ("depth", "normal", "segmentation"):
                setattr(controls, f"use_{kind}", kind in ticked)
            layout = RecordingLayout()
            panel.draw(SimpleNamespace(layout=layout), bpy.context)
            drawn += layout.props
            out[label] = [name for name in layout.props
                          if name.endswith(("_strength", "_start", "_end"))]
        out["unknown_properties"] = sorted({name for name in drawn if name not in known})
        return out

    def controls_scene(self):
        self.empty_scene()
        self.cube("Near", (-1.5, 0, 0))
        self.cube("Far", (1.5, 0, -4))
        self.camera((0, 0, 6), look_at=(0, 0, -10))


def face_rect(cube, key, size):
    """Slices of the cube face `key` ("+x", ...)'s UV rectangle, 1 texel inset, rows bottom-up."""
    uv_layer = cube.data.uv_layers.active
    for polygon in cube.data.polygons:
        normal = polygon.normal
        name = "".join(f"{'+' if c > 0 else '-'}{axis}" for c, axis in zip(normal, "xyz") if abs(c) > 0.5)
        if name == key:
            uvs = np.array([uv_layer.data[i].uv[:] for i in polygon.loop_indices]) * size
            u0, v0 = np.floor(uvs.min(axis=0)).astype(int) + 1
            u1, v1 = np.ceil(uvs.max(axis=0)).astype(int) - 1
            return slice(v0, v1), slice(u0, u1)
    raise KeyError(key)


def alpha_zero(texture):
    return texture[..., 3] == 0
