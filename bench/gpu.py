"""Denoising speed on a GPU: full-size SD 1.5- and SDXL-shaped models with random weights.

it/s = UNet steps per second (batch 1 with classifier-free guidance: two UNet passes per step),
timed between step callbacks (the VAE decode and text encoding are left out). Rows, each a
ratio to the first in the same run:

  eager       diffusers' classic attention (AttnProcessor), fp16, default memory layout
  +sdpa       PyTorch scaled-dot-product attention (AttnProcessor2_0)
  +cl         + channels_last
  bf16        the same in bfloat16
  +compile    + torch.compile of the UNet (after a warm-up run per size)
  daemon      the daemon's own path (pipelines.generate.run_generation, accel.prepare_model)
              against `plain` diffusers on the same pipeline: the overhead the daemon adds

Goals (issue 19): SD 1.5 >= 100 it/s at 512², SDXL >= 25 it/s at 1024² on an H100-class GPU,
daemon <= 1.02x plain diffusers. Without CUDA it says so and exits (GPU figures pending);
`--smoke` runs the same code on CPU at 64² with 3 steps and a narrow UNet to check the script.

  .venv/bin/python bench/gpu.py [--models sd15,sdxl] [--steps 20] [--no-compile] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

SIZES = {"sd15": 512, "sdxl": 1024}


SMOKE_UNET = {"block_out_channels": [32, 32, 64, 64], "layers_per_block": 1}  # SD 1.5's layout, narrow


def random_pipeline(architecture: str, folder: Path, device: str, dtype: torch.dtype, unet_overrides=None):
    from accelerate import init_empty_weights
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    from underpaint.models.single_file import pipeline_class_for, write_packaged_config_folder

    config = write_packaged_config_folder(architecture, folder / architecture)
    unet_config = {**UNet2DConditionModel.load_config(config / "unet"), **(unet_overrides or {})}
    parts = {"unet": lambda: UNet2DConditionModel.from_config(unet_config),
             "vae": lambda: AutoencoderKL.from_config(AutoencoderKL.load_config(config / "vae")),
             "text_encoder": lambda: CLIPTextModel(CLIPTextConfig.from_json_file(config / "text_encoder" / "config.json"))}
    if architecture == "sdxl":
        parts["text_encoder_2"] = lambda: CLIPTextModelWithProjection(
            CLIPTextConfig.from_json_file(config / "text_encoder_2" / "config.json"))
    modules = {}
    for name, build in parts.items():
        with init_empty_weights():
            module = build()
        module.to_empty(device=device)
        with torch.no_grad():
            for key, tensor in [*module.named_parameters(), *module.named_buffers()]:
                if key.endswith("position_ids"):
                    tensor.copy_(torch.arange(tensor.shape[-1]).expand_as(tensor))
                elif "norm" in key and key.endswith("weight"):
                    tensor.fill_(1.0)
                else:
                    tensor.normal_(0, 0.02)
        modules[name] = module.to(dtype).eval()
    modules["tokenizer"] = CLIPTokenizer.from_pretrained(config / "tokenizer")
    if architecture == "sdxl":
        modules["tokenizer_2"] = CLIPTokenizer.from_pretrained(config / "tokenizer_2")
    modules["scheduler"] = EulerDiscreteScheduler.from_config(EulerDiscreteScheduler.load_config(config / "scheduler"))
    extra = {} if architecture == "sdxl" else {"safety_checker": None, "feature_extractor": None,
                                               "requires_safety_checker": False}
    pipe = pipeline_class_for(architecture)(**modules, **extra)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def its_plain(pipe, size: int, steps: int, device: str) -> float:
    stamps = []

    def step_end(_pipe, _i, _t, _tensors):
        sync(device)
        stamps.append(time.perf_counter())
        return {}

    pipe(prompt="a lighthouse", negative_prompt="", width=size, height=size, num_inference_steps=steps,
         guidance_scale=7.0, output_type="latent", callback_on_step_end=step_end)
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def its_daemon(pipe, architecture: str, size: int, steps: int, device: str, dtype) -> float:
    from underpaint.models.loader import LoadedModel
    from underpaint.models.registry import ModelEntry
    from underpaint.pipelines.accel import prepare_model
    from underpaint.pipelines.generate import GenerationSpec, run_generation

    entry = ModelEntry(f"bench-{architecture}", architecture, architecture, size, size, "diffusers", False,
                       Path("."), 8, "")
    model = LoadedModel(entry=entry, txt2img=pipe, img2img=pipe, inpaint=pipe, model_hash="", size_bytes=0,
                        device=device, dtype=dtype, base_scheduler_config=dict(pipe.scheduler.config))
    prepare_model(model)
    stamps = []

    def on_step(_done, _total, _preview):
        sync(device)
        stamps.append(time.perf_counter())

    run_generation(model, GenerationSpec("a lighthouse", "", size, size, steps, 7.0, "euler"), 1, on_step)
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def best_of(fn, runs: int) -> float:
    fn()  # warm-up (and compile)
    return max(fn() for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="sd15,sdxl")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="CPU, 64x64, 3 steps, a narrow SD 1.5-layout UNet: checks the script, measures nothing")
    args = parser.parse_args()
    if args.smoke:
        device, dtype16, sizes, steps, runs, archs = "cpu", torch.float32, {"sd15": 64}, 3, 1, ["sd15"]
    elif not torch.cuda.is_available():
        print("no CUDA GPU here: GPU figures pending (bench/RESULTS.md). `--smoke` checks the script on CPU.")
        return 0
    else:
        device, dtype16, sizes, steps, runs = "cuda", torch.float16, SIZES, args.steps, args.runs
        archs = args.models.split(",")
    from diffusers.models.attention_processor import AttnProcessor, AttnProcessor2_0

    name = torch.cuda.get_device_name() if device == "cuda" else "CPU (smoke run)"
    print(f"{name}, torch {torch.__version__}, {steps} steps, batch 1 with CFG, best of {runs}")
    with tempfile.TemporaryDirectory(prefix="underpaint-gpu-") as tmp:
        for arch in archs:
            size = sizes[arch]
            rows = {}
            for dtype in ([dtype16] if args.smoke else [torch.float16, torch.bfloat16]):
                pipe = random_pipeline(arch, Path(tmp), device, dtype, SMOKE_UNET if args.smoke else None)
                tag = "" if dtype == dtype16 else " bf16"
                if dtype == dtype16:
                    pipe.unet.set_attn_processor(AttnProcessor())
                    rows["eager"] = best_of(lambda: its_plain(pipe, size, steps, device), runs)
                pipe.unet.set_attn_processor(AttnProcessor2_0())
                rows["+sdpa" + tag] = best_of(lambda: its_plain(pipe, size, steps, device), runs)
                if device == "cuda":
                    pipe.unet.to(memory_format=torch.channels_last)
                    rows["+sdpa +cl" + tag] = best_of(lambda: its_plain(pipe, size, steps, device), runs)
                if dtype == dtype16:
                    rows["plain diffusers"] = best_of(lambda: its_plain(pipe, size, steps, device), runs)
                    rows["daemon"] = best_of(lambda: its_daemon(pipe, arch, size, steps, device, dtype), runs)
                if device == "cuda" and dtype == dtype16 and not args.no_compile:
                    pipe.unet = torch.compile(pipe.unet, mode="max-autotune-no-cudagraphs")
                    rows["+sdpa +cl +compile"] = best_of(lambda: its_plain(pipe, size, steps, device), runs)
                del pipe
                if device == "cuda":
                    torch.cuda.empty_cache()
            base = rows["eager"]
            print(f"\n{arch} at {size}x{size}")
            for label, its in rows.items():
                print(f"  {label:24} {its:8.2f} it/s   {its / base:5.2f}x eager")
            print(f"  daemon / plain diffusers time per step: {rows['plain diffusers'] / rows['daemon']:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
