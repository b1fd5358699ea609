"""Faults, with real daemon processes: kill -9 in the middle of a job and of board publishes, a
full disk under the board, an out-of-memory inside a pipeline, SIGTERM with jobs running and
watched. Afterwards nothing stored is corrupt and the daemon (or its successor) serves."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import threading
import urllib.request
from pathlib import Path

import grpc
import numpy as np
import pytest

from underpaint.board import blobs
from underpaint.client import Client
from underpaint.testing import DaemonProcess
from underpaint.v1 import board_pb2
from underpaint.v1 import underpaint_pb2 as pb

from .helpers import request

LONG = dict(steps=150, width=128, height=128)
OOM_TRIGGER = "please run out of memory"


def noise_image(seed: int, size: int) -> pb.Image:
    data = np.random.default_rng(seed).integers(0, 256, size * size * 4, dtype=np.uint8).tobytes()
    return pb.Image(width=size, height=size, format=pb.PIXEL_FORMAT_RGBA8, data=data)


def publish(client: Client, channel: str, image: pb.Image) -> board_pb2.BoardEntry:
    return client.board.Publish(board_pb2.PublishRequest(channel=channel, image=image), timeout=120)


def fetch_pixels(client: Client, channel: str, version: int) -> bytes:
    entry = client.board.Fetch(board_pb2.FetchRequest(channel=channel, version=version), timeout=120)
    return entry.image.data


def check_board_files(board: Path) -> int:
    """sqlite's integrity check, every blob against its hash, no partial or unknown files.
    Returns how many versions the index holds. Run with the daemon stopped."""
    db = sqlite3.connect(board / "index.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        known = dict(db.execute("SELECT digest, size FROM blobs"))
        used = {d for (d,) in db.execute("SELECT DISTINCT digest FROM versions")}
        versions = db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
    finally:
        db.close()
    assert used <= set(known), "a version points at a blob the index does not hold"
    on_disk = {f.parent.name + f.name: f for f in (board / "blobs").glob("*/*")}
    assert not [name for name in on_disk if name.endswith(".tmp")], "a half-written blob was left"
    assert set(on_disk) == set(known), "blob files and the index disagree"
    for digest_hex, path in on_disk.items():
        width, height, rgba = blobs.unpack(path.read_bytes())
        assert blobs.digest(width, height, rgba) == digest_hex, f"blob {digest_hex} does not match its hash"
        assert path.stat().st_size == known[digest_hex]
    return versions


def kill_hard(process: DaemonProcess) -> None:
    process.proc.send_signal(signal.SIGKILL)
    process.proc.wait(30)
    process.stop()  # closes the log


def test_kill_9_mid_job_and_mid_publish_leaves_a_sound_board(demo_models_dir, tmp_path):
    home = tmp_path / "home"
    first = DaemonProcess(demo_models_dir, home).start()
    acknowledged: list[tuple[str, int, str]] = []  # what the daemon said it stored
    one_stored, stop, failures = threading.Event(), threading.Event(), []
    try:
        with Client(first.grpc) as client:
            entry = publish(client, "fault/before", noise_image(0, 64))
            acknowledged.append(("fault/before", entry.version, hashlib.sha256(noise_image(0, 64).data).hexdigest()))
            job = client.submit(request(**LONG))
            for event in client.watch(job.id):
                if event.HasField("progress"):
                    break  # the job is mid-denoising

            def publisher(index):
                with Client(first.grpc) as own:
                    for n in range(1000):
                        image = noise_image(100 * index + n, 1024)  # 4 MiB each: writing takes a while
                        try:
                            stored = publish(own, f"fault/p{index}", image)
                        except grpc.RpcError as error:
                            failures.append(error.code())
                            return
                        acknowledged.append((stored.channel, stored.version,
                                             hashlib.sha256(image.data).hexdigest()))
                        one_stored.set()
                        if stop.is_set():
                            return

            threads = [threading.Thread(target=publisher, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            assert one_stored.wait(300), "no publish came through"
            kill_hard(first)  # while the other publishes (and the job) are under way
            stop.set()
            for t in threads:
                t.join(120)
        assert set(failures) <= {grpc.StatusCode.UNAVAILABLE}  # cut off, no other error
    finally:
        stop.set()
        if first.proc.poll() is None:
            kill_hard(first)

    second = DaemonProcess(demo_models_dir, home).start()
    try:
        with Client(second.grpc) as client:
            for channel, version, sha in acknowledged:  # everything acknowledged survived, intact
                assert hashlib.sha256(fetch_pixels(client, channel, version)).hexdigest() == sha
            stored = publish(client, "fault/after", noise_image(7, 64))  # and the board goes on
            assert stored.version == 1
            assert client.info().queue_length == 0  # the killed job is not resurrected
    finally:
        second.stop()
    assert check_board_files(second.data_dir / "board") >= len(acknowledged) + 1


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs as the daemon's data folder, when this machine lets us mount one; else None
    (the test then fills a 4 MiB board budget instead, and says so)."""
    mount_point = tmp_path / "home" / "data"
    mount_point.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
                             capture_output=True).returncode == 0
    yield mount_point if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_refuses_the_publish_and_corrupts_nothing(demo_models_dir, tmp_path, small_disk, record_property):
    how = "a 4 MiB tmpfs" if small_disk else "a 4 MiB board budget (mounting a tmpfs is not allowed here)"
    record_property("full disk simulated with", how)
    print(f"full disk simulated with {how}")
    extra = [] if small_disk else ["--board-budget-mb", "4"]
    process = DaemonProcess(demo_models_dir, tmp_path / "home", extra).start()
    stored: list[tuple[str, str]] = []
    try:
        with Client(process.grpc) as client:
            for n in range(20):  # 1 MiB of incompressible noise each: 4 MiB fill up after a few
                image = noise_image(n, 512)
                try:
                    publish(client, f"full/{n}", image)
                except grpc.RpcError as error:
                    refusal = error
                    break
                stored.append((f"full/{n}", hashlib.sha256(image.data).hexdigest()))
            else:
                pytest.fail("20 MiB fitted on a 4 MiB disk")
            assert refusal.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, refusal.details()
            if small_disk:
                assert "disk is full" in refusal.details() and "nothing was stored" in refusal.details()
            assert stored, "not even the first image fitted"
            for channel, sha in stored:  # what was stored before is intact
                assert hashlib.sha256(fetch_pixels(client, channel, 0)).hexdigest() == sha
            assert [c.name for c in client.board.List(board_pb2.ListChannelsRequest()).channels] == \
                [channel for channel, _ in sorted(stored)]
            # Room made, the same publish goes through: the daemon kept serving.
            client.board.Delete(board_pb2.DeleteChannelRequest(channel=stored[0][0]))
            assert publish(client, "full/again", noise_image(99, 512)).version == 1
            assert client.info().protocol_major == 1
    finally:
        process.stop()
    assert check_board_files(process.data_dir / "board") == len(stored)  # minus one deleted, plus one


@pytest.fixture
def oom_daemon(demo_models_dir, tmp_path):
    env = dict(os.environ, UNDERPAINT_TEST_OOM_PROMPT=OOM_TRIGGER)
    process = DaemonProcess(demo_models_dir, tmp_path / "home", env=env).start()
    yield process
    process.stop()


def test_out_of_memory_in_a_pipeline_fails_that_job_clearly_and_the_daemon_serves_on(oom_daemon):
    with Client(oom_daemon.grpc) as client:
        job = client.submit(request(prompt=f"a fox, {OOM_TRIGGER}"))
        events = list(client.watch(job.id))
        finished = events[-1].finished
        assert finished.status == pb.JOB_STATUS_FAILED
        assert finished.message.startswith("out of memory generating 64x64 on cpu")
        assert "try a smaller size" in finished.message
        assert not any(e.HasField("result") for e in events)
        # The next job runs as if nothing happened.
        job = client.submit(request(prompt="a fox"))
        events = list(client.watch(job.id))
        assert events[-1].finished.status == pb.JOB_STATUS_SUCCEEDED
        assert sum(1 for e in events if e.HasField("result")) == 1
    assert "Traceback" not in oom_daemon.log()  # an expected failure, not a crash


def _poll_until_done(address: str, job_id: str, attached: threading.Event) -> list[dict]:
    """A Connect long-poll watcher (what the UXP panel and the host kit do)."""
    events, after = [], 0
    while True:
        body = json.dumps({"jobId": job_id, "afterSeq": after, "waitMs": 20000}).encode()
        req = urllib.request.Request(f"http://{address}/underpaint.v1.Underpaint/PollEvents", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as response:
            reply = json.loads(response.read())
        events += reply.get("events", [])
        after = int(events[-1]["seq"]) if events else after
        if events:
            attached.set()
        if reply.get("done"):
            return events


def test_sigterm_cancels_every_job_and_tells_every_watcher(demo_models_dir, tmp_path):
    process = DaemonProcess(demo_models_dir, tmp_path / "home").start()
    finals: dict[str, object] = {}
    try:
        with Client(process.grpc) as client:
            running = client.submit(request(**LONG))
            queued = client.submit(request(prompt="behind it"))
            for event in client.watch(running.id):
                if event.HasField("progress"):
                    break

            def grpc_watcher(name, job_id, attached):
                with Client(process.grpc) as own:
                    last = None
                    try:
                        for last in own.stub.Watch(pb.WatchRequest(job_id=job_id)):
                            attached.set()
                        finals[name] = last.finished
                    except grpc.RpcError as error:
                        finals[name] = error

            def http_watcher(name, job_id, attached):
                try:
                    finals[name] = _poll_until_done(process.http, job_id, attached)[-1]["finished"]
                except Exception as error:  # reported below with the others
                    finals[name] = error

            attached = [threading.Event() for _ in range(3)]
            watchers = [threading.Thread(target=grpc_watcher, args=("grpc running", running.id, attached[0])),
                        threading.Thread(target=grpc_watcher, args=("grpc queued", queued.id, attached[1])),
                        threading.Thread(target=http_watcher, args=("connect running", running.id, attached[2]))]
            for w in watchers:
                w.start()
            assert all(a.wait(120) for a in attached)  # every watcher has seen its job's events
            process.proc.send_signal(signal.SIGTERM)
            for w in watchers:
                w.join(120)
            assert process.proc.wait(120) == 0
    finally:
        process.stop()
    assert set(finals) == {"grpc running", "grpc queued", "connect running"}, finals
    for name in ("grpc running", "grpc queued"):
        assert isinstance(finals[name], pb.Finished), f"{name}: {finals[name]}"
        assert (finals[name].status, finals[name].message) == (pb.JOB_STATUS_CANCELLED, "daemon shutting down")
    assert finals["connect running"]["status"] == "JOB_STATUS_CANCELLED", finals["connect running"]
    assert finals["connect running"]["message"] == "daemon shutting down"
    assert "shutting down" in process.log()
