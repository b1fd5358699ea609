"""The archive survives restarts and `kill -9`: real daemon processes with their own folders, and
real processes killed at chosen points inside an archive write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np

from underpaint.archive.store import ArchiveStore
from underpaint.client import Client
from underpaint.testing import DaemonProcess
from underpaint.v1 import archive_pb2 as apb
from underpaint.v1 import underpaint_pb2 as pb

from tests.daemon.helpers import pixels, request, run_job


def test_a_restart_keeps_entries_stars_tags_and_styles(demo_models_dir, tmp_path):
    home = tmp_path / "home"
    first = DaemonProcess(demo_models_dir, home).start()
    try:
        with Client(first.grpc) as c:
            c.lexicon.PutStyle(apb.Style(name="chalk", prompt="chalk on slate"))
            _, _, results, _ = run_job(c, request(steps=2, count=2, archive=pb.ArchiveOptions(host="gimp")))
            c.history.UpdateHistoryEntry(apb.UpdateHistoryEntryRequest(id=results[0].archive_id, starred=True,
                                                                       add_tags=["best"]))
    finally:
        first.stop()
    again = DaemonProcess(demo_models_dir, home, ["--no-archive"]).start()  # same folders, archiving off
    try:
        with Client(again.grpc) as c:
            found = c.history.SearchHistory(apb.SearchHistoryRequest(host="gimp"))
            assert [e.id for e in found.entries] == [r.archive_id for r in results][::-1]
            kept = c.history.GetHistoryEntry(apb.GetHistoryEntryRequest(id=results[0].archive_id))
            assert kept.starred and list(kept.tags) == ["best"]
            assert np.array_equal(pixels(kept.image), pixels(results[0].image))
            assert [s.name for s in c.lexicon.ListStyles(apb.ListStylesRequest()).styles] == ["chalk"]
            _, _, new, _ = run_job(c, request(steps=2, prompt="{style:chalk}"))
            assert new[0].archive_id == "" and new[0].parameters.prompt == "chalk on slate"
            assert c.history.SearchHistory(apb.SearchHistoryRequest()).total == 2
    finally:
        again.stop()


def test_kill_9_while_a_job_archives_leaves_a_consistent_store(demo_models_dir, tmp_path):
    home = tmp_path / "home"
    daemon = DaemonProcess(demo_models_dir, home).start()
    seen = []
    try:
        with Client(daemon.grpc) as c:
            job = c.submit(request(steps=2, count=8))
            for event in c.watch(job.id):
                if event.HasField("result"):
                    seen.append(event.result.archive_id)
                    if len(seen) == 2:  # the next images are being made and archived: kill now
                        os.kill(daemon.proc.pid, signal.SIGKILL)
                        break
    except Exception:
        pass  # the stream breaks when the daemon dies
    finally:
        daemon.proc.wait(30)
        daemon.stop()
    store = ArchiveStore(home / "data" / "archive")
    try:
        assert store.check() == []
        assert store.count() >= len(seen) == 2  # every result a client saw is kept
        for entry_id in seen:
            assert store.get(entry_id)
    finally:
        store.close()
    restarted = DaemonProcess(demo_models_dir, home).start()
    try:
        with Client(restarted.grpc) as c:
            assert c.history.SearchHistory(apb.SearchHistoryRequest()).total >= 2
    finally:
        restarted.stop()


_KILL_INSIDE = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    from underpaint.archive.store import ArchiveStore, NewEntry
    from underpaint.board import blobs
    from underpaint.v1 import underpaint_pb2 as pb

    store = ArchiveStore(sys.argv[1])
    def add(seed):
        arr = np.random.default_rng(seed).integers(0, 256, (16, 16, 4), dtype=np.uint8)
        return store.add(16, 16, arr.tobytes(), NewEntry(pb.GenerationParameters(prompt=f"p{seed}")), b"")
    add(1)
    die = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
    if sys.argv[2] == "after-blob":       # pixels on disk, no entry yet
        original = blobs.BlobDir.write
        blobs.BlobDir.write = lambda self, d, p: (original(self, d, p), die())
    else:                                  # inside the sqlite transaction, rows half written
        ArchiveStore._delete_locked = die
    add(2)
""")


def _kill_inside_a_write(tmp_path, where: str) -> ArchiveStore:
    root = tmp_path / where
    proc = subprocess.run([sys.executable, "-c", _KILL_INSIDE, str(root), where], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    return ArchiveStore(root)


def test_killed_after_writing_the_pixels_the_stray_blob_is_swept(tmp_path):
    store = _kill_inside_a_write(tmp_path, "after-blob")
    assert store.swept == 1
    assert store.count() == 1 and store.check() == []
    assert store._blobs.count() == 1


def test_killed_inside_the_transaction_nothing_half_written_remains(tmp_path):
    store = _kill_inside_a_write(tmp_path, "in-transaction")
    assert store.count() == 1 and store.check() == []
    entries, _, _ = store.search(apb.SearchHistoryRequest(text="p2"))
    assert entries == []
    assert store.swept == 1  # its blob was written before the transaction began
