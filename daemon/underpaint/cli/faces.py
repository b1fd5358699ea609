"""`underpaint faces detect | restore | rerender`: face detection (an RPC), and face restoration
and re-rendering as FINISH jobs on an image file."""

from __future__ import annotations

import sys

from ..v1 import underpaint_pb2 as pb


def add_parser(subparsers, add_client_options) -> None:
    p = subparsers.add_parser("faces", help="find, restore or re-render faces in an image")
    fsub = p.add_subparsers(dest="faces_command", required=True, metavar="ACTION")

    d = fsub.add_parser("detect", help="print one line per face: x y width height score (largest first)")
    add_client_options(d)
    d.add_argument("image")
    d.add_argument("--min-confidence", type=float, default=0.0, help="0..1 (default 0.3)")
    d.add_argument("--detector", default="", help="a face_detector id from `underpaint models` "
                                                  "(default: an installed YuNet, else the Haar cascade)")
    d.set_defaults(func=detect)

    r = fsub.add_parser("restore", help="restore faces with GFPGAN / RestoreFormer / CodeFormer")
    add_client_options(r)
    r.add_argument("image")
    r.add_argument("--model", default="", help="a face_restorer id (default: the first installed)")
    r.add_argument("--fidelity", type=float, help="CodeFormer: 0 = best quality .. 1 = closest to the input (0.5)")
    r.add_argument("--visibility", type=float, help="0..1: how much of the restored face shows (1)")
    r.add_argument("--min-confidence", type=float, default=0.0, help="face detector threshold (0.3)")
    r.add_argument("--out", required=True, help="output PNG")
    r.set_defaults(func=restore)

    g = fsub.add_parser("rerender", help="redraw each face with the model at its native size (ADetailer)")
    add_client_options(g)
    g.add_argument("image")
    g.add_argument("--prompt", required=True, help="what the faces should look like")
    g.add_argument("--negative", default="")
    g.add_argument("--model", default="", help="the diffusion model (default: the daemon's default)")
    g.add_argument("--strength", type=float, default=0.0, help="denoise 0..1 (0.4)")
    g.add_argument("--steps", type=int, default=0, help="sampling steps (25; strength x steps are run)")
    g.add_argument("--cfg", type=float, default=0.0, help="guidance scale (7)")
    g.add_argument("--sampler", default="")
    g.add_argument("--seed", type=int, default=-1)
    g.add_argument("--padding", type=int, default=0, help="pixels of context around each face (32)")
    g.add_argument("--mask-blur", type=int, default=0, help="soft edge of the paste-back mask (4)")
    g.add_argument("--min-confidence", type=float, default=0.0, help="face detector threshold (0.3)")
    g.add_argument("--out", required=True, help="output PNG")
    g.set_defaults(func=rerender)


def _client(args):
    from ..client import Client

    return Client(args.server, token=args.token, token_file=args.token_file)


def detect(args) -> int:
    from .images_io import read_image

    request = pb.DetectFacesRequest(image=read_image(args.image, "RGBA"), min_confidence=args.min_confidence,
                                    detector=args.detector)
    with _client(args) as client:
        response = client.call(client.stub.DetectFaces, request, timeout=120)
    for f in response.faces:
        print(f"{f.x} {f.y} {f.width} {f.height} {f.score:.3f}")
    if not response.faces:
        print(f"no faces found (detector {response.detector})", file=sys.stderr)
    return 0


def restore(args) -> int:
    options = pb.RestoreFacesOptions(model=args.model, min_confidence=args.min_confidence)
    if args.fidelity is not None:
        options.fidelity = args.fidelity
    if args.visibility is not None:
        options.visibility = args.visibility
    return _finish(args, pb.FinishingStep(restore_faces=options), pb.GenerateRequest())


def rerender(args) -> int:
    options = pb.RerenderFacesOptions(strength=args.strength, padding=args.padding, mask_blur=args.mask_blur,
                                      min_confidence=args.min_confidence)
    request = pb.GenerateRequest(prompt=args.prompt, negative_prompt=args.negative, model=args.model,
                                 steps=args.steps, guidance=args.cfg, sampler=args.sampler, seed=args.seed)
    return _finish(args, pb.FinishingStep(rerender_faces=options), request)


def _finish(args, step: pb.FinishingStep, request: pb.GenerateRequest) -> int:
    """Runs one FINISH job on the image file and writes the result; Ctrl-C cancels it."""
    from .finish_job import run_finish

    request.finishing.append(step)
    return run_finish(args, request, lambda r: f"{len(r.faces)} face{'' if len(r.faces) == 1 else 's'}")
