"""What switching between two SD-1.5-sized models costs, warm and cold, measured in one run.

    flock /tmp/underpaint-heavy.lock .venv/bin/python bench/switch.py [--models DIR --a ID --b ID] [--rounds 3]

With no --models, two full-size SD 1.5 models with random weights (1.07 B parameters each, fp16
diffusers folders, ~2.1 GB each) are written to a temporary folder (or to --keep DIR, reused when
present). A real daemon serves them; every job is 1 step at 64x64, so the time from a job's
Started event to its first Progress event (both stamped by the daemon) is "get the model" + one
step. Jobs run in this order: A (cold load), A (same model: the baseline), B (cold), then
A, B, A, B ... (warm switches). Prints:
  cold load   = cold job - baseline
  warm switch = median switch job - baseline (goal <= 1 s: a warm switch reloads nothing)
and which models the daemon reports loaded, so a budget too small for both shows. Then, with the
daemon stopped, the model cache alone in this process (no denoising step to blur the figure):
the time PipelineCache.get takes for A cold, B cold, then A and B warm. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch


def write_random_sd15(folder: Path, seed: int) -> Path:
    """A full-size SD 1.5 diffusers folder with random fp16 weights, built without the slow
    default initialisers (empty tensors filled in place)."""
    from accelerate import init_empty_weights
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPTextConfig, CLIPTextModel

    from underpaint.models.single_file import write_packaged_config_folder

    if (folder / "unet" / "diffusion_pytorch_model.safetensors").is_file():
        return folder
    write_packaged_config_folder("sd15", folder)
    generator = torch.Generator().manual_seed(seed)
    builders = {
        "unet": lambda: UNet2DConditionModel.from_config(UNet2DConditionModel.load_config(folder / "unet")),
        "vae": lambda: AutoencoderKL.from_config(AutoencoderKL.load_config(folder / "vae")),
        "text_encoder": lambda: CLIPTextModel(CLIPTextConfig.from_json_file(folder / "text_encoder" / "config.json")),
    }
    for name, build in builders.items():
        with init_empty_weights():
            module = build()
        module.to_empty(device="cpu")
        with torch.no_grad():
            for key, tensor in module.state_dict(keep_vars=True).items():
                if "norm" in key and key.endswith("weight"):
                    tensor.fill_(1.0)
                elif key.endswith("position_ids"):
                    tensor.copy_(torch.arange(tensor.shape[-1]).expand_as(tensor))
                else:
                    tensor.normal_(0, 0.02, generator=generator)
        file = "model.safetensors" if name == "text_encoder" else "diffusion_pytorch_model.safetensors"
        save_file({k: v.detach().half().contiguous() for k, v in module.state_dict().items()}, str(folder / name / file))
        del module
    return folder


def first_step_seconds(client, model: str) -> float:
    from underpaint.v1 import underpaint_pb2 as pb

    job = client.submit(pb.GenerateRequest(prompt="a lighthouse", model=model, width=64, height=64, steps=1,
                                           seed=1, client="bench/switch"))
    started = progress = None
    for event in client.watch(job.id):
        if event.HasField("started"):
            started = event.time
        elif event.HasField("progress") and progress is None:
            progress = event.time
        elif event.HasField("finished") and event.finished.status != pb.JOB_STATUS_SUCCEEDED:
            raise SystemExit(f"job on {model} failed: {event.finished.message}")
    return progress - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path)
    ap.add_argument("--a", default="random-sd15-a")
    ap.add_argument("--b", default="random-sd15-b")
    ap.add_argument("--keep", type=Path, help="write the random models here (reused when present)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    from underpaint.client import Client
    from underpaint.testing import DaemonProcess

    models = args.models
    if models is None:
        models = args.keep or Path(tempfile.mkdtemp(prefix="underpaint-switch-"))
        t0 = time.perf_counter()
        write_random_sd15(models / args.a, seed=1)
        write_random_sd15(models / args.b, seed=2)
        print(f"random SD 1.5 models ready in {models} ({time.perf_counter() - t0:.0f} s)")
    daemon = DaemonProcess(models).start()
    try:
        with Client(daemon.grpc) as client:
            cold_a = first_step_seconds(client, args.a)
            same = [first_step_seconds(client, args.a)]
            cold_b = first_step_seconds(client, args.b)
            switches = []
            for _ in range(args.rounds):
                switches.append(first_step_seconds(client, args.a))
                switches.append(first_step_seconds(client, args.b))
                same.append(first_step_seconds(client, args.b))
            loaded = [m.id for m in client.models().models if m.loaded]
    finally:
        daemon.stop()
    baseline = statistics.median(same)
    switch = statistics.median(switches)
    print(f"first step, same model as the job before (baseline): {baseline:.2f} s (median of {len(same)})")
    print(f"cold load: A {cold_a - baseline:.2f} s, B {cold_b - baseline:.2f} s (job {cold_a:.2f} / {cold_b:.2f} s)")
    print(f"warm switch: {switch - baseline:+.2f} s over the baseline (median of {len(switches)} switches; "
          f"each {switch:.2f} s; ratio switch/baseline {switch / baseline:.2f})")
    print(f"loaded after the run: {', '.join(loaded) or 'none'}"
          + ("" if {args.a, args.b} <= set(loaded) else "  <- the memory budget does not hold both"))
    cache_alone(models, args.a, args.b, args.rounds)


def cache_alone(models: Path, a: str, b: str, rounds: int) -> None:
    from underpaint.devices import pick_device, pick_dtype
    from underpaint.models.cache import PipelineCache
    from underpaint.models.registry import ModelRegistry

    registry = ModelRegistry(models)
    registry.scan()
    device = pick_device()
    cache = PipelineCache(device, pick_dtype(device))

    def get(model_id: str) -> float:
        t0 = time.perf_counter()
        cache.get(registry.get(model_id))
        return time.perf_counter() - t0

    cold = [get(a), get(b)]
    warm = [get(m) for _ in range(rounds) for m in (a, b)]
    print(f"model cache alone (budget {cache.budget_bytes / 2**30:.1f} GiB): cold get {cold[0]:.2f} s / "
          f"{cold[1]:.2f} s, warm switch get median {statistics.median(warm) * 1000:.3f} ms "
          f"(max {max(warm) * 1000:.3f} ms over {len(warm)} switches); loaded: {', '.join(cache.loaded_ids())}")


if __name__ == "__main__":
    main()
