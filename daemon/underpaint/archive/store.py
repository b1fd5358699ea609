"""The archive: every result kept on disk with its parameters, findable by text, model, date,
tags, host and document.

Plain, thread-safe Python (the service calls it through asyncio.to_thread; the job worker calls
it directly). Crash safety, in the order of a write:
  1. the pixels go to a content-addressed blob (board/blobs.py: temp file, fsync, rename), shared
     by hard link with the board's blob folder when the board already holds the same image;
  2. one sqlite transaction (WAL) adds the entry, its details, tags, the blob row and the FTS row.
A kill between 1 and 2 leaves a blob file no row names: opening the store sweeps it. A kill
inside 2 is rolled back by sqlite. So the store is always either before or after a whole entry;
check() proves it (sqlite and FTS integrity, every blob present and matching its digest).

Budget: bytes of blob files. An entry that would pass it evicts the oldest unstarred entries;
when starred entries alone fill the budget the new entry is not archived (ResourceExhausted).
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..board import blobs
from ..errors import InvalidArgument, NotFound, ResourceExhausted
from ..v1 import archive_pb2 as apb
from ..v1 import underpaint_pb2 as pb
from . import search
from . import schema

DEFAULT_BUDGET = 10 * 1024**3
MAX_TEXT = 4096
_COLUMNS = ("e.n, e.id, e.time, e.digest, e.width, e.height, e.model, e.host, e.document, e.parent_id, "
            "e.job_id, e.source, e.starred")


@dataclass
class NewEntry:
    """What the archive keeps about one image besides its pixels."""
    parameters: pb.GenerationParameters
    host: str = ""
    document: str = ""
    parent_id: str = ""
    job_id: str = ""
    source: str = "generated"
    x: int = 0
    y: int = 0
    document_width: int = 0
    document_height: int = 0
    tags: list[str] = field(default_factory=list)
    time: float = 0.0  # 0 = now


class ArchiveStore:
    def __init__(self, root: Path, budget_bytes: int = DEFAULT_BUDGET, share_blobs_with: tuple[Path, ...] = ()):
        if budget_bytes <= 0:
            raise ValueError("budget_bytes must be positive")
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.budget_bytes = budget_bytes
        self._blobs = blobs.BlobDir(self.root / "blobs", share_blobs_with)
        self._lock = threading.Lock()  # guards the connection, blob files and bytes_used
        self._db = sqlite3.connect(self.root / "archive.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: a kill loses nothing committed
        self.schema_found = schema.open_schema(self._db)  # migrates a store an older version wrote
        known = {r[0] for r in self._db.execute("SELECT digest FROM blobs")}
        self.swept = self._blobs.sweep(known)  # blobs of entries a crash cut short
        self.bytes_used = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM blobs").fetchone()[0]

    @property
    def db(self) -> sqlite3.Connection:
        """The connection, for the lexicon that shares this database (hold `lock` while using it)."""
        return self._db

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    # -- writing ------------------------------------------------------------------------------

    def add(self, width: int, height: int, rgba: bytes, entry: NewEntry, thumbnail: bytes) -> str:
        """Archives one image; returns its id. Hashing and packing run before the lock is taken."""
        if len(rgba) != width * height * 4:
            raise InvalidArgument("image", f"{width}x{height} RGBA8 needs {width * height * 4} bytes")
        for name in ("host", "document", "parent_id"):
            if len(getattr(entry, name)) > MAX_TEXT:
                raise InvalidArgument(f"archive.{name}", f"is longer than {MAX_TEXT} characters")
        digest = blobs.digest(width, height, rgba)
        packed = None if self._has_blob(digest) or self._blobs.exists(digest) else blobs.pack(width, height, rgba)
        p = entry.parameters
        placement = pb.Result(x=entry.x, y=entry.y, document_width=entry.document_width,
                              document_height=entry.document_height).SerializeToString()
        entry_id = uuid.uuid4().hex[:16]
        tags = [search.check_tag(t) for t in dict.fromkeys(entry.tags)]
        with self._lock:
            size = self._db.execute("SELECT size FROM blobs WHERE digest = ?", (digest,)).fetchone()
            need = 0
            if size is None:
                if packed is None and not self._blobs.exists(digest):
                    packed = blobs.pack(width, height, rgba)
                need = len(packed) if packed is not None else self._blobs.path(digest).stat().st_size
            evict = self._plan_eviction(need)
            if size is None:
                if packed is not None:
                    self._blobs.write(digest, packed)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if size is None:
                    self._db.execute("INSERT INTO blobs VALUES (?, ?)", (digest, need))
                cur = self._db.execute(
                    "INSERT INTO entries(id, time, digest, width, height, prompt, negative, model, model_hash, "
                    "host, document, parent_id, job_id, source, facets) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (entry_id, entry.time or time.time(), digest, width, height, p.prompt, p.negative_prompt,
                     p.model, p.model_hash, entry.host, entry.document, entry.parent_id, entry.job_id,
                     entry.source, schema.facets(p.model, p.model_hash, entry.host, entry.document, tags)))
                n = cur.lastrowid
                self._db.execute("INSERT INTO details VALUES (?, ?, ?, ?)",
                                 (n, p.SerializeToString(), placement, thumbnail))
                for tag in tags:
                    self._db.execute("INSERT INTO tags VALUES (?, ?)", (n, tag))
                freed = self._delete_locked(evict)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                if size is None:
                    self._blobs.remove(digest)
                raise
            self._remove_files(freed)
            self.bytes_used += need - sum(s for _, s in freed)
        return entry_id

    def delete(self, ids: list[str]) -> int:
        with self._lock:
            ns = [r[0] for i in ids for r in self._db.execute("SELECT n FROM entries WHERE id = ?", (i,))]
            self._db.execute("BEGIN IMMEDIATE")
            try:
                freed = self._delete_locked(ns)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._remove_files(freed)
            self.bytes_used -= sum(s for _, s in freed)
        return len(ns)

    def update(self, entry_id: str, starred: bool | None = None, add_tags=(), remove_tags=()) -> apb.HistoryEntry:
        for i, tag in enumerate(add_tags):
            search.check_tag(tag, f"add_tags[{i}]")
        with self._lock:
            n = self._n_locked(entry_id)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if starred is not None:
                    self._db.execute("UPDATE entries SET starred = ? WHERE n = ?", (int(starred), n))
                for tag in add_tags:
                    self._db.execute("INSERT OR IGNORE INTO tags VALUES (?, ?)", (n, tag))
                for tag in remove_tags:
                    self._db.execute("DELETE FROM tags WHERE n = ? AND tag = ?", (n, tag))
                if add_tags or remove_tags:  # the full-text index's facets follow (a trigger re-indexes)
                    self._db.execute("UPDATE entries SET facets = ? WHERE n = ?", (self._facets_locked(n), n))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return self._entries_locked(f"SELECT {_COLUMNS} FROM entries e WHERE e.n = ?", [n], True)[0].message

    # -- reading ------------------------------------------------------------------------------

    def get_meta(self, entry_id: str) -> apb.HistoryEntry:
        """The entry with its thumbnail, without reading its pixels."""
        with self._lock:
            n = self._n_locked(entry_id)
            return self._entries_locked(f"SELECT {_COLUMNS} FROM entries e WHERE e.n = ?", [n], True)[0].message

    def get(self, entry_id: str) -> tuple[apb.HistoryEntry, bytes]:
        """The entry (with thumbnail) and its RGBA8 pixels."""
        with self._lock:
            n = self._n_locked(entry_id)
            entry = self._entries_locked(f"SELECT {_COLUMNS} FROM entries e WHERE e.n = ?", [n], True)[0].message
            packed = self._blobs.read(entry.digest)  # under the lock: eviction deletes files
        _, _, rgba = blobs.unpack(packed)
        return entry, rgba

    def search(self, request, thumbnails: bool = True) -> tuple[list[apb.HistoryEntry], str, int]:
        """Entries matching a SearchHistoryRequest, newest first; (page, next_cursor, total), where
        total is exact up to search.COUNT_CAP and COUNT_CAP + 1 beyond."""
        query = search.build(request)
        sql, args = query.sql(_COLUMNS)
        count_sql, count_args = query.count_sql()
        with self._lock:
            entries = self._entries_locked(sql, args, thumbnails)
            total = self._db.execute(count_sql, count_args).fetchone()[0]
        more = len(entries) > query.limit
        entries = entries[:query.limit]
        next_cursor = str(entries[-1].n) if more else ""
        return [e.message for e in entries], next_cursor, total

    def matching_numbers(self, request) -> list[int]:
        """The numbers of every entry the request's filters select (no paging)."""
        sql, args = search.build(request).numbers_sql()
        with self._lock:
            return [r[0] for r in self._db.execute(sql, args)]

    def entries_by_number(self, ns: list[int], thumbnails: bool = True) -> list[apb.HistoryEntry]:
        with self._lock:
            return [row.message for n in ns
                    for row in self._entries_locked(f"SELECT {_COLUMNS} FROM entries e WHERE e.n = ?", [n], thumbnails)]

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]

    def check(self) -> list[str]:
        """Problems found, [] when the store is consistent: sqlite's and FTS5's integrity checks,
        every entry's blob known, every blob file present and matching its digest."""
        problems = []
        with self._lock:
            result = self._db.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                problems.append(f"sqlite integrity_check: {result}")
            try:
                self._db.execute("INSERT INTO entries_fts(entries_fts, rank) VALUES ('integrity-check', 1)")
            except sqlite3.DatabaseError as exc:
                problems.append(f"full-text index: {exc}")
            for (digest,) in self._db.execute("SELECT DISTINCT e.digest FROM entries e "
                                              "LEFT JOIN blobs b ON b.digest = e.digest WHERE b.digest IS NULL"):
                problems.append(f"entry image {digest} has no blob row")
            for (n,) in self._db.execute("SELECT e.n FROM entries e LEFT JOIN details d ON d.n = e.n "
                                         "WHERE d.n IS NULL"):
                problems.append(f"entry {n} has no details")
            rows = self._db.execute("SELECT digest FROM blobs").fetchall()
            for (digest,) in rows:
                try:
                    w, h, rgba = blobs.unpack(self._blobs.read(digest))
                except (OSError, ValueError) as exc:
                    problems.append(f"blob {digest}: {exc}")
                    continue
                if blobs.digest(w, h, rgba) != digest:
                    problems.append(f"blob {digest}: contents do not match the name")
        return problems

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- internals ----------------------------------------------------------------------------

    def _has_blob(self, digest: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM blobs WHERE digest = ?", (digest,)).fetchone() is not None

    def _facets_locked(self, n: int) -> str:
        model, model_hash, host, document = self._db.execute(
            "SELECT model, model_hash, host, document FROM entries WHERE n = ?", (n,)).fetchone()
        tags = [r[0] for r in self._db.execute("SELECT tag FROM tags WHERE n = ? ORDER BY tag", (n,))]
        return schema.facets(model, model_hash, host, document, tags)

    def _n_locked(self, entry_id: str) -> int:
        if not entry_id:
            raise InvalidArgument("id", "is empty")
        row = self._db.execute("SELECT n FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise NotFound(f"archive entry '{entry_id}' does not exist (deleted or evicted?)")
        return row[0]

    def _entries_locked(self, sql: str, args: list, thumbnails: bool):
        rows = self._db.execute(sql, args).fetchall()
        out = []
        for n, eid, t, digest, w, h, _model, host, document, parent, job, source, starred in rows:
            params, placement, thumb = self._db.execute(
                "SELECT parameters, placement, " + ("thumbnail" if thumbnails else "x''") +
                " FROM details WHERE n = ?", (n,)).fetchone()
            place = pb.Result.FromString(placement)
            tags = [r[0] for r in self._db.execute("SELECT tag FROM tags WHERE n = ? ORDER BY tag", (n,))]
            msg = apb.HistoryEntry(
                id=eid, time=t, host=host, document=document, parent_id=parent, job_id=job, digest=digest,
                width=w, height=h, starred=bool(starred), tags=tags,
                parameters=pb.GenerationParameters.FromString(params), x=place.x, y=place.y,
                document_width=place.document_width, document_height=place.document_height, source=source)
            if thumb:
                msg.thumbnail.CopyFrom(pb.Image(format=pb.PIXEL_FORMAT_WEBP, data=thumb))
            out.append(_Row(n, msg))
        return out

    def _plan_eviction(self, need: int) -> list[int]:
        excess = self.bytes_used + need - self.budget_bytes
        if excess <= 0:
            return []
        refs = dict(self._db.execute("SELECT digest, COUNT(*) FROM entries GROUP BY digest"))
        sizes = dict(self._db.execute("SELECT digest, size FROM blobs"))
        chosen, freed = [], 0
        for n, digest in self._db.execute("SELECT n, digest FROM entries WHERE starred = 0 ORDER BY n"):
            if freed >= excess:
                break
            chosen.append(n)
            refs[digest] -= 1
            if refs[digest] == 0:
                freed += sizes.get(digest, 0)
        if freed < excess:
            raise ResourceExhausted(f"archive budget is {self.budget_bytes} bytes and starred entries fill "
                                    "it; unstar or delete some, or raise --archive-budget-mb")
        return chosen

    def _delete_locked(self, ns: list[int]) -> list[tuple[str, int]]:
        """Deletes entries (inside the caller's transaction); returns blobs no entry uses now."""
        digests = set()
        for n in ns:
            row = self._db.execute("DELETE FROM entries WHERE n = ? RETURNING digest", (n,)).fetchone()
            if row:
                digests.add(row[0])
        freed = []
        for d in digests:
            if self._db.execute("SELECT 1 FROM entries WHERE digest = ? LIMIT 1", (d,)).fetchone():
                continue
            size = self._db.execute("DELETE FROM blobs WHERE digest = ? RETURNING size", (d,)).fetchone()
            if size:
                freed.append((d, size[0]))
        return freed

    def _remove_files(self, freed: list[tuple[str, int]]) -> None:
        for d, _ in freed:
            self._blobs.remove(d)


@dataclass
class _Row:
    n: int  # the entry number, for cursors
    message: apb.HistoryEntry

