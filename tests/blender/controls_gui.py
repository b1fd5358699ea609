"""Runs inside a Blender 4.2+ binary WITH its UI (under xvfb-run), the extension installed, on the
factory startup scene (a UV-mapped cube and a camera): presses Generate Texture with every scene
pass ticked and Project onto Mesh from an Image Editor, as the sidebar buttons do, then undoes
once. Writes a JSON report for test_blender_controls.py.

Args (after --): --out report.json [--package MODULE]
"""
import argparse
import json
import sys
import time
import traceback

import bpy

argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--package", default="bl_ext.user_default.underpaint_blender")
args = parser.parse_args(argv)
report = {"blender": bpy.app.version_string}
state = {"phase": "generate", "deadline": time.monotonic() + 300}


def image_editor():
    screen = bpy.context.window.screen
    area = max(screen.areas, key=lambda a: a.width * a.height)
    area.type = "IMAGE_EDITOR"
    return bpy.context.temp_override(area=area, screen=screen)


def finish():
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    bpy.ops.wm.quit_blender()


def tick():
    jobs = sys.modules[args.package + ".jobs"]
    try:
        if state["phase"] == "generate":
            s = bpy.context.scene.underpaint
            s.prompt, s.width, s.height, s.steps, s.seed = "rusty metal", 64, 64, 4, 3
            controls = bpy.context.scene.underpaint_controls
            controls.use_depth = controls.use_normal = controls.use_segmentation = True
            controls.texture_size = 128
            with image_editor():
                report["generate_op"] = sorted(bpy.ops.underpaint.generate())
            state["phase"] = "generating"
            return 0.3
        job = jobs.current
        if job.active:
            if time.monotonic() > state["deadline"]:
                raise TimeoutError(f"{job.label} still {job.state}: {job.status_text}")
            return 0.3
        if state["phase"] == "generating":
            report["generate"] = {"state": job.state, "message": job.message, "images": list(job.images),
                                  "controls": [c.type for c in job.request.controls]}
            bpy.context.view_layer.objects.active = bpy.data.objects["Cube"]
            with image_editor():
                report["project_op"] = sorted(bpy.ops.underpaint.project())
            state["phase"] = "projecting"
            return 0.3
        image = bpy.data.images.get("Cube (projected)")
        material = bpy.data.objects["Cube"].active_material
        report["project"] = {"state": job.state, "message": job.message, "images": list(job.images),
                             "size": list(image.size) if image else None,
                             "material_nodes": sorted(n.type for n in material.node_tree.nodes)}
        with image_editor():
            bpy.ops.ed.undo()
        material = bpy.data.objects["Cube"].active_material
        report["after_one_undo"] = {"projected_image": "Cube (projected)" in bpy.data.images,
                                    "generated_image": "rusty metal" in bpy.data.images,
                                    "material_nodes": sorted(n.type for n in material.node_tree.nodes),
                                    "scenes": [scene.name for scene in bpy.data.scenes]}
    except Exception:
        report["error"] = traceback.format_exc()
    finish()
    return None


bpy.app.timers.register(tick, first_interval=2.0)
