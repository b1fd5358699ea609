"""The archive's schema versions: facets (model, host, document, tags) indexed as reserved FTS5
tokens that no prompt can match, and a store written by the first schema (version 0) migrated on
open, in one transaction, with nothing lost."""

from __future__ import annotations

import sqlite3
import uuid

import numpy as np
import pytest

from underpaint.archive import schema
from underpaint.archive.recorder import thumbnail
from underpaint.archive.store import ArchiveStore, NewEntry
from underpaint.board import blobs
from underpaint.v1 import archive_pb2 as apb
from underpaint.v1 import underpaint_pb2 as pb

W = H = 16

# verbatim from the first archive (schema version 0)
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries(
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    time REAL NOT NULL,
    digest TEXT NOT NULL,
    width INTEGER NOT NULL, height INTEGER NOT NULL,
    prompt TEXT NOT NULL, negative TEXT NOT NULL,
    model TEXT NOT NULL, model_hash TEXT NOT NULL,
    host TEXT NOT NULL, document TEXT NOT NULL,
    parent_id TEXT NOT NULL, job_id TEXT NOT NULL,
    source TEXT NOT NULL,
    starred INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS entries_by_time ON entries(time);
CREATE INDEX IF NOT EXISTS entries_by_digest ON entries(digest);
CREATE INDEX IF NOT EXISTS entries_by_document ON entries(host, document);
CREATE TABLE IF NOT EXISTS details(
    n INTEGER PRIMARY KEY, parameters BLOB NOT NULL, placement BLOB NOT NULL, thumbnail BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tags(n INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY(n, tag));
CREATE INDEX IF NOT EXISTS tags_by_tag ON tags(tag, n);
CREATE TABLE IF NOT EXISTS clip_vectors(n INTEGER NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY(model, n));
CREATE INDEX IF NOT EXISTS clip_vectors_by_n ON clip_vectors(n);
CREATE TABLE IF NOT EXISTS blobs(digest TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(
    prompt, negative, content='entries', content_rowid='n');
CREATE TRIGGER IF NOT EXISTS entries_fts_insert AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts(rowid, prompt, negative) VALUES (new.n, new.prompt, new.negative);
END;
CREATE TRIGGER IF NOT EXISTS entries_fts_delete AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, prompt, negative)
        VALUES ('delete', old.n, old.prompt, old.negative);
    DELETE FROM tags WHERE n = old.n;
    DELETE FROM details WHERE n = old.n;
    DELETE FROM clip_vectors WHERE n = old.n;
END;
CREATE TABLE IF NOT EXISTS styles(name TEXT PRIMARY KEY COLLATE NOCASE, data BLOB NOT NULL);
"""


def noise(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (H, W, 4), dtype=np.uint8)


def add(store, seed, prompt, model="m1", **kw) -> str:
    params = pb.GenerationParameters(prompt=prompt, model=model, model_hash=f"hash-{model}", seed=seed)
    return store.add(W, H, noise(seed).tobytes(), NewEntry(parameters=params, **kw), thumbnail(noise(seed)))


def ids(store, **query) -> list[str]:
    return [e.id for e in store.search(apb.SearchHistoryRequest(limit=500, **query))[0]]


def write_old_store(root, rows) -> list[str]:
    """An archive as the version-0 code left it: its schema and triggers, rows written the way its
    add() wrote them, blob files included. rows: (prompt, model, host, document, tags)."""
    root.mkdir(parents=True)
    db = sqlite3.connect(root / "archive.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(OLD_SCHEMA)
    blob_dir = blobs.BlobDir(root / "blobs")
    made = []
    for seed, (prompt, model, host, document, tags) in enumerate(rows):
        rgba = noise(seed).tobytes()
        digest, packed = blobs.digest(W, H, rgba), blobs.pack(W, H, rgba)
        blob_dir.write(digest, packed)
        params = pb.GenerationParameters(prompt=prompt, model=model, model_hash=f"hash-{model}", seed=seed)
        entry_id = uuid.uuid4().hex[:16]
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO blobs VALUES (?, ?)", (digest, len(packed)))
        n = db.execute("INSERT INTO entries(id, time, digest, width, height, prompt, negative, model, model_hash, "
                       "host, document, parent_id, job_id, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       (entry_id, 1000.0 + seed, digest, W, H, prompt, "", model, f"hash-{model}", host, document,
                        "", "", "generated")).lastrowid
        db.execute("INSERT INTO details VALUES (?, ?, ?, ?)", (n, params.SerializeToString(),
                                                               pb.Result().SerializeToString(), thumbnail(noise(seed))))
        for tag in tags:
            db.execute("INSERT INTO tags VALUES (?, ?)", (n, tag))
        db.execute("COMMIT")
        made.append(entry_id)
    db.close()
    return made


OLD_ROWS = [("a red cat", "m1", "krita", "one.kra", ["pets"]),
            ("a red fox", "m2", "gimp", "one.kra", []),
            ("a blue cat", "m2", "krita", "two.kra", ["pets", "blue"])]


def test_facets_never_match_prompt_words_and_prompt_words_never_match_facets(tmp_path):
    store = ArchiveStore(tmp_path / "a")
    m2_token = schema.token("m", "m2")
    tricky = add(store, 1, f"a cat {m2_token} {schema.token('t', 'pets')}", model="m1")
    plain = add(store, 2, "a cat", model="m2", tags=["pets"])
    assert ids(store, text=m2_token) == [tricky]             # a word is looked up in the prompts only
    assert ids(store, text="cat", model="m2") == [plain]      # a facet only in the facets
    assert ids(store, text="cat", tags=["pets"]) == [plain]
    assert ids(store, text=m2_token, model="m2") == []


def test_changing_tags_updates_what_a_text_and_tag_search_finds(tmp_path):
    store = ArchiveStore(tmp_path / "a")
    a, b = add(store, 1, "a red cat"), add(store, 2, "a red dog")
    store.update(a, add_tags=["keep", "sky"])
    store.update(b, add_tags=["keep"])
    assert ids(store, text="red", tags=["keep"]) == [b, a]
    store.update(a, remove_tags=["keep"])
    assert ids(store, text="red", tags=["keep"]) == [b]
    assert ids(store, text="red", tags=["sky"]) == [a]
    store.update(a, starred=True)  # starring leaves the facets alone
    assert ids(store, text="cat", tags=["sky"], starred_only=True) == [a]
    assert store.check() == []


def test_a_store_written_by_the_first_schema_is_migrated_on_open(tmp_path):
    old = write_old_store(tmp_path / "a", OLD_ROWS)
    store = ArchiveStore(tmp_path / "a")
    assert store.schema_found == 0
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION
    assert store.check() == []
    assert ids(store, text="red") == [old[1], old[0]]
    assert ids(store, text="cat", model="m2") == [old[2]]
    assert ids(store, text="red", model="hash-m1") == [old[0]]
    assert ids(store, text="cat", tags=["pets"]) == [old[2], old[0]]
    assert ids(store, text="a", host="krita", document="one.kra") == [old[0]]
    assert ids(store, text="re*", host="gimp") == [old[1]]
    # migrated rows keep working with every write: tags, delete, new entries
    store.update(old[0], remove_tags=["pets"])
    assert ids(store, tags=["pets"]) == [old[2]]
    assert store.delete([old[1]]) == 1
    new = add(store, 9, "a red cat", model="m2", host="krita", document="one.kra")
    assert ids(store, text="red cat") == [new, old[0]]
    assert store.get(old[2])[1] == noise(2).tobytes()
    assert store.check() == []
    store.close()
    again = ArchiveStore(tmp_path / "a")
    assert again.schema_found == schema.VERSION  # migrated once
    assert ids(again, text="cat", model="m2") == [new, old[2]]


def test_a_migration_that_fails_leaves_the_old_store_as_it_was(tmp_path, monkeypatch):
    old = write_old_store(tmp_path / "a", OLD_ROWS)

    def broken(*args):
        raise RuntimeError("killed half way")

    monkeypatch.setattr(schema, "_facets_sql", broken)
    with pytest.raises(sqlite3.OperationalError):
        ArchiveStore(tmp_path / "a")
    raw = sqlite3.connect(tmp_path / "a" / "archive.sqlite3")
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
    assert "facets" not in {r[1] for r in raw.execute("PRAGMA table_info(entries)")}
    assert raw.execute("SELECT rowid FROM entries_fts WHERE entries_fts MATCH 'red' ORDER BY rowid").fetchall() \
        == [(1,), (2,)]
    raw.close()
    monkeypatch.undo()
    store = ArchiveStore(tmp_path / "a")
    assert store.schema_found == 0 and store.check() == []
    assert ids(store, text="cat", tags=["pets"]) == [old[2], old[0]]


def test_a_store_from_a_newer_version_is_refused_untouched(tmp_path):
    ArchiveStore(tmp_path / "a").close()
    raw = sqlite3.connect(tmp_path / "a" / "archive.sqlite3")
    raw.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    raw.close()
    with pytest.raises(RuntimeError, match="newer Underpaint"):
        ArchiveStore(tmp_path / "a")
