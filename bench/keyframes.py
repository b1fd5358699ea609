"""Frozen noise for keyframes: how much the outputs change from frame to frame, relative to how
much the inputs change, with the noise frozen (a KEYFRAMES job) and not (each frame its own seed,
as an img2img per frame gives today). Prints figures measured in this run; not a test.

    python bench/keyframes.py [--frames 8] [--size 64] [--steps 20] [--strength 0.5] [--sampler euler_a]

The sequence: a gradient background with a square moving 2 px per frame (only the square's
edges change between two inputs). Change = mean absolute difference of consecutive frames, in
8-bit levels; "relative" = output change / input change, averaged over the pairs. Consistency
gain = relative(not frozen) / relative(frozen). Uses the demo model (random weights) unless
--model-dir points at a folder with a real model.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import numpy as np
import torch


def moving_square(count: int, size: int, step: int = 2) -> list[np.ndarray]:
    y, x = np.mgrid[0:size, 0:size] / size
    background = (np.stack([x, y, 1 - x * y], axis=2) * 255).astype(np.uint8)
    side = size // 4
    frames = []
    for i in range(count):
        frame = background.copy()
        left = size // 8 + i * step
        frame[size // 3:size // 3 + side, left:left + side] = (240, 40, 40)
        frames.append(frame)
    return frames


def change(images: list[np.ndarray]) -> list[float]:
    return [float(np.abs(a.astype(int) - b.astype(int)).mean()) for a, b in zip(images, images[1:])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--strength", type=float, default=0.5)
    parser.add_argument("--sampler", default="euler_a")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model-dir", default="")
    parser.add_argument("--model", default="underpaint-demo")
    args = parser.parse_args()

    from underpaint.models.demo import write_demo_model
    from underpaint.models.loader import load_model
    from underpaint.models.registry import ModelRegistry
    from underpaint.pipelines.generate import GenerationSpec, run_generation
    from underpaint.pipelines.noise import NoiseSettings

    folder = args.model_dir or tempfile.mkdtemp(prefix="underpaint-bench-")
    if not args.model_dir:
        write_demo_model(folder)
    registry = ModelRegistry(folder)
    registry.scan()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = load_model(registry.get(args.model), device, torch.float16 if device == "cuda" else torch.float32)
    frames = moving_square(args.frames, args.size)

    def run(seed_of, noise) -> list[np.ndarray]:
        out = []
        for i, frame in enumerate(frames):
            spec = GenerationSpec(prompt="an ink drawing of a red box", negative_prompt="", width=args.size,
                                  height=args.size, steps=args.steps, guidance=7.0, sampler=args.sampler,
                                  init_image=frame, strength=args.strength, noise=noise)
            out.append(run_generation(model, spec, seed_of(i), lambda *a: None))
        return out

    start = time.perf_counter()
    variants = {
        "not frozen (seed + frame index)": run(lambda i: args.seed + i, None),
        "frozen (KEYFRAMES: one seed, frozen noise)": run(lambda i: args.seed, NoiseSettings(freeze=True)),
        "same seed, noise not frozen": run(lambda i: args.seed, None),
    }
    elapsed = time.perf_counter() - start
    inputs = change(frames)
    print(f"{platform.machine()} {os.cpu_count()} cores, torch {torch.__version__}, device {device}; "
          f"{args.frames} frames {args.size}x{args.size}, {args.steps} steps, strength {args.strength}, "
          f"sampler {args.sampler}, model {args.model}; {elapsed:.1f} s")
    print(f"input change per frame: {np.mean(inputs):.2f} levels")
    relative = {}
    for name, outputs in variants.items():
        outs = change(outputs)
        relative[name] = float(np.mean([o / i for o, i in zip(outs, inputs)]))
        print(f"{name:45s} output change {np.mean(outs):7.2f} levels, relative {relative[name]:6.2f}")
    names = list(variants)
    gain = relative[names[0]] / relative[names[1]]
    print(f"consistency gain, frozen vs not frozen: {gain:.1f}x (goal >= 3x)")


if __name__ == "__main__":
    main()
