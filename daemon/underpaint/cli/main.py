"""`underpaint`: run the daemon, and talk to it from scripts and terminals."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .. import __version__
from ..cluster.options import add_cluster_options


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _add_client_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", help="daemon address HOST:PORT (default: $UNDERPAINT_SERVER, then the "
                                    "running daemon's daemon.json, then 127.0.0.1:50051)")
    p.add_argument("--token", help="access token (needed when the daemon listens beyond loopback)")
    p.add_argument("--token-file", help="file holding the access token")
    p.add_argument("--tls", action="store_true", default=None,
                   help="connect with TLS (default: what the running daemon's daemon.json says)")
    p.add_argument("--ca-file", help="trust the daemon's certificate through this CA (PEM) file (implies --tls; "
                                     "default $UNDERPAINT_CA_FILE)")
    p.add_argument("--fingerprint", help="pin the daemon's certificate by its SHA-256 fingerprint, as "
                                         "`underpaint serve --tls` logs it (implies --tls; default "
                                         "$UNDERPAINT_FINGERPRINT)")


def build_parser() -> argparse.ArgumentParser:
    from . import commands
    from .addons_view import parse_lora
    from .controls_args import parse_control, parse_reference

    parser = argparse.ArgumentParser(prog="underpaint", description=__doc__)
    parser.add_argument("--version", action="version", version=f"underpaint {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="run the resident daemon")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; anything "
                                                       "else requires clients to send the token)")
    p.add_argument("--port", type=int, default=50051, help="gRPC port (0 = any free port)")
    p.add_argument("--http-port", type=int, default=50052, help="HTTP/1.1 Connect gateway port "
                                                                "(0 = any free port, -1 = off)")
    p.add_argument("--models", type=Path, help="models folder (default: the user data folder's models/)")
    p.add_argument("--data-dir", type=Path, help="data folder (board, demo model)")
    p.add_argument("--allow-pickle", action="store_true",
                   help="also load pickled .ckpt/.pt checkpoints (they can run arbitrary code)")
    p.add_argument("--board-budget-mb", type=int, default=2048, help="disk budget of the board")
    p.add_argument("--no-archive", action="store_true",
                   help="do not archive results (history search, styles and imports still work)")
    p.add_argument("--archive-budget-mb", type=int, default=10240,
                   help="disk budget of the archive; past it the oldest unstarred entries go (default 10 GiB)")
    p.add_argument("--max-queue", type=_positive_int, default=100, metavar="N",
                   help="jobs queued or running at once (default 100); more are refused until some finish")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also answer HTTP requests addressed to this host name (repeatable); by default "
                        "only localhost, loopback addresses and the bound address, which keeps web pages "
                        "out through DNS rebinding")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="let web pages from this origin (e.g. https://app.example) call the daemon "
                        "(repeatable; '*' allows any page). Photoshop's panel needs none of this")
    p.add_argument("--tls", action="store_true",
                   help="serve TLS on both ports with a self-signed certificate made on first use (kept in "
                        "the config folder); its SHA-256 fingerprint is logged for clients to pin")
    p.add_argument("--tls-cert", type=Path, metavar="FILE", help="serve TLS with this certificate (PEM chain)")
    p.add_argument("--tls-key", type=Path, metavar="FILE", help="the private key of --tls-cert (PEM)")
    p.add_argument("--policy", type=Path, metavar="FILE",
                   help="the content policy (default: policy.toml in the config folder, if there is one; "
                        "see docs/policy.md)")
    p.add_argument("--verbose", "-v", action="store_true")
    add_cluster_options(p)
    p.set_defaults(func=commands.serve)

    p = sub.add_parser("demo-model", help="write the tiny random-weights demo model into DIR")
    p.add_argument("dir", type=Path)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-face-restorer", action="store_true",
                   help="skip the random full-size GFPGAN (~174 MB) written to DIR/face_restorers/")
    p.add_argument("--no-upscaler", action="store_true",
                   help="skip the tiny random ESRGAN (~0.9 MB) written to DIR/upscalers/")
    p.set_defaults(func=commands.demo_model)

    p = sub.add_parser("info", help="daemon version, protocol, device and memory")
    _add_client_options(p)
    p.set_defaults(func=commands.info)

    p = sub.add_parser("models", help="list installed models (or `models pull REPO_ID`)")
    _add_client_options(p)
    p.add_argument("--rescan", action="store_true", help="look at the models folder again")
    msub = p.add_subparsers(dest="models_command")
    pull = msub.add_parser("pull", help="download a model from the Hugging Face hub (needs internet)")
    pull.add_argument("repo_id")
    pull.add_argument("--models", type=Path, help="models folder to download into")
    p.set_defaults(func=commands.models)

    p = sub.add_parser("samplers", help="list the samplers the daemon offers")
    _add_client_options(p)
    p.set_defaults(func=commands.samplers)

    p = sub.add_parser("generate", help="make images (txt2img, img2img with --init, inpaint with --mask)")
    _add_client_options(p)
    p.add_argument("--prompt", help="what to make, in A1111's prompt language (see docs/prompts.md)")
    p.add_argument("--from", dest="from_image", metavar="IMAGE.png",
                   help="re-run the parameters written in a PNG by Underpaint or A1111 (options given here win)")
    p.add_argument("--negative", default="")
    p.add_argument("--model", default="")
    p.add_argument("--width", type=int, default=0)
    p.add_argument("--height", type=int, default=0)
    p.add_argument("--steps", type=int, default=0)
    p.add_argument("--cfg", type=float, default=0.0, help="guidance scale (default 7)")
    p.add_argument("--seed", type=int, default=-1)
    p.add_argument("--sampler", default="")
    p.add_argument("--count", type=int, default=1, help="variations, each with its own seed")
    p.add_argument("--init", help="init image for img2img")
    p.add_argument("--strength", type=float, default=0.0)
    p.add_argument("--mask", help="inpaint mask (white = regenerate)")
    p.add_argument("--tiling", action="store_true", help="seamless: the image tiles in both directions")
    p.add_argument("--lora", action="append", default=[], metavar="NAME[:WEIGHT]", type=parse_lora,
                   help="apply a LoRA from the models folder's loras/ (repeatable; weight default 1)")
    p.add_argument("--vae", default="", help="a VAE from the models folder's vae/ ('none': the model's own)")
    p.add_argument("--style", action="append", default=[], metavar="NAME",
                   help="apply a lexicon style (repeatable; see `underpaint styles list`)")
    p.add_argument("--no-archive", action="store_true", help="do not keep this job's images in the archive")
    p.add_argument("--parent", default="", metavar="ID", help="the archive entry this image refines")
    p.add_argument("--clip-skip", type=int, default=0, help="text encoder layers to skip, A1111's way "
                                                            "(1 = none; default: the model's, else 1)")
    p.add_argument("--control", action="append", default=[], metavar="TYPE=IMAGE[:STRENGTH[:START:END]]",
                   type=parse_control,
                   help="steer with a control image through a ControlNet from the models folder's controlnet/ "
                        "(repeatable). TYPE: canny, scribble, lineart, softedge, depth, normal, pose, segmentation, "
                        "tile, inpaint, mlsd; canny finds edges, scribble/lineart read lines as drawn, the others "
                        "are used as given. STRENGTH 0..2 (default 1), START/END: the part of the schedule it acts on")
    p.add_argument("--reference", action="append", default=[], metavar="IMAGE[:STRENGTH]", type=parse_reference,
                   help="a reference image for style or subject through an IP-Adapter from ipadapter/ (repeatable)")
    p.add_argument("--image-check", default="", choices=["", "off", "blur", "block"],
                   help="ask for the content policy's image check (default: the daemon's policy; a locked policy "
                        "refuses anything looser)")
    p.add_argument("--priority", type=int, default=0)
    p.add_argument("--out", required=True, help="output PNG (with several images: OUT-1.png, OUT-2.png, ...)")
    from . import noise
    noise.add_generate_options(p)
    p.set_defaults(func=commands.generate)
    noise.add_parsers(sub, _add_client_options)

    from . import board
    board.add_parser(sub, _add_client_options)

    from . import faces
    faces.add_parser(sub, _add_client_options)
    from . import upscale
    upscale.add_parser(sub, _add_client_options)
    from . import train
    train.add_parser(sub, _add_client_options)

    from . import history
    history.add_parser(sub, _add_client_options)

    from . import tokens
    tokens.add_parser(sub, _add_client_options)

    from . import policy
    policy.add_parser(sub, _add_client_options)

    from ..plugins import cli as plugins_cli
    plugins_cli.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    from ..client import ClientError
    try:
        return args.func(args) or 0
    except ClientError as exc:
        print(f"underpaint: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
