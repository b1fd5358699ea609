"""`underpaint history` (search, show, export, import, star, tag, delete), `underpaint styles`
(the lexicon) and `underpaint concept` (what the model makes of a word)."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

from google.protobuf import json_format

from ..v1 import archive_pb2 as apb
from ..v1 import underpaint_pb2 as pb


def add_parser(subparsers, add_client_options) -> None:
    p = subparsers.add_parser("history", help="the archive of every result: search, show, export, import")
    sub = p.add_subparsers(dest="history_command", required=True, metavar="ACTION")
    s = sub.add_parser("search", help="find archived results, newest first")
    s.add_argument("query", nargs="?", default="", help="words in the prompt or negative prompt ('cat*' = prefix)")
    s.add_argument("--model", default="", help="model id or hash")
    s.add_argument("--since", help="YYYY-MM-DD[THH:MM]")
    s.add_argument("--until", help="YYYY-MM-DD[THH:MM]")
    s.add_argument("--tag", action="append", default=[], help="only entries with this tag (repeatable)")
    s.add_argument("--host", default="")
    s.add_argument("--document", default="")
    s.add_argument("--starred", action="store_true")
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--all", action="store_true", help="every page, not just the first")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("show", help="one entry's parameters")
    s.add_argument("id")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("export", help="save an entry as PNG with its parameters (A1111 'parameters' text)")
    s.add_argument("id")
    s.add_argument("--out", required=True)
    s = sub.add_parser("import", help="add PNG files (with A1111 or Underpaint parameters) to the archive")
    s.add_argument("files", nargs="+")
    s.add_argument("--tag", action="append", default=[])
    s = sub.add_parser("star", help="star (keep from eviction) or --off")
    s.add_argument("id")
    s.add_argument("--off", action="store_true")
    s = sub.add_parser("tag", help="add tags (or --remove them)")
    s.add_argument("id")
    s.add_argument("tags", nargs="+")
    s.add_argument("--remove", action="store_true")
    s = sub.add_parser("delete", help="delete entries")
    s.add_argument("ids", nargs="+")
    for parser in sub.choices.values():
        add_client_options(parser)
    p.set_defaults(func=_main_history)

    p = subparsers.add_parser("styles", help="the lexicon: named prompt styles shared by every host")
    sub = p.add_subparsers(dest="styles_command", required=True, metavar="ACTION")
    sub.add_parser("list", help="every style")
    s = sub.add_parser("add", help="create or replace a style")
    s.add_argument("name")
    s.add_argument("--prompt", default="", help="fragment; '{prompt}' marks where the user's prompt goes")
    s.add_argument("--negative", default="")
    s.add_argument("--steps", type=int, default=0)
    s.add_argument("--cfg", type=float, default=0.0)
    s.add_argument("--sampler", default="")
    s = sub.add_parser("delete", help="remove a style")
    s.add_argument("name")
    s = sub.add_parser("import", help="styles from JSON or A1111's styles.csv")
    s.add_argument("file")
    s.add_argument("--replace", action="store_true", help="overwrite styles of the same name")
    s = sub.add_parser("export", help="write the styles as JSON or CSV (from the extension)")
    s.add_argument("file")
    for parser in sub.choices.values():
        add_client_options(parser)
    p.set_defaults(func=_main_styles)

    p = subparsers.add_parser("concept", help="the tokens a word becomes in a model and its nearest tokens")
    p.add_argument("text")
    p.add_argument("--model", default="")
    p.add_argument("--neighbours", type=int, default=8)
    add_client_options(p)
    p.set_defaults(func=_main_concept)


def _with_client(args, action) -> int:
    from .commands import client_from_args

    with client_from_args(args) as client:
        return action(args, client)


def _main_history(args) -> int:
    actions = {"search": _search, "show": _show, "export": _export, "import": _import, "star": _star,
               "tag": _tag, "delete": _delete}
    return _with_client(args, actions[args.history_command])


def _search(args, client) -> int:
    request = apb.SearchHistoryRequest(text=args.query, model=args.model, tags=args.tag, host=args.host,
                                       document=args.document, starred_only=args.starred, limit=args.limit,
                                       after=_time(args.since), before=_time(args.until), no_thumbnails=True)
    found = []
    while True:
        reply = client.call(client.history.SearchHistory, request)
        found.extend(reply.entries)
        if not (args.all and reply.next_cursor):
            break
        request.cursor = reply.next_cursor
    if args.json:
        print(json.dumps({"entries": [_entry_dict(e) for e in found], "total": reply.total}, indent=2))
        return 0
    for e in found:
        p = e.parameters
        where = " ".join(x for x in (e.host, e.document) if x)
        print(f"{e.id}  {_when(e.time)}  {e.width}x{e.height}  {'*' if e.starred else ' '} {p.model or '-'}"
              f"  seed {p.seed}  {_short(p.prompt)}" + (f"  [{where}]" if where else "")
              + (f"  #{' #'.join(e.tags)}" if e.tags else ""))
    shown = len(found)
    print(f"{shown} of {reply.total} shown" + ("; --all for every page" if reply.next_cursor and not args.all else ""))
    return 0


def _show(args, client) -> int:
    e = client.call(client.history.GetHistoryEntry, apb.GetHistoryEntryRequest(id=args.id, format=pb.PIXEL_FORMAT_PNG))
    if args.json:
        print(json.dumps(_entry_dict(e), indent=2))
        return 0
    p = e.parameters
    print(f"id:        {e.id}\ntime:      {_when(e.time)}\nsize:      {e.width}x{e.height}\n"
          f"source:    {e.source}  {e.host} {e.document}".rstrip())
    if e.parent_id:
        print(f"parent:    {e.parent_id}")
    if e.tags or e.starred:
        print(f"tags:      {' '.join(e.tags)}{'  (starred)' if e.starred else ''}")
    print(p.infotext or f"{p.prompt}\nNegative prompt: {p.negative_prompt}")
    return 0


def _export(args, client) -> int:
    e = client.call(client.history.GetHistoryEntry, apb.GetHistoryEntryRequest(id=args.id, format=pb.PIXEL_FORMAT_PNG),
                    timeout=300)
    try:
        Path(args.out).write_bytes(e.image.data)
    except OSError as exc:
        print(f"underpaint: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"saved {e.id} ({e.width}x{e.height}) to {args.out}")
    return 0


def _import(args, client) -> int:
    failed = 0
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            print(f"underpaint: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
            failed += 1
            continue
        from ..client import ClientError
        try:
            e = client.call(client.history.ImportHistoryImage, apb.ImportHistoryImageRequest(
                image=pb.Image(format=pb.PIXEL_FORMAT_PNG, data=data), file_name=Path(name).name, host="cli",
                tags=args.tag), timeout=300)
        except ClientError as exc:
            print(f"underpaint: {name}: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"imported {name} as {e.id}" + (f": {_short(e.parameters.prompt)}" if e.parameters.prompt else
                                               " (no parameters in the file)"))
    return 1 if failed else 0


def _star(args, client) -> int:
    e = client.call(client.history.UpdateHistoryEntry, apb.UpdateHistoryEntryRequest(id=args.id, starred=not args.off))
    print(f"{e.id} {'starred' if e.starred else 'unstarred'}")
    return 0


def _tag(args, client) -> int:
    field = "remove_tags" if args.remove else "add_tags"
    e = client.call(client.history.UpdateHistoryEntry, apb.UpdateHistoryEntryRequest(id=args.id, **{field: args.tags}))
    print(f"{e.id} tags: {' '.join(e.tags) or '(none)'}")
    return 0


def _delete(args, client) -> int:
    reply = client.call(client.history.DeleteHistoryEntries, apb.DeleteHistoryEntriesRequest(ids=args.ids))
    print(f"deleted {reply.deleted} entr{'y' if reply.deleted == 1 else 'ies'}")
    return 0 if reply.deleted == len(set(args.ids)) else 1


def _main_styles(args) -> int:
    actions = {"list": _styles_list, "add": _styles_add, "delete": _styles_delete, "import": _styles_import,
               "export": _styles_export}
    return _with_client(args, actions[args.styles_command])


def _styles_list(args, client) -> int:
    reply = client.call(client.lexicon.ListStyles, apb.ListStylesRequest())
    for s in reply.styles:
        print(f"{s.name:24s} {_short(s.prompt, 50)}" + (f"  | not: {_short(s.negative_prompt, 30)}" if s.negative_prompt else ""))
    if not reply.styles:
        print("no styles yet: `underpaint styles add NAME --prompt ...` or `underpaint styles import styles.csv`")
    return 0


def _styles_add(args, client) -> int:
    s = client.call(client.lexicon.PutStyle, apb.Style(name=args.name, prompt=args.prompt, negative_prompt=args.negative,
                                                      steps=args.steps, guidance=args.cfg, sampler=args.sampler))
    print(f"saved style {s.name}: use {{style:{s.name}}} in a prompt")
    return 0


def _styles_delete(args, client) -> int:
    client.call(client.lexicon.DeleteStyle, apb.DeleteStyleRequest(name=args.name))
    print(f"deleted style {args.name}")
    return 0


def _styles_import(args, client) -> int:
    text = Path(args.file).read_text(encoding="utf-8-sig")
    fmt = "csv" if args.file.lower().endswith(".csv") else ("json" if args.file.lower().endswith(".json") else "")
    reply = client.call(client.lexicon.ImportStyles, apb.ImportStylesRequest(text=text, format=fmt, replace=args.replace))
    print(f"imported {reply.imported} style(s)" + (f"; kept existing: {', '.join(reply.skipped)} (--replace overwrites)"
                                                   if reply.skipped else ""))
    return 0


def _styles_export(args, client) -> int:
    fmt = "csv" if args.file.lower().endswith(".csv") else "json"
    reply = client.call(client.lexicon.ExportStyles, apb.ExportStylesRequest(format=fmt))
    Path(args.file).write_text(reply.text, encoding="utf-8")
    print(f"wrote {args.file}")
    return 0


def _main_concept(args) -> int:
    def run(args, client) -> int:
        r = client.call(client.lexicon.CheckConcept, apb.CheckConceptRequest(
            text=args.text, model=args.model, neighbours=args.neighbours), timeout=600)
        verdict = "one known word" if r.single_token else f"{len(r.tokens)} token(s)"
        print(f"{args.text!r} in {r.model}: {verdict}")
        for t in r.tokens:
            print(f"  {t.token:16s} #{t.id:<6d} near: " + ", ".join(f"{n.token} ({n.similarity:.2f})" for n in t.neighbours))
        if len(r.tokens) > 1:
            print("  as a whole, near: " + ", ".join(f"{n.token} ({n.similarity:.2f})" for n in r.neighbours))
        return 0
    return _with_client(args, run)


def _time(text: str | None) -> float:
    if not text:
        return 0.0
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise SystemExit(f"underpaint: {text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None


def _entry_dict(e: apb.HistoryEntry) -> dict:
    e = apb.HistoryEntry.FromString(e.SerializeToString())
    e.ClearField("thumbnail")
    e.ClearField("image")
    return json_format.MessageToDict(e, preserving_proto_field_name=True)


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"
