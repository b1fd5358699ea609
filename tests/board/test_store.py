"""BoardStore on its own: versions, dedup, restart, budget eviction, concurrency, names."""

import threading

import pytest

from board_helpers import noise, stored_size
from underpaint.board import BoardStore
from underpaint.errors import InvalidArgument, NotFound, ResourceExhausted
from underpaint.v1 import board_pb2

BLOB = stored_size()


def publish(store, channel, seed, **meta):
    return store.publish(channel, 32, 32, noise(seed), board_pb2.BoardMeta(**meta))


def versions(store):
    return {c.name: list(c.versions) for c in store.list()}


def test_publish_fetch_list_delete(tmp_path):
    store = BoardStore(tmp_path)
    first = publish(store, "sketch", 1, source_app="krita", note="hello")
    second = publish(store, "sketch", 2, source_app="gimp", x=5, y=7)
    assert (first.version, second.version) == (1, 2)
    assert second.time >= first.time

    latest, pixels = store.fetch("sketch")
    assert latest.version == 2 and pixels == noise(2)
    assert latest.meta.source_app == "gimp" and (latest.meta.x, latest.meta.y) == (5, 7)
    old, pixels = store.fetch("sketch", 1)
    assert pixels == noise(1) and old.meta.note == "hello"
    assert old.digest != latest.digest

    [channel] = store.list()
    assert channel.name == "sketch" and list(channel.versions) == [1, 2]
    assert channel.latest.version == 2 and channel.latest.digest == second.digest

    assert store.delete("sketch") == 2
    assert store.list() == []
    assert store.bytes_used == 0 and store.blob_count() == 0
    with pytest.raises(NotFound, match="sketch"):
        store.fetch("sketch")
    with pytest.raises(NotFound, match="sketch"):
        store.delete("sketch")


def test_missing_version_names_the_stored_ones(tmp_path):
    store = BoardStore(tmp_path)
    publish(store, "a", 1)
    publish(store, "a", 2)
    with pytest.raises(NotFound, match="no version 7.*stored versions: 1, 2"):
        store.fetch("a", 7)
    with pytest.raises(InvalidArgument, match="version"):
        store.fetch("a", -1)


def test_versions_never_reused_after_deletes(tmp_path):
    store = BoardStore(tmp_path)
    publish(store, "a", 1)
    publish(store, "a", 2)
    store.delete("a")
    assert publish(store, "a", 3).version == 3
    assert publish(store, "b", 3).version == 1


def test_identical_images_are_stored_once(tmp_path):
    store = BoardStore(tmp_path)
    entries = [publish(store, name, 7) for name in ("a", "b", "c", "a")]
    assert len({e.digest for e in entries}) == 1
    assert store.blob_count() == 1
    assert store.bytes_used == BLOB
    publish(store, "a", 8)
    assert store.blob_count() == 2 and store.bytes_used == 2 * BLOB
    # The shared blob stays while any version still points at it.
    store.delete("a")
    assert store.blob_count() == 1
    assert store.fetch("b")[1] == noise(7)


def test_same_pixels_other_size_differ(tmp_path):
    store = BoardStore(tmp_path)
    pixels = noise(1, 4, 8)
    tall = store.publish("a", 4, 8, pixels)
    wide = store.publish("b", 8, 4, pixels)
    assert tall.digest != wide.digest and store.blob_count() == 2


def test_compressible_images_shrink_on_disk(tmp_path):
    store = BoardStore(tmp_path)
    flat = bytes([10, 20, 30, 255]) * (256 * 256)
    store.publish("flat", 256, 256, flat)
    assert store.bytes_used < len(flat) / 20
    assert store.fetch("flat")[1] == flat


def test_restart_keeps_everything(tmp_path):
    store = BoardStore(tmp_path)
    publish(store, "a", 1, note="one")
    publish(store, "a", 2)
    publish(store, "b/c", 3)
    store.delete("b/c")
    publish(store, "d", 4)
    before_list, before_used, before_cursor = store.list(), store.bytes_used, store.cursor
    before_log, _ = store.updates_after(0)
    store.close()

    again = BoardStore(tmp_path)
    assert again.list() == before_list
    assert again.bytes_used == before_used and again.cursor == before_cursor == 1 + 5  # a fresh board starts at cursor 1
    assert again.updates_after(0)[0] == before_log
    assert [u.deleted for u in before_log] == [False, False, False, True, False]
    assert again.fetch("a", 1)[1] == noise(1) and again.fetch("a", 1)[0].meta.note == "one"
    assert publish(again, "a", 5).version == 3
    assert publish(again, "b/c", 6).version == 2
    assert again.cursor == 1 + 7


def test_restart_sweeps_interrupted_writes(tmp_path):
    store = BoardStore(tmp_path)
    publish(store, "a", 1)
    store.close()
    stray = tmp_path / "blobs" / "ff"
    stray.mkdir(exist_ok=True)
    (stray / "00half-written.tmp").write_bytes(b"x")
    (stray / "11unknown").write_bytes(b"x")
    again = BoardStore(tmp_path)
    assert again.blob_count() == 1
    assert again.fetch("a")[1] == noise(1)


def test_eviction_takes_oldest_non_latest_across_channels(tmp_path):
    store = BoardStore(tmp_path, budget_bytes=4 * BLOB)
    publish(store, "a", 1)  # a1 oldest
    publish(store, "b", 2)  # b1
    publish(store, "a", 3)  # a2
    publish(store, "b", 4)  # b2: board full
    assert store.bytes_used == 4 * BLOB

    publish(store, "c", 5)
    assert versions(store) == {"a": [2], "b": [1, 2], "c": [1]}
    publish(store, "c", 6)  # b1 is now the oldest non-latest; c1 is younger
    assert versions(store) == {"a": [2], "b": [2], "c": [1, 2]}
    publish(store, "c", 7)  # only c1, c2 are not latest: c1 goes
    assert versions(store) == {"a": [2], "b": [2], "c": [2, 3]}
    assert store.bytes_used <= store.budget_bytes and store.blob_count() == 4


def test_publish_may_evict_its_own_channels_previous_latest(tmp_path):
    store = BoardStore(tmp_path, budget_bytes=2 * BLOB)
    publish(store, "a", 1)
    publish(store, "b", 2)
    publish(store, "a", 3)
    assert versions(store) == {"a": [2], "b": [1]}


def test_latest_versions_are_never_evicted(tmp_path):
    store = BoardStore(tmp_path, budget_bytes=2 * BLOB)
    publish(store, "a", 1)
    publish(store, "b", 2)
    with pytest.raises(ResourceExhausted, match="latest version of each channel") as err:
        publish(store, "c", 3)
    assert str(2 * BLOB) in str(err.value)  # the budget, so the user knows what to raise
    assert versions(store) == {"a": [1], "b": [1]}
    assert store.bytes_used == 2 * BLOB and store.blob_count() == 2
    # A refused publish consumes neither a version number nor a cursor.
    assert store.cursor == 1 + 2
    assert publish(store, "a", 4).version == 2


def test_image_larger_than_budget_is_refused(tmp_path):
    store = BoardStore(tmp_path, budget_bytes=BLOB - 1)
    with pytest.raises(ResourceExhausted, match="budget"):
        publish(store, "a", 1)
    assert store.list() == [] and store.blob_count() == 0


def test_eviction_skips_versions_that_would_free_nothing(tmp_path):
    store = BoardStore(tmp_path, budget_bytes=2 * BLOB)
    publish(store, "a", 1)
    publish(store, "a", 2)
    publish(store, "a", 1)  # a3 has a1's pixels: evicting a1 would free nothing
    publish(store, "b", 3)
    assert versions(store) == {"a": [1, 3], "b": [1]}


def test_republishing_an_old_image_needs_no_room(tmp_path):
    store = BoardStore(tmp_path, budget_bytes=2 * BLOB)
    publish(store, "a", 1)
    publish(store, "b", 2)
    assert publish(store, "c", 1).version == 1  # pixels already stored: nothing to evict
    assert versions(store) == {"a": [1], "b": [1], "c": [1]}


def test_concurrent_publishers_never_lose_a_version(tmp_path):
    store = BoardStore(tmp_path)
    per_thread, threads = 8, 4
    results, errors = [], []

    def worker(t):
        try:
            for i in range(per_thread):
                results.append(publish(store, "shared", 1000 * t + i))
        except Exception as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert errors == []
    total = per_thread * threads
    assert sorted(e.version for e in results) == list(range(1, total + 1))
    assert versions(store) == {"shared": list(range(1, total + 1))}
    for entry in results:
        assert store.fetch("shared", entry.version)[0].digest == entry.digest
    log, cursor = store.updates_after(0)
    assert cursor == 1 + total and [u.entry.version for u in log] == list(range(1, total + 1))


def test_update_log_filters_and_pages(tmp_path):
    store = BoardStore(tmp_path)
    for i in range(5):
        publish(store, "a" if i % 2 == 0 else "b", i)
    only_b, cursor = store.updates_after(0, ["b"])
    assert [u.cursor for u in only_b] == [3, 5] and cursor == 6
    page, cursor = store.updates_after(2, limit=2)
    assert [u.cursor for u in page] == [3, 4] and cursor == 4
    assert store.updates_after(99) == ([], 6)  # a cursor from a wiped board resumes from now


def test_update_log_is_bounded(tmp_path):
    store = BoardStore(tmp_path, log_size=3)
    for i in range(5):
        publish(store, "a", i)
    log, _ = store.updates_after(0)
    assert [u.cursor for u in log] == [4, 5, 6]
    store.close()
    assert [u.cursor for u in BoardStore(tmp_path, log_size=3).updates_after(0)[0]] == [4, 5, 6]


@pytest.mark.parametrize("name", ["", "x" * 65, "/a", "a/", "a..b", "..", "a b", "ümlaut", "a\nb",
                                  "a:b", "a\\b"])
def test_bad_channel_names_are_refused(tmp_path, name):
    store = BoardStore(tmp_path)
    with pytest.raises(InvalidArgument, match="^channel: ") as err:
        publish(store, name, 1)
    assert err.value.field == "channel"
    assert store.list() == []


@pytest.mark.parametrize("name", ["a", "x" * 64, "krita/doc.kra/layer_1", "A-b.c_d", "a.b/c-d"])
def test_good_channel_names_are_accepted(tmp_path, name):
    store = BoardStore(tmp_path)
    assert publish(store, name, 1).channel == name


def test_oversize_and_malformed_pixels_are_refused(tmp_path):
    store = BoardStore(tmp_path, max_pixels=32 * 32)
    with pytest.raises(InvalidArgument, match=r"^image: 33x32 is over the limit of 1024 pixels"):
        store.publish("a", 33, 32, noise(1, 33, 32))
    with pytest.raises(InvalidArgument, match=r"^image.data: has 10 bytes"):
        store.publish("a", 2, 2, b"0123456789")
    with pytest.raises(InvalidArgument, match="^image: width and height must be positive"):
        store.publish("a", 0, 2, b"")
    with pytest.raises(InvalidArgument, match="^meta.note: "):
        store.publish("a", 32, 32, noise(1), board_pb2.BoardMeta(note="x" * 5000))
    assert store.list() == [] and store.cursor == 1  # untouched: a fresh board's cursor
