"""Runs inside a Blender 4.2+ binary WITH its UI (under xvfb-run): uses the installed extension (or
enables the add-on), opens the Underpaint sidebar in an Image Editor, waits for the panel to fetch
the model list on its own (no refresh click), generates a texture through the operator while the
panels redraw, copies Xvfb's framebuffer as screenshots, and writes a JSON report.

Screenshots come from Xvfb's framebuffer ($UNDERPAINT_FBDIR, see tests/screenshots.py):
`bpy.ops.screen.screenshot` under Xvfb writes all-black images.

Args (after --): --out report.json [--numpy-path DIR] [--package MODULE]
"""
import argparse
import json
import os
import shutil
import sys
import time
import traceback

import bpy

argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--numpy-path", default="")
parser.add_argument("--package", default="underpaint_blender")
args = parser.parse_args(argv)
report = {"blender": bpy.app.version_string, "draws": {}, "draw_errors": [], "statuses": []}
modules = {}


def snap(name):
    fbdir, shots = os.environ.get("UNDERPAINT_FBDIR"), os.environ.get("UNDERPAINT_SHOTS")
    if fbdir and shots:
        shutil.copyfile(os.path.join(fbdir, "Xvfb_screen0"), os.path.join(shots, name + ".xwd"))


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

    if args.package not in bpy.context.preferences.addons:
        if addon_utils.enable(args.package, default_set=True) is None:
            raise RuntimeError(f"could not enable {args.package}")
    for name in ("panels", "jobs", "daemon_status"):
        modules[name] = sys.modules[f"{args.package}.{name}"]
    panels = modules["panels"]
    # sub-panels other modules hang under the main panel (scene controls) move with it
    controls = sys.modules.get(f"{args.package}.control_operators")
    classes = list(panels.CLASSES) + [cls for cls in getattr(controls, "CLASSES", ())
                                      if issubclass(cls, bpy.types.Panel)]
    # The sidebar shows its first tab, and a script cannot pick one, so the panels move into
    # that tab ("Tool") for this check, all open. Their code is unchanged.
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
    for cls in classes:
        cls.bl_category = "Tool"
        cls.bl_options = set()  # sub-panels open, so that they draw too
        counted(cls)
        bpy.utils.register_class(cls)
    return True


state = {"phase": "open", "deadline": 0.0}


def open_editor():
    screen = bpy.context.window.screen
    area = max(screen.areas, key=lambda a: a.width * a.height)
    area.type = "IMAGE_EDITOR"
    area.spaces.active.image = bpy.data.images.new("start", 64, 64)
    area.spaces.active.show_region_ui = True
    state["area"] = area
    state["deadline"] = time.monotonic() + 60
    state["phase"] = "lists"


def lists_fetched():
    """Before any click: the first draw of the panel fetched the daemon's lists."""
    status = modules["daemon_status"]
    if status.state != "ok" and time.monotonic() < state["deadline"]:
        return False
    report["before_generate"] = {"state": status.state, "short": status.short, "details": list(status.details),
                                 "models": [list(m) for m in status.models],
                                 "model_candidates": [list(c) for c in status.model_candidates()],
                                 "sampler_candidates": [list(c) for c in status.sampler_candidates()],
                                 "demo_note": status.demo_note("")}
    return True


def generate():
    area = state["area"]
    s = bpy.context.scene.underpaint
    # enough steps (a second or more on a quiet CPU) for the 0.3 s status sampler to see some
    s.prompt, s.width, s.height, s.steps, s.seed = "lichen on granite", 64, 64, 24, 7
    with bpy.context.temp_override(area=area, screen=bpy.context.window.screen):
        bpy.ops.underpaint.generate()
    state["deadline"] = time.monotonic() + 300
    state["phase"] = "running"


def tick():
    jobs = modules.get("jobs")
    try:
        phase = state["phase"]
        if phase == "open":
            open_editor()
            return 0.3
        if phase == "lists":
            if not lists_fetched():
                return 0.3
            snap("blender-before-generate")
            generate()
            return 0.3
        job = jobs.current
        if job.status_text not in report["statuses"]:
            report["statuses"].append(job.status_text)
        if phase == "running":
            if job.active and time.monotonic() < state["deadline"]:
                if job.step >= 1 and "running_shot" not in state:
                    state["running_shot"] = True
                    snap("blender-running")
                return 0.3
            if job.active:
                raise TimeoutError(f"{job.label} still {job.state} after 300 s: {job.status_text}")
            state["phase"], state["settle"] = "settle", 0
        if phase == "settle" and state["settle"] < 6:  # a few more redraws of the finished state
            state["settle"] += 1
            for area in bpy.context.window.screen.areas:  # panels slide into place as they redraw
                area.tag_redraw()
            return 0.3
        if "viewport" not in state:
            report.update(state=job.state, message=job.message, images=list(job.images),
                          editor_image=state["area"].spaces.active.image.name,
                          had_preview=job.has_preview, after_status=modules["daemon_status"].short)
            snap("blender-after-generate")
            # second job: refine a capture of the 3D Viewport
            state["viewport"] = True
            state["phase"] = "running"
            area = state["area"]
            area.type = "VIEW_3D"
            bpy.context.scene.underpaint.refine_source = "VIEWPORT"
            with bpy.context.temp_override(area=area, screen=bpy.context.window.screen):
                bpy.ops.underpaint.refine()
            state["deadline"] = time.monotonic() + 300
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
