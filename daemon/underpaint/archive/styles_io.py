"""Styles to and from files: our JSON ({"styles": [{"name": ..., "prompt": ...}, ...]}) and
A1111's styles.csv (columns name, prompt, negative_prompt; extra columns are ignored)."""

from __future__ import annotations

import csv
import io
import json

from google.protobuf import json_format

from ..errors import InvalidArgument
from ..v1 import archive_pb2 as apb
from .lexicon import check_style

MAX_STYLES = 10_000


def guess_format(text: str) -> str:
    return "json" if text.lstrip().startswith(("{", "[")) else "csv"


def parse(text: str, fmt: str = "") -> list[apb.Style]:
    fmt = (fmt or guess_format(text)).lower()
    if fmt == "json":
        styles = _parse_json(text)
    elif fmt == "csv":
        styles = _parse_csv(text)
    else:
        raise InvalidArgument("format", f"{fmt!r} is not a styles format: use 'json' or 'csv'")
    if len(styles) > MAX_STYLES:
        raise InvalidArgument("text", f"holds {len(styles)} styles; the limit is {MAX_STYLES}")
    return styles


def _parse_json(text: str) -> list[apb.Style]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidArgument("text", f"is not valid JSON ({exc})") from None
    items = data.get("styles") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidArgument("text", 'JSON styles must be a list or {"styles": [...]}')
    out = []
    for i, item in enumerate(items):
        try:
            style = json_format.ParseDict(item, apb.Style())
        except (json_format.ParseError, TypeError, AttributeError) as exc:
            raise InvalidArgument(f"text: styles[{i}]", str(exc)) from None
        out.append(check_style(style, f"text: styles[{i}].name"))
    return out


def _parse_csv(text: str) -> list[apb.Style]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "name" not in reader.fieldnames:
        raise InvalidArgument("text", "a styles.csv needs a header row with at least 'name' and 'prompt' "
                                      f"(found {reader.fieldnames or 'none'})")
    out = []
    for row in reader:
        name = (row.get("name") or "").strip()
        style = apb.Style(name=name, prompt=row.get("prompt") or "",
                          negative_prompt=row.get("negative_prompt") or "")
        if not name or not (style.prompt or style.negative_prompt):
            continue  # old A1111 files start with an empty "None" placeholder row
        out.append(check_style(style, f"text: line {reader.line_num} name"))
    return out


def export(styles: list[apb.Style], fmt: str = "json") -> str:
    fmt = (fmt or "json").lower()
    if fmt == "json":
        return json.dumps({"styles": [json_format.MessageToDict(s, preserving_proto_field_name=True)
                                      for s in styles]}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["name", "prompt", "negative_prompt"])
        for s in styles:
            writer.writerow([s.name, s.prompt, s.negative_prompt])
        return buf.getvalue()
    raise InvalidArgument("format", f"{fmt!r} is not a styles format: use 'json' or 'csv'")
