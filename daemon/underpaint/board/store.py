"""The board's storage: channels of versioned images, kept on disk within a byte budget.

Plain, thread-safe Python (no event loop): the service calls it through asyncio.to_thread.
- Pixels live in content-addressed blobs (blobs.py), so an image published twice is stored once.
- An sqlite index maps channels -> versions (number, digest, size, time, meta) and keeps the
  board-wide update log behind Subscribe/PollBoard, so everything survives a restart.
- Version numbers per channel only grow; they are never reused, not even after a delete.
- Budget: bytes of blob files on disk. A publish that would pass it evicts the oldest versions
  that are not the latest of their channel (oldest first across all channels); the latest
  version of a channel is never evicted. When the latest versions alone would not fit, the
  publish is refused with ResourceExhausted and nothing is evicted.
"""

from __future__ import annotations

import collections
import errno
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import InvalidArgument, NotFound, ResourceExhausted
from ..v1 import board_pb2
from . import blobs
from .hot import DEFAULT_BUDGET as DEFAULT_HOT_BYTES, HotPixels

MAX_PIXELS = 8192 * 8192
MAX_META_TEXT = 4096
LOG_SIZE = 10_000  # updates kept for late subscribers; older cursors resume at the oldest kept

_CHANNEL_RE = re.compile(r"[A-Za-z0-9._/-]{1,64}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS channels(name TEXT PRIMARY KEY, last_version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS versions(
    channel TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL, digest TEXT NOT NULL,
    width INTEGER NOT NULL, height INTEGER NOT NULL, time REAL NOT NULL, meta BLOB NOT NULL,
    PRIMARY KEY(channel, version));
CREATE INDEX IF NOT EXISTS versions_by_seq ON versions(seq);
CREATE TABLE IF NOT EXISTS blobs(digest TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS updates(cursor INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


def check_channel(name: str, field: str = "channel") -> str:
    if not _CHANNEL_RE.fullmatch(name or ""):
        raise InvalidArgument(field, f"{name!r} is not a channel name: use 1-64 characters from "
                                     "letters, digits, '.', '_', '-', '/'")
    if name.startswith("/") or name.endswith("/"):
        raise InvalidArgument(field, f"{name!r}: a channel name may not start or end with '/'")
    if ".." in name:
        raise InvalidArgument(field, f"{name!r}: a channel name may not contain '..'")
    return name


def check_meta(meta: board_pb2.BoardMeta) -> None:
    for name in ("source_app", "document", "layer", "note"):
        if len(getattr(meta, name)) > MAX_META_TEXT:
            raise InvalidArgument(f"meta.{name}", f"is {len(getattr(meta, name))} characters long; "
                                                  f"the limit is {MAX_META_TEXT}")


class BoardStore:
    def __init__(self, root: Path, budget_bytes: int = 2 * 1024**3, *, max_pixels: int = MAX_PIXELS,
                 log_size: int = LOG_SIZE, share_blobs_with: tuple[Path, ...] = (),
                 hot_bytes: int = DEFAULT_HOT_BYTES):
        if budget_bytes <= 0:
            raise ValueError("budget_bytes must be positive")
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.budget_bytes = budget_bytes
        self.max_pixels = max_pixels
        self._blobs = blobs.BlobDir(self.root / "blobs", share_blobs_with)
        self._hot = HotPixels(min(hot_bytes, budget_bytes))
        self._lock = threading.Lock()  # guards the index, the blob files and bytes_used
        self._log_lock = threading.Lock()  # guards only the in-memory log: never held during I/O
        self._listeners: list[Callable[[], None]] = []
        self._db = sqlite3.connect(self.root / "index.sqlite3", check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._log_size = log_size
        rows = self._db.execute("SELECT data FROM updates ORDER BY cursor DESC LIMIT ?", (log_size,))
        self._log = collections.deque((board_pb2.BoardUpdate.FromString(r[0]) for r in rows),
                                      maxlen=log_size)
        self._log.reverse()
        # Cursor 0 means "from now on" in Subscribe/PollBoard, so a fresh board starts at 1:
        # a client that polls an empty board gets 1 back and misses nothing published next.
        self._cursor = self._state("cursor") or 1
        known = {r[0] for r in self._db.execute("SELECT digest FROM blobs")}
        self._blobs.sweep(known)
        self.bytes_used = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM blobs").fetchone()[0]

    # -- reading ------------------------------------------------------------------------------

    @property
    def cursor(self) -> int:
        """The board-wide sequence number of the newest update (1 before the first)."""
        with self._log_lock:
            return self._cursor

    def updates_after(self, cursor: int, channels: Iterable[str] = (), limit: int = 1000
                      ) -> tuple[list[board_pb2.BoardUpdate], int]:
        """Updates newer than `cursor` (for the given channels, all when empty), oldest first,
        and the cursor to continue from. Fast and lock-light: safe to call on the event loop."""
        wanted = set(channels)
        found = []
        with self._log_lock:
            cursor = min(cursor, self._cursor)  # a cursor from a wiped board: resume from now
            for update in self._log:
                if update.cursor <= cursor:
                    continue
                if len(found) >= limit:
                    break
                cursor = update.cursor
                if not wanted or update.entry.channel in wanted:
                    found.append(update)
        return found, cursor

    def entry(self, channel: str, version: int = 0) -> board_pb2.BoardEntry:
        with self._lock:
            return self._entry_locked(check_channel(channel), version)

    def fetch(self, channel: str, version: int = 0) -> tuple[board_pb2.BoardEntry, bytes]:
        """The entry and its RGBA8 pixels."""
        with self._lock:
            entry = self._entry_locked(check_channel(channel), version)
            rgba = self._hot.get(entry.digest)
            if rgba is not None:
                return entry, rgba
            packed = self._blobs.read(entry.digest)  # read under the lock: eviction deletes files
        _, _, rgba = blobs.unpack(packed)  # the slow part runs outside the lock
        self._hot.put(entry.digest, rgba)
        return entry, rgba

    def list(self) -> list[board_pb2.Channel]:
        with self._lock:
            rows = self._db.execute("SELECT channel, version FROM versions ORDER BY channel, version")
            versions: dict[str, list[int]] = collections.defaultdict(list)
            for channel, version in rows:
                versions[channel].append(version)
            return [board_pb2.Channel(name=name, latest=self._entry_locked(name, vs[-1]), versions=vs)
                    for name, vs in versions.items()]

    def blob_count(self) -> int:
        return self._blobs.count()

    # -- writing ------------------------------------------------------------------------------

    def publish(self, channel: str, width: int, height: int, rgba: bytes,
                meta: board_pb2.BoardMeta | None = None) -> board_pb2.BoardEntry:
        check_channel(channel)
        meta = meta or board_pb2.BoardMeta()
        check_meta(meta)
        if width <= 0 or height <= 0:
            raise InvalidArgument("image", f"width and height must be positive, got {width}x{height}")
        if width * height > self.max_pixels:
            raise InvalidArgument("image", f"{width}x{height} is over the limit of {self.max_pixels} pixels")
        if len(rgba) != width * height * 4:
            raise InvalidArgument("image.data", f"has {len(rgba)} bytes; {width}x{height} RGBA8 needs "
                                                f"{width * height * 4}")
        # Hashing and compressing big images is the slow part: done before taking the lock.
        digest = blobs.digest(width, height, rgba)
        known = self._db_known_blob(digest)
        packed = None if known else blobs.pack(width, height, rgba)
        with self._lock:
            size = self._db.execute("SELECT size FROM blobs WHERE digest = ?", (digest,)).fetchone()
            if size is None and packed is None:  # evicted since we looked
                packed = blobs.pack(width, height, rgba)
            need = 0 if size is not None else len(packed)
            evict = self._plan_eviction(channel, need, digest)
            row = self._db.execute("SELECT last_version FROM channels WHERE name = ?", (channel,)).fetchone()
            version = (row[0] if row else 0) + 1
            if need:
                with _disk_full_is_resource_exhausted(self.root, need):
                    self._blobs.write(digest, packed)
            now = time.time()
            entry = board_pb2.BoardEntry(channel=channel, version=version, digest=digest, width=width,
                                         height=height, time=now, meta=meta)
            with self._log_lock:
                cursor = self._cursor + 1
            try:
                self._db.execute("BEGIN IMMEDIATE")
                if need:
                    self._db.execute("INSERT INTO blobs VALUES (?, ?)", (digest, need))
                self._db.execute("INSERT INTO channels VALUES (?, ?) ON CONFLICT(name) DO UPDATE "
                                 "SET last_version = excluded.last_version", (channel, version))
                self._db.execute("INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 (channel, version, cursor, digest, width, height, now,
                                  meta.SerializeToString()))
                freed = self._evict_locked(evict)
                update = board_pb2.BoardUpdate(cursor=cursor, entry=entry)
                self._log_update_locked(update)
                self._db.execute("COMMIT")
            except BaseException as error:
                self._rollback()
                if need:
                    self._blobs.remove(digest)
                if _is_disk_full(error):
                    raise _disk_full(self.root, need) from error
                raise
            self._remove_files(freed)
            self.bytes_used += need - sum(size for _, size in freed)
            self._append_log(update)
            self._hot.put(digest, rgba)
        self._notify()
        return entry

    def delete(self, channel: str) -> int:
        """Removes every stored version of a channel; returns how many there were."""
        check_channel(channel)
        with self._lock:
            rows = self._db.execute("SELECT version FROM versions WHERE channel = ? ORDER BY version",
                                    (channel,)).fetchall()
            if not rows:
                raise NotFound(f"channel {channel!r} does not exist on the board")
            entry = self._entry_locked(channel, rows[-1][0])
            entry.ClearField("meta")
            with self._log_lock:
                cursor = self._cursor + 1
            self._db.execute("BEGIN IMMEDIATE")
            try:
                freed = self._evict_locked([(channel, v) for (v,) in rows])
                update = board_pb2.BoardUpdate(cursor=cursor, entry=entry, deleted=True)
                self._log_update_locked(update)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._remove_files(freed)
            self.bytes_used -= sum(size for _, size in freed)
            self._append_log(update)
        self._notify()
        return len(rows)

    def add_listener(self, callback: Callable[[], None]) -> None:
        """`callback()` runs after every publish/delete, on the thread that made it."""
        self._listeners.append(callback)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- internals ----------------------------------------------------------------------------

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass  # sqlite already rolled back on its own (a full disk does that)

    def _state(self, key: str) -> int:
        row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else 0

    def _db_known_blob(self, digest: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM blobs WHERE digest = ?", (digest,)).fetchone() is not None

    def _entry_locked(self, channel: str, version: int) -> board_pb2.BoardEntry:
        if version < 0:
            raise InvalidArgument("version", f"must be 0 (the latest) or a version number, got {version}")
        if version == 0:
            row = self._db.execute("SELECT version, digest, width, height, time, meta FROM versions "
                                   "WHERE channel = ? ORDER BY version DESC LIMIT 1", (channel,)).fetchone()
        else:
            row = self._db.execute("SELECT version, digest, width, height, time, meta FROM versions "
                                   "WHERE channel = ? AND version = ?", (channel, version)).fetchone()
        if row is None:
            stored = [v for (v,) in self._db.execute(
                "SELECT version FROM versions WHERE channel = ? ORDER BY version", (channel,))]
            if not stored:
                raise NotFound(f"channel {channel!r} does not exist on the board")
            raise NotFound(f"channel {channel!r} has no version {version} (evicted or never "
                           f"published); stored versions: {', '.join(map(str, stored))}")
        v, digest, width, height, t, meta = row
        return board_pb2.BoardEntry(channel=channel, version=v, digest=digest, width=width, height=height,
                                    time=t, meta=board_pb2.BoardMeta.FromString(meta))

    def _plan_eviction(self, channel: str, need: int, new_digest: str) -> list[tuple[str, int]]:
        """Which versions to evict so that `need` more bytes fit; raises when they cannot."""
        excess = self.bytes_used + need - self.budget_bytes
        if excess <= 0:
            return []
        rows = self._db.execute("SELECT channel, version, digest FROM versions ORDER BY seq").fetchall()
        latest: dict[str, int] = {}
        refs: collections.Counter[str] = collections.Counter()
        for ch, v, d in rows:
            latest[ch] = v  # seq order = version order within a channel
            refs[d] += 1
        sizes = dict(self._db.execute("SELECT digest, size FROM blobs"))
        # After this publish the channel's current latest is just an older version.
        candidates = [(ch, v, d) for ch, v, d in rows if ch == channel or latest[ch] != v]
        chosen, freed = [], 0
        for ch, v, d in candidates:
            if freed >= excess:
                break
            chosen.append((ch, v, d))
            refs[d] -= 1
            if refs[d] == 0 and d != new_digest:
                freed += sizes[d]
        if freed < excess:
            kept = self.bytes_used - freed
            raise ResourceExhausted(
                f"board budget is {self.budget_bytes} bytes: the latest version of each channel "
                f"needs {kept} bytes and this image {need} more; delete channels "
                "(underpaint board delete CHANNEL) or raise the budget")
        # Versions whose pixels stay (shared with a kept version or the new image) free nothing.
        return [(ch, v) for ch, v, d in chosen if refs[d] == 0 and d != new_digest]

    def _evict_locked(self, versions: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """Deletes index rows (inside the caller's transaction); returns blobs now unreferenced."""
        digests = set()
        for ch, v in versions:
            row = self._db.execute("DELETE FROM versions WHERE channel = ? AND version = ? RETURNING digest",
                                   (ch, v)).fetchone()
            if row:
                digests.add(row[0])
        freed = []
        for d in digests:
            if self._db.execute("SELECT 1 FROM versions WHERE digest = ? LIMIT 1", (d,)).fetchone():
                continue
            size = self._db.execute("DELETE FROM blobs WHERE digest = ? RETURNING size", (d,)).fetchone()
            freed.append((d, size[0]))
        return freed

    def _remove_files(self, freed: list[tuple[str, int]]) -> None:
        for d, _ in freed:
            self._blobs.remove(d)
            self._hot.drop(d)

    def _log_update_locked(self, update: board_pb2.BoardUpdate) -> None:
        self._db.execute("INSERT INTO updates VALUES (?, ?)", (update.cursor, update.SerializeToString()))
        self._db.execute("DELETE FROM updates WHERE cursor <= ?", (update.cursor - self._log_size,))
        self._db.execute("INSERT INTO state VALUES ('cursor', ?) ON CONFLICT(key) DO UPDATE "
                         "SET value = excluded.value", (update.cursor,))

    def _append_log(self, update: board_pb2.BoardUpdate) -> None:
        with self._log_lock:
            self._log.append(update)
            self._cursor = update.cursor

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback()


def _is_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(error, sqlite3.OperationalError) and "full" in str(error)


def _disk_full(root: Path, need: int) -> ResourceExhausted:
    return ResourceExhausted(f"the board's disk is full ({root}): {need} bytes did not fit; nothing was "
                             "stored. Free space there or delete channels (underpaint board delete)")


class _disk_full_is_resource_exhausted:
    """A context manager: ENOSPC / EDQUOT inside becomes ResourceExhausted."""

    def __init__(self, root: Path, need: int):
        self.root, self.need = root, need

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if error is not None and _is_disk_full(error):
            raise _disk_full(self.root, self.need) from error
        return False
