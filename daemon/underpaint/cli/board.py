"""`underpaint board`: list, push, pull, delete and watch the daemon's board channels."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

from PIL import Image as PILImage

from ..v1 import board_pb2
from ..v1 import underpaint_pb2 as pb

_ENCODED = {"PNG": pb.PIXEL_FORMAT_PNG, "WEBP": pb.PIXEL_FORMAT_WEBP}
_POLL_WAIT_MS = 25_000


def add_parser(subparsers, add_client_options=None) -> None:
    """Registers `board` and its subcommands; `add_client_options(parser)` adds --server etc."""
    p = subparsers.add_parser("board", help="images shared between hosts through the daemon")
    sub = p.add_subparsers(dest="board_command", required=True, metavar="ACTION")

    s = sub.add_parser("list", help="channels, their versions and the disk budget")
    s.add_argument("--json", action="store_true", help="machine-readable output")

    s = sub.add_parser("push", help="publish an image file to a channel")
    s.add_argument("file", help="PNG, WebP, JPEG, TIFF, ... (anything Pillow reads)")
    s.add_argument("channel", help="1-64 characters: letters, digits, '.', '_', '-', '/'")
    s.add_argument("--note", default="", help="a note for whoever pulls it")
    s.add_argument("--document", default="", help="the source document's name (default: the file's)")
    s.add_argument("--layer", default="")

    s = sub.add_parser("pull", help="save a channel's image to a file (format from the extension)")
    s.add_argument("channel")
    s.add_argument("file")
    s.add_argument("--version", type=int, default=0, help="version to fetch (default: the latest)")

    s = sub.add_parser("delete", help="remove a channel and all its versions")
    s.add_argument("channel")

    s = sub.add_parser("watch", help="print publications as they happen (Ctrl-C stops)")
    s.add_argument("channels", nargs="*", help="channels to watch (default: all)")
    s.add_argument("--count", type=int, default=0, help="stop after this many updates")

    for parser in sub.choices.values():
        if add_client_options:
            add_client_options(parser)
    p.set_defaults(func=main)


def main(args) -> int:
    from .commands import client_from_args

    with client_from_args(args) as client:
        return run(args, client)


def run(args, client) -> int:
    """Runs one board action with an underpaint.client.Client (its ClientError reaches the caller)."""
    action = {"list": _list, "push": _push, "pull": _pull, "delete": _delete, "watch": _watch}
    return action[args.board_command](args, client)


def _list(args, client) -> int:
    reply = client.call(client.board.List, board_pb2.ListChannelsRequest())
    if args.json:
        print(json.dumps({"channels": [{"name": c.name, "versions": list(c.versions),
                                        "latest": _entry_dict(c.latest)} for c in reply.channels],
                          "bytes_used": reply.bytes_used, "bytes_budget": reply.bytes_budget}, indent=2))
        return 0
    if not reply.channels:
        print("the board is empty")
    for c in reply.channels:
        e = c.latest
        source = " ".join(x for x in (e.meta.source_app, e.meta.document, e.meta.layer) if x)
        print(f"{c.name:24s} v{e.version:<4d} {e.width}x{e.height:<6d} {_when(e.time)}  "
              f"{len(c.versions)} stored" + (f"  from {source}" if source else "")
              + (f"  \"{e.meta.note}\"" if e.meta.note else ""))
    print(f"disk: {_size(reply.bytes_used)} of {_size(reply.bytes_budget)}")
    return 0


def _push(args, client) -> int:
    image = _read_image(args.file)
    if image is None:
        return 1
    meta = board_pb2.BoardMeta(source_app="cli", document=args.document or Path(args.file).name,
                               layer=args.layer, note=args.note)
    entry = client.call(client.board.Publish, board_pb2.PublishRequest(channel=args.channel, image=image, meta=meta),
                        timeout=300)
    print(f"published {entry.channel} version {entry.version} ({entry.width}x{entry.height}, {entry.digest[:12]})")
    return 0


def _pull(args, client) -> int:
    path = Path(args.file)
    fmt = _ENCODED.get(PILImage.registered_extensions().get(path.suffix.lower(), ""), pb.PIXEL_FORMAT_RGBA8)
    if fmt == pb.PIXEL_FORMAT_RGBA8 and path.suffix.lower() not in PILImage.registered_extensions():
        print(f"underpaint: cannot tell an image format from {args.file!r}: use .png, .webp, .tif, ...",
              file=sys.stderr)
        return 1
    entry = client.call(client.board.Fetch, board_pb2.FetchRequest(channel=args.channel, version=args.version,
                                                                   format=fmt), timeout=300)
    try:
        if fmt != pb.PIXEL_FORMAT_RGBA8:  # the daemon encoded it already: write it as it came
            path.write_bytes(entry.image.data)
        else:
            pil = PILImage.frombytes("RGBA", (entry.width, entry.height), entry.image.data)
            if pil.getextrema()[3][0] == 255 or path.suffix.lower() in (".jpg", ".jpeg", ".bmp"):
                pil = pil.convert("RGB")  # opaque, or a format without alpha
            pil.save(path)
    except (OSError, ValueError) as exc:
        print(f"underpaint: cannot write {args.file}: {exc}", file=sys.stderr)
        return 1
    print(f"saved {entry.channel} version {entry.version} ({entry.width}x{entry.height}) to {args.file}")
    return 0


def _delete(args, client) -> int:
    reply = client.call(client.board.Delete, board_pb2.DeleteChannelRequest(channel=args.channel))
    print(f"deleted {args.channel} ({reply.versions_deleted} version(s))")
    return 0


def _watch(args, client) -> int:
    """Long-polls rather than streams: it rides out daemon restarts and idle proxies alike."""
    cursor, seen = 0, 0
    try:
        while True:
            reply = client.call(client.board.PollBoard, board_pb2.PollBoardRequest(
                channels=args.channels, after_cursor=cursor, wait_ms=_POLL_WAIT_MS),
                timeout=_POLL_WAIT_MS / 1000 + 10)
            cursor = reply.cursor
            for update in reply.updates:
                e = update.entry
                if update.deleted:
                    print(f"{_when(time.time())}  {e.channel} deleted", flush=True)
                else:
                    print(f"{_when(e.time)}  {e.channel} v{e.version} {e.width}x{e.height}"
                          + (f" from {e.meta.source_app}" if e.meta.source_app else ""), flush=True)
                seen += 1
                if args.count and seen >= args.count:
                    return 0
    except KeyboardInterrupt:
        return 0


def _read_image(path: str) -> pb.Image | None:
    """PNG and WebP files travel as they are (smaller); anything else as raw RGBA8."""
    try:
        data = Path(path).read_bytes()
        pil = PILImage.open(io.BytesIO(data))
        if pil.format in _ENCODED:
            return pb.Image(width=pil.width, height=pil.height, format=_ENCODED[pil.format], data=data)
        pil = pil.convert("RGBA")
    except (OSError, ValueError) as exc:
        print(f"underpaint: cannot read image {path}: {exc}", file=sys.stderr)
        return None
    return pb.Image(width=pil.width, height=pil.height, format=pb.PIXEL_FORMAT_RGBA8, data=pil.tobytes())


def _entry_dict(e: board_pb2.BoardEntry) -> dict:
    return {"version": e.version, "digest": e.digest, "width": e.width, "height": e.height, "time": e.time,
            "meta": {f.name: v for f, v in e.meta.ListFields()}}


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)
