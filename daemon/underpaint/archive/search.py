"""Turns a SearchHistoryRequest into one SQL query (filters, full-text match, cursor paging).

Text is matched word by word against prompt and negative prompt through FTS5: every word must
occur (in any order); a trailing '*' matches a prefix ("cat*" finds "caterpillar"). Words are
quoted before they reach FTS5, so no user text can be an FTS5 syntax error.

Model, host, document and tag filters are matched in the same FTS5 query as facet tokens
(schema.py), so that FTS5 intersects them with the words from its index; the SQL also compares
the values themselves, which costs little once FTS5 has narrowed the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InvalidArgument
from . import schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_TEXT = 1000
COUNT_CAP = 1_000

_WORD = re.compile(r"[^\W_]+\*?|\w+\*?", re.UNICODE)


def fts_query(text: str) -> str:
    """'red  cat*' -> '"red" "cat"*' ('' when the text has no words)."""
    parts = []
    for word in _WORD.findall(text):
        star = word.endswith("*")
        word = word.rstrip("*").replace('"', "")
        if word:
            parts.append(f'"{word}"' + ("*" if star else ""))
    return " ".join(parts)


@dataclass
class Query:
    where: list[str] = field(default_factory=list)
    args: list = field(default_factory=list)
    words: str = ""  # FTS5 query over the prompts; "" = no text
    facets: list[str] = field(default_factory=list)  # facet tokens every match must carry
    limit: int = DEFAULT_LIMIT
    after_n: int | None = None  # the cursor: entries numbered below this

    @property
    def match(self) -> str:
        """The whole FTS5 query: the words in the prompt columns, the facets in theirs."""
        parts = [f"{{prompt negative}} : ({self.words})"] if self.words else []
        parts += [f'{{facets}} : "{t}"' for t in self.facets]
        return " AND ".join(parts)

    def _from(self) -> tuple[str, list[str], list]:
        # With text or facets, walk the full-text index newest first (FTS5 yields rowids in order;
        # CROSS JOIN keeps it the outer loop) and stop at the page's end, instead of collecting
        # every match and sorting it.
        match = self.match
        if match:
            return ("entries_fts f CROSS JOIN entries e ON e.n = f.rowid", ["entries_fts MATCH ?"] + self.where,
                    [match] + self.args)
        return "entries e", list(self.where), list(self.args)

    def sql(self, columns: str) -> tuple[str, list]:
        source, where, args = self._from()
        if self.after_n is not None:
            where.append("e.n < ?")
            args.append(self.after_n)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        order = "f.rowid" if self.words or self.facets else "e.n"
        return f"SELECT {columns} FROM {source}{clause} ORDER BY {order} DESC LIMIT ?", args + [self.limit + 1]

    def numbers_sql(self) -> tuple[str, list]:
        """Every matching entry number (for ranking by meaning), no paging."""
        source, where, args = self._from()
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        return f"SELECT e.n FROM {source}{clause}", args

    def count_sql(self) -> tuple[str, list]:
        """Counts up to COUNT_CAP + 1 matches: an exact count of a word in half of 100k entries
        would cost more than the page itself."""
        source, where, args = self._from()
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        if not where:
            return "SELECT COUNT(*) FROM entries", []
        return f"SELECT COUNT(*) FROM (SELECT 1 FROM {source}{clause} LIMIT ?)", args + [COUNT_CAP + 1]


def build(request) -> Query:
    """request: a pb.SearchHistoryRequest. Raises InvalidArgument naming the bad field."""
    q = Query()
    if request.limit < 0 or request.limit > MAX_LIMIT:
        raise InvalidArgument("limit", f"must be 0 (= {DEFAULT_LIMIT}) to {MAX_LIMIT}, got {request.limit}")
    q.limit = request.limit or DEFAULT_LIMIT
    if len(request.text) > MAX_TEXT:
        raise InvalidArgument("text", f"is {len(request.text)} characters long; the limit is {MAX_TEXT}")
    q.words = fts_query(request.text)
    if request.model:
        q.facets.append(schema.token("m", request.model))
        q.where.append("(e.model = ? OR e.model_hash = ?)")
        q.args += [request.model, request.model]
    if request.after < 0 or request.before < 0:
        raise InvalidArgument("after" if request.after < 0 else "before", "must be unix seconds (0 = open)")
    if request.after and request.before and request.after >= request.before:
        raise InvalidArgument("before", f"must be later than after ({request.after}), got {request.before}")
    if request.after:
        q.where.append("e.time >= ?")
        q.args.append(request.after)
    if request.before:
        q.where.append("e.time < ?")
        q.args.append(request.before)
    for i, tag in enumerate(request.tags):
        check_tag(tag, f"tags[{i}]")
        q.facets.append(schema.token("t", tag))
        q.where.append("e.n IN (SELECT n FROM tags WHERE tag = ?)")
        q.args.append(tag)
    if request.host:
        if not request.document:  # a document is the narrower list: FTS5 walks the host's for nothing
            q.facets.append(schema.token("h", request.host))
        q.where.append("e.host = ?")
        q.args.append(request.host)
    if request.document:
        q.facets.append(schema.token("d", request.document))
        q.where.append("e.document = ?")
        q.args.append(request.document)
    if request.starred_only:
        q.where.append("e.starred = 1")
    if request.cursor and not (request.meaning or request.HasField("example")):
        if not request.cursor.isdigit():
            raise InvalidArgument("cursor", f"{request.cursor!r} is not a cursor from next_cursor")
        q.after_n = int(request.cursor)
    return q


def check_tag(tag: str, field_name: str = "tag") -> str:
    if not tag or len(tag) > 64 or tag != tag.strip() or any(c in tag for c in "\n\r\t,"):
        raise InvalidArgument(field_name, f"{tag!r} is not a tag: use 1-64 characters without commas, "
                                          "tabs, line breaks or surrounding spaces")
    return tag
