"""The archive's two costs: text search at 100k entries, and archiving one result next to making it.

    .venv/bin/python bench/archive.py [--entries 100000] [--queries 300] [--size 128] [--steps 20] [--runs 5]

(1) Search: an archive of --entries entries (prompts drawn from a 2,000-word vocabulary with
    Zipf-like frequencies, 3 hosts, 200 documents, tags on 10 %, thumbnails of a real 128² result's
    size) is filled through the store's own schema and triggers in one transaction (blob rows name
    digests whose files are not written: search never reads pixels). Then --queries searches of
    each kind, as a plugin sends them (first page of 50 with thumbnails, total counted): one common
    word, one rare word, two words, a prefix, a word + model, a document's history, a tag, the
    newest page without text, and a second page via the cursor. Prints p50/p95 per kind and over
    all (goal: p95 < 50 ms).
(2) Overhead: the demo model makes --size² images in this process (--steps steps, median of
    --runs); the archive then records each result the way the worker does (decode, thumbnail,
    hash, pack, fsync'd blob, one sqlite transaction) into the 100k archive. Prints both medians
    and the ratio (goal < 5 %). Not a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np


def made_up_words(count: int) -> list[str]:
    """Pronounceable made-up words (2-4 syllables), so that prefixes expand to a realistic few
    terms, unlike numbered words where "w1*" matches a thousand."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    rng, out = random.Random(7), {}
    while len(out) < count:
        out["".join(rng.choices(syllables, k=rng.randint(2, 4)))] = None
    return list(out)


def fill(store, entries: int, thumb_bytes: int, rng: random.Random) -> list[str]:
    from underpaint.archive.schema import facets
    from underpaint.v1 import underpaint_pb2 as pb

    vocab = made_up_words(2000)
    if store.count() >= entries:  # --dir holding a filled archive: reuse it
        return vocab
    weights = [1 / (i + 1) for i in range(len(vocab))]
    hosts = ["krita", "gimp", "photoshop"]
    thumb = bytes(rng.getrandbits(8) for _ in range(thumb_bytes))
    db = store.db
    with store.lock:
        db.execute("BEGIN")
        t0 = time.time() - entries
        for i in range(entries):
            words = rng.choices(vocab, weights, k=rng.randint(6, 25))
            prompt, negative = " ".join(words), " ".join(rng.choices(vocab, weights, k=5))
            model = f"model-{i % 7}"
            params = pb.GenerationParameters(prompt=prompt, negative_prompt=negative, model=model, seed=i,
                                             steps=20, guidance=7, width=512, height=512).SerializeToString()
            digest = uuid.uuid4().hex * 2
            host, document, tags = hosts[i % 3], f"doc{i % 200}.kra", [f"tag{(i // 10) % 30}"] if i % 10 == 0 else []
            db.execute("INSERT INTO blobs VALUES (?, ?)", (digest, 0))
            cur = db.execute(
                "INSERT INTO entries(id, time, digest, width, height, prompt, negative, model, model_hash, host, "
                "document, parent_id, job_id, source, facets) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (uuid.uuid4().hex[:16], t0 + i, digest, 512, 512, prompt, negative, model, f"h{i % 7}",
                 host, document, "", "", "generated", facets(model, f"h{i % 7}", host, document, tags)))
            db.execute("INSERT INTO details VALUES (?, ?, ?, ?)", (cur.lastrowid, params, b"", thumb))
            for tag in tags:
                db.execute("INSERT INTO tags VALUES (?, ?)", (cur.lastrowid, tag))
        db.execute("COMMIT")
    return vocab


def search_bench(store, vocab: list[str], queries: int, rng: random.Random) -> None:
    from underpaint.v1 import archive_pb2 as apb

    kinds = {
        "common word": lambda: dict(text=rng.choice(vocab[:20])),
        "rare word": lambda: dict(text=rng.choice(vocab[1000:])),
        "two words": lambda: dict(text=f"{rng.choice(vocab[:200])} {rng.choice(vocab[:200])}"),
        "prefix": lambda: dict(text=rng.choice(vocab[:300])[:3] + "*"),
        "word + model": lambda: dict(text=rng.choice(vocab[:100]), model=f"model-{rng.randint(0, 6)}"),
        "document": lambda: dict(document=f"doc{rng.randint(0, 199)}.kra", host="krita"),
        "tag": lambda: dict(tags=[f"tag{rng.randint(0, 29)}"]),
        "newest page": lambda: dict(),
    }
    everything = []
    print(f"{'query':16s} {'min ms':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'hits (median)':>14s}")
    for name, make in list(kinds.items()) + [("second page", None)]:
        times, hits = [], []
        for _ in range(queries):
            if make is None:
                first, cursor, _ = store.search(apb.SearchHistoryRequest(text=rng.choice(vocab[:50])))
                request = apb.SearchHistoryRequest(text="", cursor=cursor)
            else:
                request = apb.SearchHistoryRequest(**make())
            start = time.perf_counter()
            _, _, total = store.search(request)
            times.append((time.perf_counter() - start) * 1000)
            hits.append(total)
        everything += times
        print(f"{name:16s} {min(times):8.1f} {statistics.median(times):8.1f} {_p95(times):8.1f} "
              f"{statistics.median(hits):14.0f}")
    print(f"{'all':16s} {min(everything):8.1f} {statistics.median(everything):8.1f} {_p95(everything):8.1f}"
          "   (goal: p95 < 50 ms)")


def overhead_bench(store, size: int, steps: int, runs: int) -> None:
    import torch

    from underpaint import images
    from underpaint.archive.recorder import Recorder
    from underpaint.devices import pick_device, pick_dtype
    from underpaint.models.cache import PipelineCache
    from underpaint.models.demo import write_demo_model
    from underpaint.models.registry import ModelRegistry
    from underpaint.pipelines.generate import GenerationSpec, run_generation
    from underpaint.v1 import underpaint_pb2 as pb

    models = Path(tempfile.mkdtemp(prefix="underpaint-bench-"))
    write_demo_model(models)
    registry = ModelRegistry(models)
    registry.scan()
    device = pick_device()
    loaded = PipelineCache(device, pick_dtype(device)).get(registry.get(registry.default_id))
    spec = GenerationSpec(prompt="a lighthouse at dusk", negative_prompt="", width=size, height=size,
                          steps=steps, guidance=7.0, sampler="euler_a")
    recorder = Recorder(store)
    make, record = [], []
    for run in range(runs + 1):
        start = time.perf_counter()
        rgb = run_generation(loaded, spec, 1000 + run, lambda *a: None)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        made = time.perf_counter() - start
        result = pb.Result(seed=1000 + run, image=images.encode(rgb, pb.PIXEL_FORMAT_RGBA8),
                           parameters=pb.GenerationParameters(prompt=spec.prompt, width=size, height=size))
        request = pb.GenerateRequest(archive=pb.ArchiveOptions(host="bench", document="bench.kra"))
        start = time.perf_counter()
        recorder.record("bench", request, result, 1 << 30)
        kept = time.perf_counter() - start
        assert result.archive_id, result.note
        if run:  # the first run warms up
            make.append(made)
            record.append(kept)
    m, r = statistics.median(make), statistics.median(record)
    print(f"\n{size}x{size}, {steps} steps on {device}: generation {m * 1000:.0f} ms, archiving {r * 1000:.1f} ms "
          f"per result: overhead {r / m * 100:.2f} % (goal < 5 %)")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", type=Path, help="where to build the archive (default: a temporary folder); "
                                             "a folder filled by an earlier run is reused")
    args = ap.parse_args()

    from underpaint.archive.recorder import thumbnail
    from underpaint.archive.store import ArchiveStore

    rng = random.Random(20261201)
    root = args.dir or Path(tempfile.mkdtemp(prefix="underpaint-archive-bench-"))
    start = time.perf_counter()
    store = ArchiveStore(root / "archive", budget_bytes=1 << 40)
    print(f"opened the store in {time.perf_counter() - start:.1f} s (schema version {store.schema_found} "
          f"found; an older one is migrated on open: copy an old --dir to time it)")
    sample = np.random.default_rng(0).integers(0, 256, (args.size, args.size, 4), dtype=np.uint8)
    start = time.perf_counter()
    vocab = fill(store, args.entries, len(thumbnail(sample)), rng)
    print(f"filled {args.entries} entries in {time.perf_counter() - start:.1f} s ({root})\n")
    search_bench(store, vocab, args.queries, rng)
    overhead_bench(store, args.size, args.steps, args.runs)


if __name__ == "__main__":
    main()
