"""The lexicon: named styles (prompt fragment, negative fragment, optional parameters), kept in
the archive's database and shared by every host through the daemon.

Two ways to use a style, both expanded at submit time (so a bad name is refused before queuing
and the Result's parameters hold the prompt the model actually read):
  * `{style:NAME}` written in the prompt is replaced by the style's prompt fragment; written in
    the negative prompt, by its negative fragment.
  * GenerateRequest.styles applies whole styles the way A1111 does: a style prompt holding
    "{prompt}" wraps the user's prompt there, otherwise it is appended after a comma; the style's
    negative is appended to the negative prompt. Its parameters fill the request's unset ones.
"""

from __future__ import annotations

import re

from ..errors import InvalidArgument, NotFound
from ..v1 import archive_pb2 as apb
from ..v1 import underpaint_pb2 as pb

MAX_NAME = 64
MAX_FRAGMENT = 8192
_TAG = re.compile(r"\{style:([^{}]*)\}")
_PLACEHOLDER = "{prompt}"


def check_style(style: apb.Style, field: str = "name") -> apb.Style:
    name = style.name.strip()
    if not name or len(name) > MAX_NAME or "{" in name or "}" in name or "\n" in name:
        raise InvalidArgument(field, f"{style.name!r} is not a style name: use 1-{MAX_NAME} characters "
                                     "without '{', '}' or line breaks")
    for part in ("prompt", "negative_prompt", "description"):
        if len(getattr(style, part)) > MAX_FRAGMENT:
            raise InvalidArgument(part, f"is longer than {MAX_FRAGMENT} characters")
    for part, low, high in (("steps", 0, 500), ("guidance", 0, 100), ("width", 0, 16384), ("height", 0, 16384)):
        value = getattr(style, part)
        if not low <= value <= high:
            raise InvalidArgument(part, f"must be {low} (= not set) to {high}, got {value:g}")
    out = apb.Style()
    out.CopyFrom(style)
    out.name = name
    return out


class Lexicon:
    """Styles in the archive's sqlite database (the `styles` table)."""

    def __init__(self, store):
        self._store = store  # archive.store.ArchiveStore: its connection and lock

    def list(self) -> list[apb.Style]:
        with self._store.lock:
            rows = self._store.db.execute("SELECT data FROM styles ORDER BY name COLLATE NOCASE").fetchall()
        return [apb.Style.FromString(r[0]) for r in rows]

    def get(self, name: str) -> apb.Style | None:
        with self._store.lock:
            row = self._store.db.execute("SELECT data FROM styles WHERE name = ?", (name.strip(),)).fetchone()
        return apb.Style.FromString(row[0]) if row else None

    def put(self, style: apb.Style, replace: bool = True) -> bool:
        """Stores a style; False when it exists and replace is off."""
        style = check_style(style)
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        with self._store.lock:
            cur = self._store.db.execute(f"{verb} INTO styles VALUES (?, ?)", (style.name, style.SerializeToString()))
        return cur.rowcount > 0

    def delete(self, name: str) -> None:
        with self._store.lock:
            cur = self._store.db.execute("DELETE FROM styles WHERE name = ?", (name.strip(),))
        if cur.rowcount == 0:
            raise NotFound(f"style {name!r} does not exist")

    # -- applying -----------------------------------------------------------------------------

    def expand(self, request: pb.GenerateRequest) -> pb.GenerateRequest:
        """A copy of the request with `{style:NAME}` tags and `styles` applied (the original when
        it uses none). Unknown names raise InvalidArgument with the field and position."""
        uses_tags = "{style:" in request.prompt or "{style:" in request.negative_prompt
        if not uses_tags and not request.styles:
            return request
        known = {s.name.lower(): s for s in self.list()}
        out = pb.GenerateRequest()
        out.CopyFrom(request)
        out.prompt = _expand_tags(request.prompt, "prompt", known, _inline)
        out.negative_prompt = _expand_tags(request.negative_prompt, "negative_prompt", known,
                                           lambda s: s.negative_prompt)
        for i, name in enumerate(request.styles):
            style = known.get(name.strip().lower())
            if style is None:
                raise InvalidArgument(f"styles[{i}]", _unknown(name, known))
            out.prompt = _apply(style.prompt, out.prompt)
            out.negative_prompt = _apply(style.negative_prompt, out.negative_prompt)
            _fill_parameters(out, style)
        return out


def _expand_tags(text: str, field: str, known: dict, fragment) -> str:
    unclosed = _TAG.sub(lambda m: " " * len(m.group(0)), text).find("{style:")
    if unclosed >= 0:
        raise InvalidArgument(field, f"'{{style:' at character {unclosed} is not closed: write {{style:NAME}}")

    def replace(match: re.Match) -> str:
        style = known.get(match.group(1).strip().lower())
        if style is None:
            raise InvalidArgument(field, f"{_unknown(match.group(1), known)} (at character {match.start()})")
        return fragment(style)

    return _TAG.sub(replace, text)


def _inline(style: apb.Style) -> str:
    """The prompt fragment written in place: without its "{prompt}" slot and the commas around it."""
    before, _, after = style.prompt.partition(_PLACEHOLDER)
    return ", ".join(p for p in (before.strip(" ,"), after.strip(" ,")) if p)


def _unknown(name: str, known: dict) -> str:
    names = ", ".join(sorted(s.name for s in known.values())[:20]) or "none yet"
    return f"unknown style {name.strip()!r}; known styles: {names}"


def _apply(fragment: str, text: str) -> str:
    if not fragment:
        return text
    if _PLACEHOLDER in fragment:
        return fragment.replace(_PLACEHOLDER, text)
    return f"{text}, {fragment}" if text else fragment


def _fill_parameters(request: pb.GenerateRequest, style: apb.Style) -> None:
    sized_by_input = request.HasField("canvas") or request.HasField("init_image")
    for name in ("steps", "guidance", "sampler") + (() if sized_by_input else ("width", "height")):
        if not getattr(request, name) and getattr(style, name):
            setattr(request, name, getattr(style, name))
