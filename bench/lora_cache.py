"""What a LoRA costs per job once it is cached on the model, against its first use.

    flock /tmp/underpaint-heavy.lock .venv/bin/python bench/lora_cache.py [--keep DIR] [--rank 32] [--runs 3]

A full-size SD 1.5 model with random weights (bench/switch.py writes it, or reuses it from
--keep) and a random kohya LoRA of the given rank over every transformer linear layer of its
UNet and text encoder (the layout model sites publish). Times what a job adds to put the LoRA
on and take it off again (pipelines.addons.prepare_addons, no denoising: on a busy machine a
step's time varies by more than the LoRA costs):
  first use         the LoRA is read from disk, converted and injected, switched on, then off
  repeat            already loaded: only switched on with its weight, then off
and, for scale, one 64x64 1-step job without it. Prints medians. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from switch import write_random_sd15  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, help="folder for the random model (reused when present)")
    ap.add_argument("--rank", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from safetensors.torch import save_file

    from underpaint.models.addons import AddOnIndex, AddonPlan, LoraUse
    from underpaint.models.demo_addons import kohya_lora_state
    from underpaint.models.loader import load_model
    from underpaint.models.registry import ModelRegistry
    from underpaint.pipelines.addons import prepare_addons, state_of
    from underpaint.pipelines.generate import GenerationSpec, run_generation

    root = args.keep or Path(tempfile.mkdtemp(prefix="underpaint-lora-"))
    write_random_sd15(root / "random-sd15-a", seed=1)
    registry = ModelRegistry(root)
    registry.scan()
    model = load_model(registry.get("random-sd15-a"), "cpu", torch.float32)
    lora_path = root / "loras" / f"random-rank{args.rank}.safetensors"
    if not lora_path.is_file():
        lora_path.parent.mkdir(parents=True, exist_ok=True)
        state = kohya_lora_state(model.txt2img.unet, model.txt2img.text_encoder, args.rank,
                                 torch.Generator().manual_seed(3), scale=0.01)
        save_file({k: v.half().contiguous() for k, v in state.items()}, str(lora_path))
    index = AddOnIndex(root)
    index.scan()
    lora = index.find("lora", lora_path.stem)
    with_lora = AddonPlan(loras=[LoraUse(lora, 0.8, "loras[0]")])

    def job() -> float:
        spec = GenerationSpec("a lighthouse", "", 64, 64, 1, 7.0, "euler")
        t0 = time.perf_counter()
        run_generation(model, spec, 1, lambda *a: None)
        return time.perf_counter() - t0

    def put_on_and_off() -> float:
        t0 = time.perf_counter()
        with model.lock, prepare_addons(model, with_lora):
            pass
        return time.perf_counter() - t0

    step = job()
    first = put_on_and_off()
    repeat = [put_on_and_off() for _ in range(args.runs)]
    print(f"LoRA {lora_path.name}: {lora_path.stat().st_size / 2**20:.0f} MB (fp16), rank {args.rank}")
    print(f"first use (read, inject, on, off): {first:.2f} s")
    print(f"repeat (on with its weight, off): {statistics.median(repeat) * 1000:.0f} ms median of {len(repeat)}; "
          f"{state_of(model).loras.loads} load in all; ratio first/repeat {first / statistics.median(repeat):.0f}x")
    print(f"for scale: a 64x64 1-step job without the LoRA took {step:.2f} s")


if __name__ == "__main__":
    main()
