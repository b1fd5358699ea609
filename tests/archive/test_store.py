"""The archive store on its own: search filters and paging, budget and eviction, blobs shared
with the board, restarts, crash leftovers and the integrity check."""

from __future__ import annotations

import os

import numpy as np
import pytest

from underpaint.archive.recorder import thumbnail
from underpaint.archive.search import fts_query
from underpaint.archive.store import ArchiveStore, NewEntry
from underpaint.board import blobs
from underpaint.board.store import BoardStore
from underpaint.errors import InvalidArgument, NotFound, ResourceExhausted
from underpaint.v1 import archive_pb2 as apb
from underpaint.v1 import underpaint_pb2 as pb

W = H = 32


def noise(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (H, W, 4), dtype=np.uint8)


def add(store, seed, prompt="a cat", negative="", model="m1", model_hash="aaaa", **kw) -> str:
    arr = noise(seed)
    params = pb.GenerationParameters(prompt=prompt, negative_prompt=negative, model=model, model_hash=model_hash,
                                     seed=seed)
    return store.add(W, H, arr.tobytes(), NewEntry(parameters=params, **kw), thumbnail(arr))


def ids(store, **query) -> list[str]:
    entries, _, _ = store.search(apb.SearchHistoryRequest(limit=500, **query))
    return [e.id for e in entries]


BLOB = len(blobs.pack(W, H, noise(0).tobytes()))  # noise does not compress: every blob has this size


@pytest.fixture
def store(tmp_path):
    s = ArchiveStore(tmp_path / "archive")
    yield s
    s.close()


def test_filters_select_exactly_the_matching_entries(store):
    a = add(store, 1, "a red cat on a roof", "blurry", host="krita", document="one.kra", time=1000.0)
    b = add(store, 2, "a blue dog", "red eyes", model="m2", model_hash="bbbb", host="gimp", document="two.xcf",
            time=2000.0)
    c = add(store, 3, "caterpillar in the rain", host="krita", document="two.xcf", time=3000.0, tags=["bugs"])
    assert ids(store, text="red") == [b, a]            # prompt or negative prompt
    assert ids(store, text="red cat") == [a]           # every word
    assert ids(store, text="cat") == [a]               # whole words ...
    assert ids(store, text="cat*") == [c, a]           # ... or a prefix
    assert ids(store, model="m2") == [b]
    assert ids(store, model="bbbb") == [b]             # the model hash works too
    assert ids(store, after=1500, before=3000) == [b]  # [after, before)
    assert ids(store, host="krita") == [c, a]
    assert ids(store, host="krita", document="two.xcf") == [c]
    assert ids(store, tags=["bugs"]) == [c]
    store.update(b, starred=True)
    assert ids(store, starred_only=True) == [b]
    assert ids(store) == [c, b, a]


@pytest.mark.parametrize("text", ['"', "AND OR NOT", "(cat", "cat:", "-cat", "NEAR(a b)", "*", "^x", "'; DROP"])
def test_any_text_is_a_valid_search(store, text):
    add(store, 1, "a cat")
    store.search(apb.SearchHistoryRequest(text=text))  # no FTS5 syntax error reaches the user
    assert '"' not in fts_query(text).replace('" "', "").strip('"*')


def test_pages_cover_every_entry_once_newest_first(store):
    made = [add(store, i, f"cat number {i}") for i in range(23)]
    seen, cursor, totals = [], "", set()
    while True:
        entries, cursor, total = store.search(apb.SearchHistoryRequest(text="cat", limit=5, cursor=cursor))
        seen += [e.id for e in entries]
        totals.add(total)
        if not cursor:
            break
    assert seen == made[::-1]
    assert totals == {23}


def test_a_page_stays_stable_when_newer_entries_arrive(store):
    for i in range(6):
        add(store, i)
    first, cursor, _ = store.search(apb.SearchHistoryRequest(limit=3))
    add(store, 99)  # arrives between two page loads
    second, _, _ = store.search(apb.SearchHistoryRequest(limit=3, cursor=cursor))
    assert not {e.id for e in first} & {e.id for e in second}
    assert len(second) == 3


@pytest.mark.parametrize("field, value", [("limit", 501), ("limit", -1), ("cursor", "abc"), ("tags", ["a,b"]),
                                          ("after", -5.0)])
def test_bad_searches_name_the_field(store, field, value):
    with pytest.raises(InvalidArgument) as err:
        store.search(apb.SearchHistoryRequest(**{field: value}))
    assert err.value.field == field or err.value.field.startswith(field)


def test_the_budget_evicts_the_oldest_unstarred_entries(tmp_path):
    store = ArchiveStore(tmp_path / "a", budget_bytes=3 * BLOB)
    first, second, third = add(store, 1), add(store, 2), add(store, 3)
    store.update(first, starred=True)
    fourth = add(store, 4)
    assert ids(store) == [fourth, third, first]  # `second`, the oldest unstarred, went
    assert store.bytes_used == 3 * BLOB
    assert store.check() == []


def test_starred_entries_are_never_evicted(tmp_path):
    store = ArchiveStore(tmp_path / "a", budget_bytes=2 * BLOB)
    kept = [add(store, 1), add(store, 2)]
    for entry_id in kept:
        store.update(entry_id, starred=True)
    with pytest.raises(ResourceExhausted, match="starred"):
        add(store, 3)
    assert sorted(ids(store)) == sorted(kept)
    assert store.check() == []


def test_identical_images_share_one_blob_until_the_last_entry_goes(store):
    a = add(store, 7, "first")
    b = add(store, 7, "second")  # the same pixels
    assert store.bytes_used == BLOB
    path = store._blobs.path(store.get_meta(a).digest)
    store.delete([a])
    assert path.exists() and store.get(b)[1] == noise(7).tobytes()
    store.delete([b])
    assert not path.exists() and store.bytes_used == 0


def test_star_tag_and_delete(store):
    entry_id = add(store, 1)
    e = store.update(entry_id, starred=True, add_tags=["keep", "sky"])
    assert e.starred and list(e.tags) == ["keep", "sky"]
    e = store.update(entry_id, starred=False, remove_tags=["sky"])
    assert not e.starred and list(e.tags) == ["keep"]
    with pytest.raises(InvalidArgument):
        store.update(entry_id, add_tags=["  padded"])
    assert store.delete([entry_id, "missing"]) == 1
    with pytest.raises(NotFound):
        store.get(entry_id)


def test_a_restart_keeps_entries_tags_stars_and_pixels(tmp_path):
    store = ArchiveStore(tmp_path / "a")
    entry_id = add(store, 5, "a lighthouse", host="gimp", document="coast.xcf", parent_id="p1", x=3, y=4,
                   document_width=100, document_height=80)
    store.update(entry_id, starred=True, add_tags=["sea"])
    store.close()
    again = ArchiveStore(tmp_path / "a")
    entry, rgba = again.get(entry_id)
    assert rgba == noise(5).tobytes()
    assert (entry.host, entry.document, entry.parent_id, entry.starred, list(entry.tags)) == \
           ("gimp", "coast.xcf", "p1", True, ["sea"])
    assert (entry.x, entry.y, entry.document_width, entry.document_height) == (3, 4, 100, 80)
    assert entry.parameters.prompt == "a lighthouse" and entry.thumbnail.data[:4] == b"RIFF"
    assert ids(again, text="lighthouse") == [entry_id]
    assert again.check() == []


def test_opening_sweeps_blobs_that_a_crash_left_without_an_entry(tmp_path):
    store = ArchiveStore(tmp_path / "a")
    kept = add(store, 1)
    store.close()
    stray = blobs.digest(W, H, noise(2).tobytes())
    blobs.BlobDir(tmp_path / "a" / "blobs").write(stray, blobs.pack(W, H, noise(2).tobytes()))
    half = blobs.BlobDir(tmp_path / "a" / "blobs").path(stray + "0") .with_suffix(".tmp")
    half.parent.mkdir(exist_ok=True)
    half.write_bytes(b"UPB1 half written")
    again = ArchiveStore(tmp_path / "a")
    assert again.swept == 2
    assert again._blobs.count() == 1 and again.get(kept)
    assert again.check() == []


def test_the_check_finds_a_damaged_or_missing_blob(store):
    a, b = add(store, 1), add(store, 2)
    path_a = store._blobs.path(store.get_meta(a).digest)
    data = bytearray(path_a.read_bytes())
    data[-1] ^= 0xFF
    path_a.write_bytes(bytes(data))
    store._blobs.path(store.get_meta(b).digest).unlink()
    problems = store.check()
    assert len(problems) == 2
    assert any("do not match" in p for p in problems) and any("No such file" in p for p in problems)


def test_an_image_on_the_board_and_in_the_archive_is_stored_once(tmp_path):
    board = BoardStore(tmp_path / "board", share_blobs_with=(tmp_path / "archive" / "blobs",))
    store = ArchiveStore(tmp_path / "archive", share_blobs_with=(tmp_path / "board" / "blobs",))
    arr = noise(3)
    board.publish("shared", W, H, arr.tobytes())
    entry_id = add(store, 3)
    digest = store.get_meta(entry_id).digest
    board_file = tmp_path / "board" / "blobs" / digest[:2] / digest[2:]
    archive_file = store._blobs.path(digest)
    assert os.stat(board_file).st_ino == os.stat(archive_file).st_ino  # one file, two names
    board.delete("shared")
    assert not board_file.exists()
    assert store.get(entry_id)[1] == arr.tobytes() and store.check() == []


def test_totals_are_counted_up_to_the_cap(store, monkeypatch):
    from underpaint.archive import search

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    for i in range(5):
        add(store, i, "same words")
    add(store, 9, "other")
    assert store.search(apb.SearchHistoryRequest(text="same"))[2] == 4  # "more than 3"
    assert store.search(apb.SearchHistoryRequest(text="other"))[2] == 1
    assert store.search(apb.SearchHistoryRequest())[2] == 6  # no filter: always exact
