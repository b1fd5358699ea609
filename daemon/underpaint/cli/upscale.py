"""`underpaint upscale IN --scale 4 [--model ID] [--diffusion --strength 0.3 --prompt P] --out OUT`:
a FINISH job with one upscale step, through the daemon."""

from __future__ import annotations

import sys

from ..v1 import underpaint_pb2 as pb


def add_parser(subparsers, add_client_options) -> None:
    p = subparsers.add_parser("upscale", help="enlarge an image with an upscaler network or Lanczos, "
                                              "optionally re-rendered tile by tile by the model (--diffusion)")
    add_client_options(p)
    p.add_argument("image")
    p.add_argument("--scale", type=float, default=None,
                   help="factor above 1 up to 16 (default: the upscaler's own, 2 with Lanczos)")
    p.add_argument("--size", default="", metavar="WxH", help="a target size instead of --scale, e.g. 3840x2160")
    p.add_argument("--model", default="", help="an upscaler id from `underpaint models` (default: Lanczos)")
    p.add_argument("--diffusion", action="store_true",
                   help="then re-render tile by tile with the diffusion model (GOBIG / SD upscale)")
    p.add_argument("--strength", type=float, default=0.0, help="--diffusion: denoise 0..1 (0.35)")
    p.add_argument("--prompt", default="", help="--diffusion: what the picture shows")
    p.add_argument("--negative", default="")
    p.add_argument("--diffusion-model", default="", help="--diffusion: the model (default: the daemon's default)")
    p.add_argument("--steps", type=int, default=0, help="--diffusion: sampling steps (25; strength x steps run)")
    p.add_argument("--cfg", type=float, default=0.0, help="--diffusion: guidance scale (7)")
    p.add_argument("--sampler", default="")
    p.add_argument("--seed", type=int, default=-1)
    p.add_argument("--tile-size", type=int, default=0, help="--diffusion: tile side (768 SD 1.x, 1024 SDXL)")
    p.add_argument("--tile-padding", type=int, default=0, help="--diffusion: overlap (16 + 64 x strength)")
    p.add_argument("--seam-pass", action="store_true", help="--diffusion: re-render a band across each tile edge")
    p.add_argument("--out", required=True, help="output PNG")
    p.set_defaults(func=upscale)


def upscale(args) -> int:
    from .finish_job import run_finish

    if args.scale is not None and args.scale <= 1.0:  # 0 would mean "the default" on the wire; the daemon checks the rest
        print(f"underpaint: --scale: {args.scale:g} is out of range; allowed above 1 up to 16 "
              "(leave it out for the upscaler's own factor)", file=sys.stderr)
        return 2
    width = height = 0
    if args.size:
        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            print(f"underpaint: --size: {args.size!r} is not WIDTHxHEIGHT, e.g. 3840x2160", file=sys.stderr)
            return 2
    options = pb.UpscaleOptions(model=args.model, scale=args.scale or 0.0, width=width, height=height,
                                diffusion=args.diffusion, strength=args.strength, tile_size=args.tile_size,
                                tile_padding=args.tile_padding, seam_pass=args.seam_pass)
    request = pb.GenerateRequest(prompt=args.prompt, negative_prompt=args.negative, model=args.diffusion_model,
                                 steps=args.steps, guidance=args.cfg, sampler=args.sampler, seed=args.seed)
    request.finishing.append(pb.FinishingStep(upscale=options))
    return run_finish(args, request)
