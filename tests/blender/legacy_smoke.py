"""Runs inside a Blender binary (`blender -b --factory-startup --python legacy_smoke.py -- ARGS`):
enables the built plugin folder as a legacy add-on (Blender before 4.2 has no extensions),
generates one texture against the live daemon and wires it into a material. Writes JSON.

Args: --out report.json [--numpy-path DIR]  (DIR is added to sys.path when this Blender's
Python has no numpy, as Debian's blender package does not depend on python3-numpy)
"""
import argparse
import json
import sys
import time
import traceback


def main():
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--numpy-path", default="")
    args = parser.parse_args(argv)
    report = {}
    try:
        report.update(run(args))
    except Exception:
        report["error"] = traceback.format_exc()
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)


def numpy_missing(borrow_from):
    """Why numpy cannot be imported (after borrowing it from borrow_from), or ""."""
    try:
        import numpy  # noqa: F401
        return ""
    except ImportError:
        pass
    if borrow_from:
        sys.path.append(borrow_from)
        try:
            import numpy  # noqa: F401,F811
            return ""
        except ImportError as error:
            return f"this Blender's Python has no numpy and cannot load the one lent to it ({error})"
    return "this Blender's Python has no numpy"


def run(args):
    import bpy
    import addon_utils

    out = {"blender": bpy.app.version_string}
    missing = numpy_missing(args.numpy_path)
    if missing:
        return {"numpy_missing": missing}
    module = addon_utils.enable("underpaint_blender", default_set=True, handle_error=None)
    if module is None:
        raise RuntimeError("addon_utils.enable('underpaint_blender') failed (see stderr)")
    jobs = sys.modules["underpaint_blender.jobs"]
    s = bpy.context.scene.underpaint
    s.prompt, s.width, s.height, s.steps, s.seed = "mossy stone", 64, 64, 4, 42
    before = set(bpy.data.images.keys())
    started = time.monotonic()
    bpy.ops.underpaint.generate()
    job = jobs.wait(jobs.current, 300)
    out.update(state=job.state, message=job.message, seconds=round(time.monotonic() - started, 2),
               new_images=sorted(set(bpy.data.images.keys()) - before))
    if job.images:
        image = bpy.data.images[job.images[0]]
        out["size"] = list(image.size)
        bpy.ops.mesh.primitive_cube_add()
        bpy.ops.underpaint.use_as_material(image_name=image.name)
        material = bpy.context.view_layer.objects.active.active_material
        bsdf = next(n for n in material.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
        link = bsdf.inputs["Base Color"].links[0] if bsdf.inputs["Base Color"].is_linked else None
        out["material_image"] = link.from_node.image.name if link else None
    addon_utils.disable("underpaint_blender", default_set=True)
    out["unregistered"] = not hasattr(bpy.types.Scene, "underpaint")
    return out


if __name__ == "__main__":
    main()
