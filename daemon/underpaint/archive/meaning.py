"""Search by meaning: every archived image's CLIP embedding, and ranking entries against a
description or an example image.

A background thread embeds entries that have no vector for the installed CLIP model yet (new
results, imports, and everything archived before a CLIP model was installed), newest first, from
their thumbnails (CLIP looks at 224 px or less). So archiving never waits for CLIP, a crash loses
nothing (the missing vectors are found again), and switching CLIP models re-indexes by itself.
"""

from __future__ import annotations

import io
import logging
import threading

import numpy as np
from PIL import Image as PILImage

from .clip_model import ClipModel

log = logging.getLogger("underpaint.archive")

BATCH = 16


class MeaningIndex:
    def __init__(self, store, clip: ClipModel):
        self.store = store
        self.clip = clip
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cache: tuple | None = None  # (model, count, indexed), ns, vectors
        self._cache_lock = threading.Lock()
        self._indexed = 0  # vectors written by this process: with the count, tells the cache is stale

    # -- indexing -----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="underpaint-clip-index", daemon=True)
        self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(10)

    def notify(self) -> None:
        """Something was archived: index it soon."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(60)  # also looks now and then: a CLIP model may have been added
            self._wake.clear()
            try:
                while not self._stop.is_set() and self.index_pending():
                    pass
            except Exception:  # never let indexing take the daemon down; try again later
                log.exception("CLIP indexing failed")

    def index_pending(self, batch: int = BATCH) -> int:
        """Embeds up to `batch` entries without a vector; returns how many."""
        if not self.clip.available:
            return 0
        model = self.clip.name
        with self.store.lock:
            rows = self.store.db.execute(
                "SELECT e.n, d.thumbnail FROM entries e JOIN details d ON d.n = e.n LEFT JOIN clip_vectors c "
                "ON c.n = e.n AND c.model = ? WHERE c.n IS NULL ORDER BY e.n DESC LIMIT ?", (model, batch)).fetchall()
        if not rows:
            return 0
        pictures = [np.asarray(PILImage.open(io.BytesIO(thumb)).convert("RGB")) if thumb else
                    np.zeros((8, 8, 3), np.uint8) for _, thumb in rows]
        vectors = self.clip.embed_images(pictures).astype(np.float32)
        with self.store.lock:
            self.store.db.executemany(
                "INSERT OR REPLACE INTO clip_vectors SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM entries WHERE n = ?)",
                [(n, model, v.tobytes(), n) for (n, _), v in zip(rows, vectors)])
            self._indexed += len(rows)
        return len(rows)

    # -- ranking ------------------------------------------------------------------------------

    def rank(self, query: np.ndarray, candidates: list[int]) -> list[tuple[int, float]]:
        """(entry number, cosine similarity) of the candidates that have vectors, most similar first."""
        ns, vectors = self._vectors()
        if not len(ns):
            return []
        keep = np.isin(ns, np.asarray(candidates, dtype=np.int64))
        ns, vectors = ns[keep], vectors[keep]
        scores = vectors @ query.astype(np.float32)
        order = np.argsort(-scores, kind="stable")
        return [(int(ns[i]), float(scores[i])) for i in order]

    def _vectors(self) -> tuple[np.ndarray, np.ndarray]:
        model = self.clip.name
        with self.store.lock:
            count = self.store.db.execute("SELECT COUNT(*) FROM clip_vectors WHERE model = ?", (model,)).fetchone()[0]
            key = (model, count, self._indexed)
        with self._cache_lock:
            if self._cache is None or self._cache[0] != key:
                with self.store.lock:
                    rows = self.store.db.execute("SELECT n, vector FROM clip_vectors WHERE model = ? ORDER BY n",
                                                 (model,)).fetchall()
                ns = np.array([r[0] for r in rows], dtype=np.int64)
                vectors = (np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), -1)
                           if rows else np.zeros((0, 1), np.float32))
                self._cache = (key, ns, vectors)
            return self._cache[1], self._cache[2]
