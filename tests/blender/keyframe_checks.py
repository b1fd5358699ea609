"""Keyframes checks inside real Blender: frames from a folder, an Image Sequence and rendered
frames restyled with one frozen noise and written back as a sequence a material plays; cancel;
bad frames. Also the helpers every tool check shares. test_blender_tools.py judges the facts."""
import os
import sys
import tempfile
import time

import bpy
import numpy as np

from extension_harness import PACKAGE, SIZE, ScenarioHelpers


def module(name):
    return sys.modules[f"{PACKAGE}.{name}"]



def frame_pattern(shift, size=SIZE):
    """An opaque picture with a bright square at x = shift (top-down float RGBA)."""
    picture = ScenarioHelpers.pattern(size) * 0.5
    picture[..., 3] = 1.0
    picture[20:36, shift:shift + 16, :3] = 0.95
    return picture



class KeyframeChecks(ScenarioHelpers):

    def __init__(self, jobs, images):
        super().__init__(jobs, images)
        self.tools = bpy.context.scene.underpaint_tools
        self.work = tempfile.mkdtemp(prefix="underpaint-tools-")
        self.settings.seed = 5

    def drain_until(self, condition, timeout=120):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not reached")
            if not self.jobs.drain():
                time.sleep(0.02)

    def save_png(self, path, top_down):
        image = self.new_image("png-writer", size=top_down.shape[0], fill=top_down)
        image.filepath_raw = path
        image.file_format = "PNG"
        image.save()
        bpy.data.images.remove(image)


    # --- keyframes ----------------------------------------------------------------------------

    def _frames_folder(self, name, shifts, sizes=None):
        folder = os.path.join(self.work, name)
        os.makedirs(folder, exist_ok=True)
        for index, shift in enumerate(shifts):
            size = sizes[index] if sizes else SIZE
            self.save_png(os.path.join(folder, f"shot_{index + 1:03d}.png"), frame_pattern(shift, size))
        return folder

    def _material_object(self):
        mesh = bpy.data.meshes.new("kf-plane")
        obj = bpy.data.objects.new("kf-plane", mesh)
        bpy.context.scene.collection.objects.link(obj)
        bpy.context.view_layer.objects.active = obj
        material = bpy.data.materials.new("kf-material")
        if bpy.app.version < (5, 0, 0):
            material.use_nodes = True
        obj.data.materials.append(material)
        node = material.node_tree.nodes.new("ShaderNodeTexImage")
        material.node_tree.nodes.active = node
        return obj, node

    def _read_pngs(self, paths):
        out = []
        for path in paths:
            image = bpy.data.images.load(path, check_existing=False)
            out.append(self.images.read_floats(image))
            bpy.data.images.remove(image)
        return out

    def check_keyframes_folder(self):
        # frames 1 and 3 are the same picture: with one frozen noise their outputs must match
        folder = self._frames_folder("shots", [4, 30, 4])
        obj, node = self._material_object()
        tools, progress = self.tools, module("keyframes").progress
        tools.keyframes_source, tools.keyframes_folder = "FOLDER", folder
        tools.keyframes_output, tools.keyframes_strength = os.path.join(self.work, "out") + os.sep, 0.6
        self.settings.prompt = "ink drawing"
        result, job = self.run_job(bpy.ops.underpaint.keyframes)
        out = self.job_summary(result, job)
        out["written"] = [os.path.basename(p) for p in progress.written]
        out["total"] = progress.total
        outputs = self._read_pngs(progress.written)
        if len(outputs) == 3:
            out["frame1_vs_frame3"] = float(np.abs(outputs[0] - outputs[2]).max())
            out["frame1_vs_frame2"] = float(np.abs(outputs[0] - outputs[1]).max())
            out["output_size"] = list(outputs[0].shape[:2])
        sequence = bpy.data.images.get(progress.sequence)
        out["sequence"] = None if sequence is None else {
            "source": sequence.source, "file": os.path.basename(sequence.filepath),
            "frames": sequence.get("underpaint_frames")}
        out["node"] = {"image": node.image.name if node.image else None,
                       "frame_duration": node.image_user.frame_duration,
                       "frame_start": node.image_user.frame_start,
                       "auto_refresh": node.image_user.use_auto_refresh}
        return out

    def check_keyframes_image_sequence(self):
        folder = self._frames_folder("seq", [0, 10, 20, 30])
        sequence = bpy.data.images.load(os.path.join(folder, "shot_001.png"))
        sequence.source = "SEQUENCE"
        tools, progress = self.tools, module("keyframes").progress
        tools.keyframes_source, tools.keyframes_image = "SEQUENCE", sequence
        tools.keyframes_output, tools.keyframes_to_node = os.path.join(self.work, "seq-out") + os.sep, False
        result, job = self.run_job(bpy.ops.underpaint.keyframes)
        out = self.job_summary(result, job)
        out["written"] = [os.path.basename(p) for p in progress.written]
        tools.keyframes_to_node = True
        return out

    def check_keyframes_renders(self):
        scene = bpy.context.scene
        scene.render.engine = "CYCLES"
        scene.cycles.samples = 1
        scene.render.resolution_x = scene.render.resolution_y = SIZE
        scene.render.resolution_percentage = 100
        scene.frame_start, scene.frame_end = 1, 2
        tools, progress = self.tools, module("keyframes").progress
        tools.keyframes_source, tools.keyframes_to_node = "RENDERS", False
        tools.keyframes_output = os.path.join(self.work, "render-out") + os.sep
        try:
            result, job = self.run_job(bpy.ops.underpaint.keyframes)
        except RuntimeError as error:
            if "Rendering the frames failed" in str(error):
                return {"skipped": f"cannot render here: {error}"}
            raise
        out = self.job_summary(result, job)
        out["written"] = [os.path.basename(p) for p in progress.written]
        out["render_filepath_kept"] = scene.render.filepath
        tools.keyframes_to_node = True
        return out

    def check_keyframes_cancel(self):
        folder = self._frames_folder("many", [0, 8, 16, 24, 32, 40])
        tools, progress = self.tools, module("keyframes").progress
        tools.keyframes_source, tools.keyframes_folder, tools.keyframes_to_node = "FOLDER", folder, False
        tools.keyframes_output = os.path.join(self.work, "cancel-out") + os.sep
        self.settings.steps = 60
        bpy.ops.underpaint.keyframes()
        job = self.jobs.current
        self.drain_until(lambda: len(progress.written) >= 1 or not job.active)
        written_at_cancel = len(progress.written)
        self.jobs.cancel()
        self.jobs.wait(job, 120)
        self.settings.steps = 4
        files = sorted(os.listdir(os.path.join(self.work, "cancel-out")))
        tools.keyframes_to_node = True
        return {"state": job.state, "written_at_cancel": written_at_cancel, "files": files,
                "total": progress.total}

    def check_keyframes_bad_frames(self):
        folder = self._frames_folder("mixed", [0, 8], sizes=[SIZE, 32])
        self.tools.keyframes_source, self.tools.keyframes_folder = "FOLDER", folder
        empty = os.path.join(self.work, "empty")
        os.makedirs(empty, exist_ok=True)
        out = {}
        for name, path in (("mixed_sizes", folder), ("empty", empty)):
            self.tools.keyframes_folder = path
            try:
                bpy.ops.underpaint.keyframes()
                out[name] = ""
            except RuntimeError as error:
                out[name] = str(error)
        return out
