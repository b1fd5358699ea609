"""Noise on the command line: `generate --variation-seed ... --freeze-noise`, and the two jobs
built on it, `underpaint keyframes FRAMES_DIR` and `underpaint edit IN`."""

from __future__ import annotations

import signal
from pathlib import Path

from ..v1 import underpaint_pb2 as pb
from .job_end import exit_code, failure

FRAME_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}


def add_generate_options(p) -> None:
    p.add_argument("--variation-seed", type=int, default=None, help="A1111's variation seed (-1 = random)")
    p.add_argument("--variation-strength", type=float, default=0.0,
                   help="0..1: 0 = the seed's image, 1 = the variation seed's")
    p.add_argument("--resize-seed-from", metavar="WxH", type=parse_size, default=None,
                   help="keep the composition the seed gives at this size")
    p.add_argument("--freeze-noise", action="store_true",
                   help="per-step noise from the seed and step only (same noise for every input)")


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        import argparse
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 512x512, got '{text}'")
    return width, height


def noise_from_args(args) -> pb.NoiseOptions | None:
    resize = getattr(args, "resize_seed_from", None)
    variation = getattr(args, "variation_seed", None)
    if variation is None and not args.variation_strength and resize is None and not args.freeze_noise:
        return None
    options = pb.NoiseOptions(variation_seed=-1 if variation is None else variation,
                              variation_strength=args.variation_strength, freeze=args.freeze_noise)
    if resize:
        options.resize_seed_from_width, options.resize_seed_from_height = resize
    return options


def add_parsers(subparsers, add_client_options) -> None:
    k = subparsers.add_parser("keyframes", help="restyle a folder of frames with one prompt and one frozen noise")
    add_client_options(k)
    k.add_argument("frames_dir", help="folder of frames (PNG/JPEG/WebP, all one size), in name order")
    _common(k)
    k.add_argument("--strength", type=float, default=0.0, help="denoise 0..1 (0.5)")
    k.add_argument("--out", required=True, help="output folder: one PNG per frame, same names")
    k.set_defaults(func=keyframes)

    e = subparsers.add_parser("edit", help="change an image by changing its prompt (no mask)")
    add_client_options(e)
    e.add_argument("image")
    e.add_argument("--from-prompt", required=True, help="what the image shows now")
    e.add_argument("--to-prompt", required=True, help="what it should show")
    _common(e, prompt=False)
    e.add_argument("--strength", type=float, default=0.0, help="how much of the schedule to invert, 0..1 (1)")
    e.add_argument("--inversion-steps", type=int, default=0, help="(the steps)")
    e.add_argument("--out", required=True, help="output PNG")
    e.set_defaults(func=edit)


def _common(p, prompt: bool = True) -> None:
    if prompt:
        p.add_argument("--prompt", required=True)
    p.add_argument("--negative", default="")
    p.add_argument("--model", default="")
    p.add_argument("--steps", type=int, default=0)
    p.add_argument("--cfg", type=float, default=0.0, help="guidance scale (7)")
    p.add_argument("--sampler", default="")
    p.add_argument("--seed", type=int, default=-1)


def frame_files(folder: str) -> list[Path]:
    path = Path(folder)
    if not path.is_dir():
        raise SystemExit(f"underpaint: {folder} is not a folder")
    files = sorted(f for f in path.iterdir() if f.suffix.lower() in FRAME_SUFFIXES)
    if not files:
        raise SystemExit(f"underpaint: no frames (PNG, JPEG, WebP, ...) in {folder}")
    return files


def keyframes(args) -> int:
    from .images_io import read_image

    files = frame_files(args.frames_dir)
    frames = [read_image(str(f), "RGBA") for f in files]
    sizes = {(f.width, f.height) for f in frames}
    if len(sizes) > 1:
        first = files[0].name
        odd = next(f.name for f, img in zip(files, frames) if (img.width, img.height) != (frames[0].width, frames[0].height))
        raise SystemExit(f"underpaint: frames must all be one size: {first} is {frames[0].width}x{frames[0].height}, "
                         f"{odd} is not")
    request = pb.GenerateRequest(type=pb.JOB_TYPE_KEYFRAMES, prompt=args.prompt, negative_prompt=args.negative,
                                 model=args.model, steps=args.steps, guidance=args.cfg, sampler=args.sampler,
                                 seed=args.seed, strength=args.strength, frames=frames)
    out = Path(args.out)
    return run_job(args, request, lambda r: out / (files[r.index].stem + ".png"), "frame")


def edit(args) -> int:
    from .images_io import read_image

    request = pb.GenerateRequest(type=pb.JOB_TYPE_EDIT, prompt=args.to_prompt, negative_prompt=args.negative,
                                 model=args.model, steps=args.steps, guidance=args.cfg, seed=args.seed,
                                 strength=args.strength, init_image=read_image(args.image, "RGBA"),
                                 edit=pb.EditOptions(source_prompt=args.from_prompt,
                                                     inversion_steps=args.inversion_steps))
    return run_job(args, request, lambda r: Path(args.out), "image")


def run_job(args, request: pb.GenerateRequest, path_of, what: str) -> int:
    """Submits, shows progress, writes each result where path_of(result) says; Ctrl-C cancels."""
    from ..client import Client
    from .commands import _cancel
    from .images_io import save_png
    from .progress import ProgressBar

    request.client = "underpaint-cli"
    bar = ProgressBar()
    failed = None
    with Client(args.server, token=args.token, token_file=args.token_file) as client:
        job = client.submit(request)
        previous = signal.signal(signal.SIGINT, lambda *_: _cancel(client, job.id, bar))
        try:
            for event in client.watch(job.id):
                kind = event.WhichOneof("kind")
                if kind == "queued":
                    bar.show(f"queued, {event.queued.position} job(s) ahead")
                elif kind == "progress":
                    p = event.progress
                    label = f"{what} {p.image_index + 1}, " if what == "frame" else ""
                    bar.show(f"{label}step {p.step}/{p.total_steps}", p.step / max(p.total_steps, 1))
                elif kind == "result":
                    r = event.result
                    path = path_of(r)
                    save_png(r.image, path, r.parameters.infotext)
                    bar.done()
                    print(f"{path}  seed {r.seed}")
                elif kind == "finished":
                    bar.done()
                    failed = failure(event.finished)
        finally:
            signal.signal(signal.SIGINT, previous)
    return exit_code(failed)
