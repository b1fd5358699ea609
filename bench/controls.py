"""What controls cost per job, against the same job without them.

    flock /tmp/underpaint-heavy.lock .venv/bin/python bench/controls.py [--size 256] [--steps 8] [--runs 3]

Needs nothing downloaded: the demo model (at --size, so the UNet does real work per step) with
its random demo ControlNet and IP-Adapter. Times pipelines.generate.run_generation with
  none              no control
  1 ControlNet      one scribble control
  2 ControlNets     two (MultiControlNet)
  reference         one IP-Adapter reference image (loaded into the UNet and taken off per job)
after one warm-up run each (the first use loads the ControlNet / image encoder). Prints medians
and the ratio to "none" from the same run. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from underpaint.devices import pick_device, pick_dtype
    from underpaint.jobs.control_checks import ControlUse
    from underpaint.models.addons import AddOnIndex
    from underpaint.models.control_detect import encoder_for
    from underpaint.models.demo import write_demo_model
    from underpaint.models.loader import load_model
    from underpaint.models.registry import ModelRegistry
    from underpaint.pipelines.generate import GenerationSpec, run_generation

    folder = Path(tempfile.mkdtemp(prefix="underpaint-bench-controls-"))
    write_demo_model(folder)
    index = AddOnIndex(folder)
    index.scan()
    registry = ModelRegistry(folder)
    registry.scan()
    device = pick_device()
    model = load_model(registry.get("underpaint-demo"), device, pick_dtype(device))
    size = args.size
    sketch = np.zeros((size, size, 3), np.uint8)
    sketch[size // 4:3 * size // 4, size // 4] = 255
    controlnet = index.find("controlnet", "underpaint-demo-controlnet")
    adapter = index.find("ipadapter", "underpaint-demo-ipadapter")
    scribble = ControlUse("controls[0]", "scribble", controlnet, sketch, 1.0, 0.0, 1.0, "none")
    reference = ControlUse("controls[1]", "reference", adapter, sketch, 0.6, 0.0, 1.0, "none",
                           encoder_for(adapter.path, folder / "ipadapter"))
    cases = {"none": [], "1 ControlNet": [scribble], "2 ControlNets": [scribble, scribble], "reference": [reference]}
    timings = {}
    for name, controls in cases.items():
        spec = GenerationSpec(prompt="a house", negative_prompt="", width=size, height=size, steps=args.steps,
                              guidance=7.0, sampler="euler", controls=controls)
        run_generation(model, spec, 1, lambda *a: None)  # warm-up: loads what the case needs
        runs = []
        for _ in range(args.runs):
            started = time.perf_counter()
            run_generation(model, spec, 1, lambda *a: None)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            runs.append(time.perf_counter() - started)
        timings[name] = statistics.median(runs)
    base = timings["none"]
    print(f"device {device}, {size}x{size}, {args.steps} steps, median of {args.runs}")
    for name, seconds in timings.items():
        print(f"  {name:14s} {seconds:7.3f} s   x{seconds / base:.2f}")


if __name__ == "__main__":
    main()
