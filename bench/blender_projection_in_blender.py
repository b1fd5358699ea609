"""The Blender side of bench/blender_projection.py (runs in the bpy module; see there)."""
import json
import statistics
import sys
import time

import bpy
import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "tests" / "blender"))
from extension_harness import PACKAGE, install  # noqa: E402

zip_path, out, size, textures, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
install(zip_path)
scene_passes, projection = sys.modules[PACKAGE + ".scene_passes"], sys.modules[PACKAGE + ".projection"]


def median_time(work):
    times, value = [], None
    for _ in range(runs):
        started = time.perf_counter()
        value = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def loop_rasterise(tri_uvs, size):
    """The baseline: one numpy pass per triangle."""
    count = 0
    for uv in tri_uvs:
        u0, v0 = np.maximum(np.floor(uv.min(axis=0)).astype(int), 0)
        u1, v1 = np.minimum(np.ceil(uv.max(axis=0)).astype(int), size)
        cols, rows = np.meshgrid(np.arange(u0, u1) + 0.5, np.arange(v0, v1) + 0.5)
        a, b, c = uv
        ab, ac = b - a, c - a
        area = ab[0] * ac[1] - ab[1] * ac[0]
        if abs(area) < 1e-12 or cols.size == 0:
            continue
        du, dv = cols.ravel() - a[0], rows.ravel() - a[1]
        w1 = (du * ac[1] - dv * ac[0]) / area
        w2 = (ab[0] * dv - ab[1] * du) / area
        count += int(((w1 >= -1e-6) & (w2 >= -1e-6) & (1 - w1 - w2 >= -1e-6)).sum())
    return count


for obj in list(bpy.data.objects):
    if obj.type == "MESH":
        bpy.data.objects.remove(obj)
bpy.ops.mesh.primitive_monkey_add(location=(0, 0, 0), size=4)
monkey = bpy.context.active_object
monkey.modifiers.new("subdivide", "SUBSURF").levels = 2
bpy.ops.object.modifier_apply(modifier="subdivide")
bpy.ops.object.mode_set(mode="EDIT")
bpy.ops.mesh.select_all(action="SELECT")
bpy.ops.uv.smart_project()
bpy.ops.object.mode_set(mode="OBJECT")
mesh = monkey.data
mesh.calc_loop_triangles()
scene, depsgraph = bpy.context.scene, bpy.context.evaluated_depsgraph_get()
report = {"blender": bpy.app.version_string, "triangles": len(mesh.loop_triangles), "textures": {}}
report["render"], passes = median_time(
    lambda: scene_passes.render(scene, bpy.context.view_layer, size, size, scene_passes.KINDS))
report["control_images"], _ = median_time(lambda: scene_passes.control_images(passes, scene_passes.KINDS))
loops = np.empty(len(mesh.loop_triangles) * 3, dtype=np.int64)
mesh.loop_triangles.foreach_get("loops", loops)
uvs = np.empty(len(mesh.loops) * 2)
mesh.uv_layers.active.data.foreach_get("uv", uvs)
for texture in map(int, textures.split(",")):
    plan_time, plan = median_time(lambda: projection.plan(monkey, depsgraph, (texture, texture), passes))
    tri_uvs = uvs.reshape(-1, 2)[loops.reshape(-1, 3)] * texture
    positions = np.zeros(tri_uvs.shape[:2] + (3,))
    normals = np.zeros((len(tri_uvs), 3))
    raster_time, _ = median_time(lambda: projection._rasterise(tri_uvs, positions, normals, (texture, texture)))
    loop_time, _ = median_time(lambda: loop_rasterise(tri_uvs, texture))
    report["textures"][texture] = {"plan": plan_time, "rasterise": raster_time, "loop": loop_time,
                                   "seen": plan.count, "covered": plan.covered}
with open(out, "w") as handle:
    json.dump(report, handle)
