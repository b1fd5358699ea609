"""Upscaling: peak memory and time against output size, for the network path (tiled ESRGAN) and
the diffusion path (GOBIG: Lanczos, then img2img per tile). Prints figures measured in this run;
not a test. Goal: memory flat in the image size apart from the image buffers themselves.

    python bench/upscale.py [--sizes 1024 2048 4096 8192] [--diffusion-sizes 1024 2048] [--network demo|realesrgan]

Every measurement runs in a fresh child process, so its peak RSS (ru_maxrss) is its own. The
child loads the network (and the demo diffusion model), notes its RSS ("loaded"), then upscales a
photograph to the size; "extra" = peak - loaded, and "buffers" = what the input and output images
take at 3 bytes a pixel (what any upscaler must hold). Flat memory means extra - buffers stays
about the same while the output grows 64-fold.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time, types
import numpy as np
from PIL import Image
from pathlib import Path
mode, size, models_dir, network = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
import torch
torch.set_num_threads(2)
from skimage import data
from underpaint.finishing.upscale_models import UpscalerModels
from underpaint.finishing.upscale_model import network_upscale, lanczos_upscale

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

scale = 4
photo = np.asarray(Image.fromarray(data.coffee()).resize((size // scale, size * 3 // 4 // scale), Image.LANCZOS))
out_w, out_h = photo.shape[1] * scale, photo.shape[0] * scale
tiles = [0]
if mode == "network":
    models = UpscalerModels(models_dir, allow_pickle=True).scan()
    entry = next(e for e in models.entries if e.id == network)
    descriptor = models.load(entry, "cpu")
    network_upscale(descriptor, "cpu", photo[:16, :16], 64, 64)  # warm up
    loaded = rss_mb()
    start = time.perf_counter()
    out = network_upscale(descriptor, "cpu", photo, out_w, out_h, on_tile=lambda d, t: tiles.__setitem__(0, t))
else:
    from underpaint.finishing.upscale_diffusion import rerender_tiles
    from underpaint.models.cache import PipelineCache
    from underpaint.models.registry import ModelRegistry
    from underpaint.v1 import underpaint_pb2 as pb
    registry = ModelRegistry(models_dir).scan() or None
    reg = ModelRegistry(models_dir); reg.scan()
    cache = PipelineCache("cpu", torch.float32)
    entry = reg.get("underpaint-demo")
    class Ctx:
        request = types.SimpleNamespace(prompt="a cup of coffee", negative_prompt="", steps=4, guidance=7.0,
                                        sampler="euler_a", seed=1, addons=None,
                                        request=pb.GenerateRequest(type=pb.JOB_TYPE_FINISH))
        cache = cache
        def load_model(self): return cache.get(entry)
        def activity(self, *a, **k): pass
        def progress(self, done, total, *a, **k): tiles.__setitem__(0, total)
        def check_cancelled(self): pass
    ctx = Ctx()
    ctx.load_model()
    options = pb.UpscaleOptions(diffusion=True, strength=0.35, tile_size=int(sys.argv[5]))
    rerender_tiles(ctx, lanczos_upscale(photo[:32, :32], 128, 128), options, 0)  # warm up
    loaded = rss_mb()
    start = time.perf_counter()
    big = lanczos_upscale(photo, out_w, out_h)
    out = rerender_tiles(ctx, big, options, 0)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(dict(mode=mode, width=out.shape[1], height=out.shape[0], seconds=elapsed, loaded_mb=loaded,
                      peak_mb=peak, buffers_mb=(photo.nbytes + out.nbytes) / 2**20, tiles=tiles[0])))
"""


def measure(mode: str, size: int, models_dir: Path, network: str, tile: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(size), str(models_dir), network, str(tile)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return dict(mode=mode, error=done.stderr.strip().splitlines()[-1] if done.stderr else "failed", size=size)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4096, 8192], help="output widths (4:3)")
    p.add_argument("--diffusion-sizes", type=int, nargs="*", default=[1024, 2048])
    p.add_argument("--diffusion-tile", type=int, default=512, help="GOBIG tile side (the demo model renders it at 64 px)")
    p.add_argument("--network", default="demo", choices=["demo", "realesrgan"],
                   help="demo: the 8-feature ESRGAN; realesrgan: RealESRGAN_x4plus's shapes (64 features, 23 blocks), random")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        models_dir = Path(tmp)
        from underpaint.finishing.upscale_demo import esrgan_state_dict, write_demo_esrgan
        from underpaint.models.demo import write_demo_model

        write_demo_esrgan(models_dir)
        network = "esrgan-demo-x4"
        if args.network == "realesrgan":
            import torch

            torch.save({"params_ema": esrgan_state_dict(num_filters=64, num_blocks=23)},
                       models_dir / "upscalers" / "RealESRGAN_x4plus-random.pth")
            network = "RealESRGAN_x4plus-random"
        if args.diffusion_sizes:
            write_demo_model(models_dir)
        print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, {platform.processor() or 'cpu'}, "
              f"python {platform.python_version()}, CPU only, torch threads 2")
        print(f"{'path':>10} {'output':>11} {'tiles':>6} {'seconds':>8} {'loaded MB':>10} {'peak MB':>8} "
              f"{'extra MB':>9} {'buffers MB':>11} {'extra-buffers':>14}")
        runs = [("network", s) for s in args.sizes] + [("diffusion", s) for s in args.diffusion_sizes]
        for mode, size in runs:
            r = measure(mode, size, models_dir, network, args.diffusion_tile)
            if "error" in r:
                print(f"{mode:>10} {size:>11}  {r['error']}")
                continue
            extra = r["peak_mb"] - r["loaded_mb"]
            print(f"{mode:>10} {r['width']:>5}x{r['height']:<5} {r['tiles']:>6} {r['seconds']:>8.1f} {r['loaded_mb']:>10.0f} "
                  f"{r['peak_mb']:>8.0f} {extra:>9.0f} {r['buffers_mb']:>11.0f} {extra - r['buffers_mb']:>14.0f}", flush=True)


if __name__ == "__main__":
    main()
