"""What the daemon costs over calling diffusers directly, on the same generation.

    .venv/bin/python bench/overhead.py [--models DIR --model ID] [--size 128] [--steps 20] [--runs 5]

(1) direct: the model's diffusers pipeline called in this process;
(2) daemon: the same request submitted over gRPC to a real daemon process and watched to the end
    (queue, worker thread, step callbacks, events, raw RGBA result on the wire).
Both use the same model files, seed, size, steps and sampler; runs alternate so that machine noise
hits both. Prints median seconds and the ratio daemon / direct (target: <= 1.05). Not a test.
With no --models, the tiny demo model is written to a temporary folder (on CPU it makes the fixed
per-job costs look large relative to the work; on a GPU with a real model pass --models/--model).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path)
    ap.add_argument("--model", default="")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from underpaint.client import Client
    from underpaint.devices import pick_device, pick_dtype
    from underpaint.models.cache import PipelineCache
    from underpaint.models.registry import ModelRegistry
    from underpaint.pipelines.samplers import make_scheduler
    from underpaint.testing import DaemonProcess
    from underpaint.v1 import underpaint_pb2 as pb

    models = args.models
    if models is None:
        from underpaint.models.demo import write_demo_model
        models = Path(tempfile.mkdtemp(prefix="underpaint-bench-"))
        write_demo_model(models)
    registry = ModelRegistry(models)
    registry.scan()
    entry = registry.get(args.model or registry.default_id)
    device = pick_device()
    loaded = PipelineCache(device, pick_dtype(device), None).get(entry)
    pipe = loaded.txt2img
    pipe.scheduler = make_scheduler("euler_a", loaded.base_scheduler_config)
    prompt = "a lighthouse on a cliff at dusk, oil painting"

    def direct(seed: int) -> float:
        t0 = time.perf_counter()
        pipe(prompt=prompt, width=args.size, height=args.size, num_inference_steps=args.steps,
             guidance_scale=7.0, generator=torch.Generator("cpu").manual_seed(seed), output_type="np")
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    daemon = DaemonProcess(models).start()
    try:
        with Client(daemon.grpc) as client:
            request = pb.GenerateRequest(prompt=prompt, model=entry.id, width=args.size, height=args.size,
                                         steps=args.steps, guidance=7.0, sampler="euler_a")

            def through_daemon(seed: int) -> float:
                request.seed = seed
                t0 = time.perf_counter()
                job = client.submit(request)
                for event in client.watch(job.id):
                    pass
                assert event.finished.status == pb.JOB_STATUS_SUCCEEDED, event.finished.message
                return time.perf_counter() - t0

            direct(0), through_daemon(0)  # warm both: model load, first-call allocations
            d_times, g_times = [], []
            for run in range(args.runs):
                d_times.append(direct(run + 1))
                g_times.append(through_daemon(run + 1))
    finally:
        daemon.stop()

    d, g = statistics.median(d_times), statistics.median(g_times)
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    print(f"model {entry.id} ({'demo, random weights' if entry.is_demo else entry.architecture}) on {device} ({name})")
    print(f"{args.size}x{args.size}, {args.steps} steps, euler_a, median of {args.runs} runs")
    print(f"direct diffusers : {d * 1000:8.1f} ms")
    print(f"daemon over gRPC : {g * 1000:8.1f} ms")
    print(f"ratio daemon/direct: {g / d:.3f}  (target <= 1.05)")


if __name__ == "__main__":
    main()
