"""Scene controls and Project onto Mesh in real Blender: what the artist waits for on the main
thread before a job is sent.

    .venv/bin/python bench/blender_projection.py [--size 512] [--textures 1024 2048] [--runs 3]

Runs bench/blender_projection_in_blender.py in the bpy module of .venv-blender (5.0.1) with the
built extension: a Suzanne subdivided twice (15,744 triangles, smart-UV unwrapped) in front of
the factory camera. Prints the median time to render the three passes (depth, normals, object
index) at --size², to turn them into control images, and to plan a projection into each texture
size (UV rasterising, projection, depth test), next to the same rasterising done one triangle at
a time in a Python loop (the first version: the baseline), as a ratio. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--textures", type=int, nargs="+", default=[1024, 2048])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from underpaint.plugins.build import build

    with tempfile.TemporaryDirectory() as work:
        zip_path = build("blender", Path(work) / "dist", log=lambda *a: None)
        out = Path(work) / "report.json"
        env = dict(os.environ, BLENDER_USER_RESOURCES=str(Path(work) / "blender-user"))
        subprocess.run([str(REPO / ".venv-blender" / "bin" / "python"),
                        str(REPO / "bench" / "blender_projection_in_blender.py"), str(zip_path), str(out),
                        str(args.size), ",".join(map(str, args.textures)), str(args.runs)],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        report = json.loads(out.read_text())
    print(f"Blender {report['blender']}, {report['triangles']} triangles, median of {args.runs}")
    print(f"passes {args.size}²: render depth+normal+index {report['render']:.2f} s, "
          f"control images {report['control_images']:.2f} s")
    for texture in args.textures:
        row = report["textures"][str(texture)]
        print(f"texture {texture}²: plan {row['plan']:.2f} s ({row['seen']} of {row['covered']} texels seen); "
              f"rasterise {row['rasterise']:.2f} s vs per-triangle loop {row['loop']:.2f} s "
              f"(x{row['loop'] / row['rasterise']:.1f})")


if __name__ == "__main__":
    sys.exit(main())
