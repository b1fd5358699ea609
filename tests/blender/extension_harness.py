"""Shared by every Blender-side check (tests/blender/scenario.py and tests/crosshost/blender_side.py):
installs the BUILT extension zip exactly as an artist would, and gives the checks their common
helpers (run a job to its end, make images, read their pixels). Runs inside real Blender (the
`bpy` module from .venv-blender).
"""
import sys

import bpy
import numpy as np

PACKAGE = "bl_ext.user_default.underpaint_blender"
SIZE = 64  # the demo model's native size: keeps every job well under a second


SYS_PATH_BEFORE_INSTALL = []


def install(zip_path):
    SYS_PATH_BEFORE_INSTALL[:] = sys.path
    result = bpy.ops.extensions.package_install_files(
        filepath=zip_path, repo="user_default", enable_on_install=True)
    if result != {"FINISHED"} or PACKAGE not in bpy.context.preferences.addons:
        raise RuntimeError(f"installing {zip_path} gave {result}")
    return sys.modules[PACKAGE + ".jobs"], sys.modules[PACKAGE + ".images"]


class ScenarioHelpers:
    """State and helpers the check classes (generation_checks, board_checks) share."""

    def __init__(self, jobs, images):
        self.jobs = jobs
        self.images = images
        self.settings = bpy.context.scene.underpaint
        self.settings.prompt = "weathered red brick wall"
        self.settings.steps = 4
        self.settings.width = self.settings.height = SIZE

    def run_job(self, operator, timeout=120, **kwargs):
        """Runs an operator that starts a job and drains until the job ended."""
        result = operator(**kwargs)
        job = self.jobs.current
        self.jobs.wait(job, timeout)
        return result, job

    def job_summary(self, result, job):
        return {"op": sorted(result), "state": job.state, "message": job.message,
                "images": list(job.images), "seed": job.seed, "has_preview": job.has_preview}

    def floats(self, name):
        return self.images.read_floats(bpy.data.images[name])

    def new_image(self, name, size=SIZE, float_buffer=False, fill=None, colorspace=None):
        image = bpy.data.images.new(name, size, size, alpha=True, float_buffer=float_buffer)
        if colorspace:  # before the pixels: a generated image regenerates when this changes
            image.colorspace_settings.name = colorspace
        if fill is not None:
            image.pixels.foreach_set(np.ascontiguousarray(fill[::-1], dtype=np.float32).reshape(-1))
            image.update()
        return image

    @staticmethod
    def pattern(size=SIZE):
        """A smooth opaque picture, top-down (h, w, 4)."""
        y, x = np.mgrid[0:size, 0:size] / (size - 1)
        return np.stack([x, y, 0.5 + 0.4 * np.sin(6 * x) * np.cos(5 * y), np.ones_like(x)],
                        axis=-1).astype(np.float32)

    @staticmethod
    def wrap_correlations(top_down):
        """Pearson correlation of the left with the right column and of the top with the bottom
        row, next to the mean correlation of interior neighbours. Tiled: the wrap-around pair
        correlates like neighbours do. Correlation, not difference: the demo model's zero-padded
        edges are muted, so a plain difference would call them seamless."""
        rgb = top_down[..., :3].astype(np.float64)

        def corr(u, v):
            u, v = u - u.mean(), v - v.mean()
            return float((u * v).sum() / np.sqrt((u * u).sum() * (v * v).sum()))

        width, height = rgb.shape[1], rgb.shape[0]
        return {"x": corr(rgb[:, 0], rgb[:, -1]), "y": corr(rgb[0], rgb[-1]),
                "interior_x": float(np.mean([corr(rgb[:, i], rgb[:, i + 1]) for i in range(width - 1)])),
                "interior_y": float(np.mean([corr(rgb[i], rgb[i + 1]) for i in range(height - 1)]))}
