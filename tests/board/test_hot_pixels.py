"""Recently published or fetched images are served from memory: a fetch right after a publish
reads no file, the memory stays within its budget, and deleted images leave it."""

from __future__ import annotations

import numpy as np

from underpaint.board import blobs
from underpaint.board.store import BoardStore

from board_helpers import noise


def counting_reads(store, monkeypatch) -> list:
    reads = []
    original = store._blobs.read
    monkeypatch.setattr(store._blobs, "read", lambda digest: reads.append(digest) or original(digest))
    return reads


def test_a_fetch_after_a_publish_reads_no_file(tmp_path, monkeypatch):
    store = BoardStore(tmp_path)
    reads = counting_reads(store, monkeypatch)
    pixels = noise(1, 64, 64)
    store.publish("a", 64, 64, pixels)
    assert store.fetch("a")[1] == pixels and reads == []
    store.close()


def test_beyond_the_budget_the_oldest_image_comes_from_disk_again(tmp_path, monkeypatch):
    one_image = 64 * 64 * 4
    store = BoardStore(tmp_path, hot_bytes=2 * one_image)
    reads = counting_reads(store, monkeypatch)
    images = {name: noise(seed, 64, 64) for seed, name in enumerate("abc")}
    for name, pixels in images.items():
        store.publish(name, 64, 64, pixels)
    assert store._hot.used <= 2 * one_image
    assert store.fetch("c")[1] == images["c"] and store.fetch("b")[1] == images["b"] and reads == []
    assert store.fetch("a")[1] == images["a"] and len(reads) == 1  # read once ...
    assert store.fetch("a")[1] == images["a"] and len(reads) == 1  # ... then kept again
    store.close()


def test_deleted_images_leave_memory_and_a_restart_still_serves_from_disk(tmp_path):
    store = BoardStore(tmp_path)
    store.publish("a", 64, 64, noise(1, 64, 64))
    store.publish("b", 64, 64, noise(2, 64, 64))
    store.delete("a")
    assert store._hot.used == 64 * 64 * 4
    store.close()
    again = BoardStore(tmp_path)
    assert again.fetch("b")[1] == noise(2, 64, 64)
    again.close()


def test_only_images_that_halve_are_compressed():
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:256, 0:256]
    photo_like = np.stack([(x + rng.normal(0, 6, x.shape)).clip(0, 255) for _ in range(3)]
                          + [np.full(x.shape, 255)], -1)  # smooth, with sensor noise: ~70% at level 1
    photo_like = photo_like.astype(np.uint8).tobytes()
    flat = bytes([10, 20, 30, 255]) * (256 * 256)
    assert blobs.pack(256, 256, photo_like)[4:5] == b"r"  # shrinks, but not enough to pay
    assert blobs.pack(256, 256, flat)[4:5] == b"z"
    assert blobs.unpack(blobs.pack(256, 256, photo_like))[2] == photo_like
