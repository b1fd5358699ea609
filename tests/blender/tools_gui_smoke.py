"""Runs inside a Blender 4.2+ binary WITH its UI (under xvfb-run): the image tools' sub-panels
open in an Image Editor's sidebar and draw while their operators run (history refresh, live
texture on, an upscale), with a screenshot from Xvfb's framebuffer. Writes a JSON report.

Args (after --): --out report.json [--package MODULE]
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
parser.add_argument("--package", default="bl_ext.user_default.underpaint_blender")
args = parser.parse_args(argv)
report = {"blender": bpy.app.version_string, "draws": {}, "draw_errors": []}
state = {"phase": "open", "deadline": time.monotonic() + 120}


def module(name):
    return sys.modules[f"{args.package}.{name}"]


def snap(name):
    fbdir, shots = os.environ.get("UNDERPAINT_FBDIR"), os.environ.get("UNDERPAINT_SHOTS")
    if fbdir and shots:
        shutil.copyfile(os.path.join(fbdir, "Xvfb_screen0"), os.path.join(shots, name + ".xwd"))


def finish():
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    bpy.ops.wm.quit_blender()


def counted(cls):
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
    """The sidebar shows its first tab ("Tool") and a script cannot pick another, so the main panel
    and the tool panels move there, open; the other sub-panels stay out to leave room."""
    panels, tools_panels = module("panels"), module("tools_panels")
    for cls in reversed(tools_panels.CLASSES):
        bpy.utils.unregister_class(cls)
    for cls in reversed(panels.CLASSES):
        bpy.utils.unregister_class(cls)
    main = next(cls for cls in panels.CLASSES if cls.__name__ == "UNDERPAINT_PT_image_main")
    for cls in (main,) + tools_panels.CLASSES:
        cls.bl_category = "Tool"
        cls.bl_options = set()
        counted(cls)
        bpy.utils.register_class(cls)


def tick():
    try:
        jobs, status = module("jobs"), module("daemon_status")
        if time.monotonic() > state["deadline"]:
            raise TimeoutError(f"stuck in phase {state['phase']}")
        if state["phase"] == "open":
            screen = bpy.context.window.screen
            area = max(screen.areas, key=lambda a: a.width * a.height)
            area.type = "IMAGE_EDITOR"
            image = bpy.data.images.new("paint", 64, 64)
            image.generated_type = "COLOR_GRID"
            area.spaces.active.image = image
            area.spaces.active.show_region_ui = True
            state["area"], state["phase"] = area, "connect"
            return 0.3
        if state["phase"] == "connect":
            if status.state != "ok":
                return 0.3
            s = bpy.context.scene.underpaint
            s.prompt, s.steps, s.seed = "glazed tiles", 4, 3
            tools = bpy.context.scene.underpaint_tools
            tools.upscaler, tools.upscale_factor, tools.result_into = "esrgan-demo-x4", 2.0, "NEW"
            with bpy.context.temp_override(area=state["area"], screen=bpy.context.window.screen):
                bpy.ops.underpaint.history_refresh()
                bpy.ops.underpaint.live_toggle()
                bpy.ops.underpaint.upscale()
            state["phase"], state["settle"] = "running", 0
            return 0.3
        if state["phase"] == "running":
            live = module("live_texture").live
            if jobs.current.active or jobs._tasks or live.session is None:
                return 0.3
            state["settle"] += 1
            for area in bpy.context.window.screen.areas:
                area.tag_redraw()
            if state["settle"] < 6:
                return 0.3
            snap("blender-tools-panels")
            report.update(upscale=jobs.current.state, upscale_message=jobs.current.message,
                          upscale_images=list(jobs.current.images), live_on=live.on, live_status=live.status,
                          history_message=module("history_panel").state.message)
            # a stroke on the painted image: the timer (real here) must see it and send it
            paint = bpy.data.images["paint"]
            import numpy as np
            pixels = np.empty(64 * 64 * 4, dtype=np.float32)
            paint.pixels.foreach_get(pixels)
            pixels.reshape(64, 64, 4)[20:40, 20:40, :3] = (0.9, 0.2, 0.1)
            paint.pixels.foreach_set(pixels)
            paint.pixels.foreach_get(pixels)  # as stored (8-bit)
            state["painted"] = pixels.copy()
            state["phase"] = "live"
            return 0.3
        if state["phase"] == "live":
            import numpy as np
            live = module("live_texture").live
            if live.results < 1:
                return 0.3
            bpy.ops.ed.undo_push(message="painted")
            with bpy.context.temp_override(area=state["area"], screen=bpy.context.window.screen):
                applied = bpy.ops.underpaint.live_apply()
            paint, result = bpy.data.images["paint"], bpy.data.images["paint (live)"]
            now, live_pixels = (np.empty(64 * 64 * 4, dtype=np.float32) for _ in range(2))
            paint.pixels.foreach_get(now)
            result.pixels.foreach_get(live_pixels)
            report["live_apply"] = {"applied": sorted(applied), "results": live.results,
                                    "equals_live": bool(np.array_equal(now, live_pixels))}
            with bpy.context.temp_override(area=state["area"], screen=bpy.context.window.screen):
                bpy.ops.ed.undo()
            paint = bpy.data.images["paint"]
            paint.pixels.foreach_get(now)
            report["live_apply"]["undo_gives_painting"] = float(np.abs(now - state["painted"]).max())
            report["live_apply"]["undo_vs_live"] = float(np.abs(now - live_pixels).max())
            report["live_apply"]["packed_after_undo"] = paint.packed_file is not None
            report["live_apply"]["source"] = paint.source
            bpy.ops.underpaint.live_toggle()
            # Replace, then Ctrl+Z: the image is back to its size before the upscale
            replace = bpy.data.images.new("replace-me", 64, 64)
            replace.generated_type = "COLOR_GRID"
            bpy.ops.ed.undo_push(message="before upscale")
            bpy.context.scene.underpaint_tools.result_into = "REPLACE"
            with bpy.context.temp_override(area=state["area"], screen=bpy.context.window.screen):
                bpy.ops.underpaint.upscale(image_name="replace-me")
            state["phase"] = "replace"
            return 0.3
        if state["phase"] == "replace":
            if jobs.current.active:
                return 0.3
            replaced = bpy.data.images["replace-me"]
            report["replace"] = {"state": jobs.current.state, "size": list(replaced.size)}
            with bpy.context.temp_override(area=state["area"], screen=bpy.context.window.screen):
                bpy.ops.ed.undo()
            after = bpy.data.images.get("replace-me")
            report["replace"]["size_after_undo"] = list(after.size) if after is not None else None
            # Refine writes into a painted image in place; Ctrl+Z must give the painting back
            import numpy as np
            refine = bpy.data.images.new("refine-me", 64, 64)
            pixels = np.full(64 * 64 * 4, 0.5, dtype=np.float32)
            pixels.reshape(64, 64, 4)[:, :, 3] = 1.0  # opaque: a new image has no alpha channel to keep
            pixels.reshape(64, 64, 4)[8:24, 8:56, :3] = (0.1, 0.7, 0.3)  # a stroke (dirty, unpacked)
            refine.pixels.foreach_set(pixels)
            refine.pixels.foreach_get(pixels)
            state["refine_painted"] = pixels.copy()
            state["area"].spaces.active.image = refine  # the artist refines the image in the editor
            bpy.ops.ed.undo_push(message="painted refine-me")
            with bpy.context.temp_override(area=state["area"], screen=bpy.context.window.screen):
                bpy.ops.underpaint.refine(image_name="refine-me")
            state["phase"] = "refine"
            return 0.3
        if state["phase"] == "refine":
            import numpy as np
            if jobs.current.active:
                return 0.3
            refine, now = bpy.data.images["refine-me"], np.empty(64 * 64 * 4, dtype=np.float32)
            refine.pixels.foreach_get(now)
            report["refine"] = {"state": jobs.current.state, "message": jobs.current.message,
                                "changed": float(np.abs(now - state["refine_painted"]).max())}
            with bpy.context.temp_override(area=state["area"], screen=bpy.context.window.screen):
                bpy.ops.ed.undo()
            refine = bpy.data.images.get("refine-me")
            if refine is not None:
                refine.pixels.foreach_get(now)
                report["refine"]["undo_gives_painting"] = float(np.abs(now - state["refine_painted"]).max())
    except Exception:
        report["error"] = traceback.format_exc()
    finish()
    return None


try:
    setup()
    bpy.app.timers.register(tick, first_interval=1.0)
except Exception:
    report["error"] = traceback.format_exc()
    finish()
