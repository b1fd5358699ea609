"""The archive's sqlite schema: entries, their tags and thumbnails, the blobs they use, the
full-text index over prompts, and the lexicon's styles.

Entry numbers (`n`) come from AUTOINCREMENT, so they only grow and are never reused: search
pages use them as cursors. Thumbnails and parameters live beside the entries, not in them, so
a search that scans many rows reads small pages.

The full-text index also holds each entry's *facets* (model, model hash, host, document, tags) as
reserved tokens in a column of their own (`facets`), so that "a word + a model" is an intersection
of two posting lists inside FTS5 instead of a join of every match of the word to its entry. A
facet token is a kind letter and a hash of the value (one token whatever the value holds); the
queries match prompt words only in {prompt negative} and facets only in {facets}, so no prompt
can collide with a facet. Prefix indexes of 2 and 3 characters make short prefixes ("kab*") one
posting list instead of a merge of every term they expand to.

Versions (PRAGMA user_version): 0 = the first schema (no facets, no prefix index), 1 = this one.
open_schema() migrates a version-0 store in one transaction: a kill during it leaves version 0.
"""

from __future__ import annotations

import hashlib
import sqlite3

VERSION = 1

_TABLES = """
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
    starred INTEGER NOT NULL DEFAULT 0,
    facets TEXT NOT NULL DEFAULT '');
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
CREATE TABLE IF NOT EXISTS styles(name TEXT PRIMARY KEY COLLATE NOCASE, data BLOB NOT NULL);
"""

_INDEX = """
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(
    prompt, negative, facets, content='entries', content_rowid='n', prefix='2 3');
CREATE TRIGGER IF NOT EXISTS entries_fts_insert AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts(rowid, prompt, negative, facets) VALUES (new.n, new.prompt, new.negative, new.facets);
END;
CREATE TRIGGER IF NOT EXISTS entries_fts_delete AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, prompt, negative, facets)
        VALUES ('delete', old.n, old.prompt, old.negative, old.facets);
    DELETE FROM tags WHERE n = old.n;
    DELETE FROM details WHERE n = old.n;
    DELETE FROM clip_vectors WHERE n = old.n;
END;
CREATE TRIGGER IF NOT EXISTS entries_fts_facets AFTER UPDATE OF facets ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, prompt, negative, facets)
        VALUES ('delete', old.n, old.prompt, old.negative, old.facets);
    INSERT INTO entries_fts(rowid, prompt, negative, facets)
        VALUES (new.n, new.prompt, new.negative, new.facets);
END;
"""

# Version 0 -> 1 (open_schema wraps it in one transaction with the tables): the facets column,
# filled from each entry's columns and tags, and the full-text index rebuilt with the facets
# column and the prefix indexes.
_MIGRATE_0 = """
ALTER TABLE entries ADD COLUMN facets TEXT NOT NULL DEFAULT '';
UPDATE entries SET facets = underpaint_facets(model, model_hash, host, document,
    (SELECT group_concat(tag, char(10)) FROM tags WHERE tags.n = entries.n));
DROP TRIGGER IF EXISTS entries_fts_insert;
DROP TRIGGER IF EXISTS entries_fts_delete;
DROP TABLE IF EXISTS entries_fts;
""" + _INDEX + """
INSERT INTO entries_fts(entries_fts) VALUES ('rebuild');
"""


def token(kind: str, value: str) -> str:
    """One facet token: 'm' (model or model hash), 'h' (host), 'd' (document) or 't' (tag), then
    64 bits of a hash of the value. Searches also compare the value itself, so a hash collision
    costs a row read, never a wrong result."""
    return kind + hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def facets(model: str, model_hash: str, host: str, document: str, tags) -> str:
    """The facets column of one entry: its tokens, space separated (empty values get none)."""
    pairs = [("m", model), ("m", model_hash), ("h", host), ("d", document)] + [("t", t) for t in tags]
    return " ".join(dict.fromkeys(token(kind, value) for kind, value in pairs if value))


def _facets_sql(model, model_hash, host, document, tags) -> str:
    return facets(model or "", model_hash or "", host or "", document or "", (tags or "").split("\n") if tags else [])


def open_schema(db: sqlite3.Connection) -> int:
    """Creates the schema in a new store or migrates an older one, each in one transaction;
    returns the version it found (0 for a new store too). The connection must be in autocommit
    mode (isolation_level=None)."""
    found = db.execute("PRAGMA user_version").fetchone()[0]
    if found > VERSION:
        raise RuntimeError(f"the archive was written by a newer Underpaint (schema {found}, this one knows "
                           f"{VERSION}); upgrade Underpaint or point --data at another folder")
    columns = {row[1] for row in db.execute("PRAGMA table_info(entries)")}
    script = f"BEGIN IMMEDIATE; {_TABLES} {_INDEX} PRAGMA user_version = {VERSION}; COMMIT;"
    if columns and "facets" not in columns:
        db.create_function("underpaint_facets", 5, _facets_sql, deterministic=True)
        script = f"BEGIN IMMEDIATE; {_TABLES} {_MIGRATE_0} PRAGMA user_version = {VERSION}; COMMIT;"
    if found < VERSION:
        try:
            db.executescript(script)
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    return found
