"""The archive's sqlite schema: entries, their tags and thumbnails, the blobs they use, the
full-text index over prompts, and the lexicon's styles.

Entry numbers (`n`) come from AUTOINCREMENT, so they only grow and are never reused: search
pages use them as cursors. Thumbnails and parameters live beside the entries, not in them, so
a search that scans many rows reads small pages.
"""

SCHEMA = """
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
