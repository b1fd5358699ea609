"""Runs inside a Blender binary WITH its UI (under xvfb-run): enables the built add-on, opens the
Underpaint sidebar in an Image Editor, generates a texture through the operator while the panels
redraw, screenshots the window, and writes a JSON report of what the panels did.

Args (after --): --out report.json [--numpy-path DIR] [--screenshots DIR]
"""
import argparse
import json
import os
import sys
import time
import traceback

import bpy

argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--numpy-path", default="")
parser.add_argument("--screenshots", default="")
args = parser.parse_args(argv)
report = {"blender": bpy.app.version_string, "draws": {}, "draw_errors": [], "statuses": []}


def finish():
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    bpy.ops.wm.quit_blender()


def counted(cls):
    """Counts the panel's draws and keeps any exception (Blender would only print it)."""
    draw = cls.draw

    def wrapper(self, context):
        report["draws"][cls.__name__] = report["draws"].get(cls.__name__, 0) + 1
        try:
            draw(self, context)
        except Exception:
            report["draw_errors"].append(traceback.format_exc())
            raise
    cls.draw = wrapper


def setup():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from legacy_smoke import numpy_missing

    missing = numpy_missing(args.numpy_path)
    if missing:
        report["numpy_missing"] = missing
        return False
    import addon_utils

    if addon_utils.enable("underpaint_blender", default_set=True) is None:
        raise RuntimeError("could not enable underpaint_blender")
    panels = sys.modules["underpaint_blender.panels"]
    # The sidebar shows its first tab; scripts cannot pick a tab before Blender 4.2, so the
    # panels move into that tab ("Tool") for this check, all open. Their code is unchanged.
    for cls in reversed(panels.CLASSES):
        bpy.utils.unregister_class(cls)
    for cls in panels.CLASSES:
        cls.bl_category = "Tool"
        cls.bl_options = set()  # sub-panels open, so that they draw too
        counted(cls)
        bpy.utils.register_class(cls)
    return True


state = {"tick": 0, "started": 0.0}


def tick():
    jobs = sys.modules.get("underpaint_blender.jobs")
    state["tick"] += 1
    try:
        if state["tick"] == 1:
            screen = bpy.context.window.screen
            area = max(screen.areas, key=lambda a: a.width * a.height)
            area.type = "IMAGE_EDITOR"
            area.spaces.active.image = bpy.data.images.new("start", 64, 64)
            area.spaces.active.show_region_ui = True
            s = bpy.context.scene.underpaint
            # long enough (a second or more on a quiet CPU) for the 0.3 s status sampler to see steps
            s.prompt, s.width, s.height, s.steps, s.seed = "lichen on granite", 96, 96, 60, 7
            with bpy.context.temp_override(area=area, screen=screen):
                bpy.ops.underpaint.generate()
            state["area"] = area
            state["started"] = time.monotonic()
            return 0.3
        job = jobs.current
        if job.status_text not in report["statuses"]:
            report["statuses"].append(job.status_text)
        if job.active and time.monotonic() - state["started"] < 240:
            if job.step >= 1 and args.screenshots and "running" not in state:
                state["running"] = True
                bpy.ops.screen.screenshot(filepath=os.path.join(args.screenshots, "running.png"))
            return 0.3
        if state.setdefault("settle", 0) < 3:  # a few more redraws of the finished state
            state["settle"] += 1
            return 0.3
        if "viewport" not in state:
            report.update(state=job.state, message=job.message, images=list(job.images),
                          editor_image=state["area"].spaces.active.image.name,
                          had_preview=job.has_preview)
            if args.screenshots:
                bpy.ops.screen.screenshot(filepath=os.path.join(args.screenshots, "done.png"))
            # second job: refine a capture of the 3D Viewport
            state["viewport"] = True
            state["settle"] = 0
            area = state["area"]
            area.type = "VIEW_3D"
            bpy.context.scene.underpaint.refine_source = "VIEWPORT"
            with bpy.context.temp_override(area=area, screen=bpy.context.window.screen):
                bpy.ops.underpaint.refine()
            state["started"] = time.monotonic()
            return 0.3
        viewport = bpy.data.images.get("Viewport (Underpaint)")
        report["viewport_refine"] = {"state": job.state, "message": job.message,
                                     "images": list(job.images),
                                     "size": list(viewport.size) if viewport else None}
    except Exception:
        report["error"] = traceback.format_exc()
    finish()
    return None


try:
    if setup():
        bpy.app.timers.register(tick, first_interval=1.0)
    else:
        finish()
except Exception:
    report["error"] = traceback.format_exc()
    finish()
