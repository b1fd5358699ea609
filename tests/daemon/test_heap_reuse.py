"""The daemon keeps large pixel buffers mapped between calls and gives them back once transfers stop
(transport/heap.py). The allocator checks run in a child process so pytest's own heap keeps
glibc's defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from underpaint.client import Client
from underpaint.testing import DaemonProcess
from underpaint.transport import heap
from underpaint.v1 import underpaint_pb2 as pb

pytestmark = pytest.mark.skipif(heap._glibc() is None, reason="the heap tuning is glibc's (Linux)")

CANVAS = 64 << 20

CHILD = """
import json, sys
from underpaint.transport import heap

libc = heap._glibc()
CANVAS = 64 << 20

def churn():
    for _ in range(3):
        buffer = bytearray(CANVAS)  # zero-filled: every page touched
        heap.note_message(len(buffer))  # as the transports do for each message
        del buffer
    return libc.mallinfo2().fordblks

report = {"free_with_defaults": churn()}
trimmer = heap.keep_large_buffers(period_s=3600)  # its thread stays asleep: check() is called here
report["free_kept"] = churn()
report["first_look"] = trimmer.check()        # nothing to compare with yet
report["settled_trim"] = trimmer.check()      # free heap unchanged since: trims
report["again"] = trimmer.check()             # nothing new came and went: no second trim
churn(); trimmer.check()
churn()
report["while_moving"] = trimmer.check()      # canvases went through this period: keeps them
report["after_new_transfers"] = trimmer.check()
print(json.dumps(report))
"""


def run_child(env_extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    env.update(env_extra or {})
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_freed_canvases_stay_mapped_until_the_heap_settles_then_go_back_to_the_system():
    report = run_child()
    assert report["free_with_defaults"] < CANVAS      # glibc's default: each canvas unmapped on free
    assert report["free_kept"] >= CANVAS              # tuned: kept for the next call
    assert report["first_look"] == 0
    assert report["settled_trim"] >= CANVAS * 3 // 4  # resident memory given back
    assert report["again"] == 0
    assert report["while_moving"] == 0
    assert report["after_new_transfers"] >= CANVAS * 3 // 4


def test_opting_out_changes_nothing():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env["UNDERPAINT_HEAP_REUSE"] = "0"
    script = ("from underpaint.transport import heap\n"
              "libc = heap._glibc()\n"
              "assert heap.keep_large_buffers() is None\n"
              "b = bytearray(64 << 20); del b\n"
              "print(libc.mallinfo2().fordblks)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.split()[-1]) < CANVAS


def _resident_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))


def _wait_for(daemon: DaemonProcess, text: str, looks: int = 600) -> str:
    """The daemon's log once it holds `text` (the trimmer's only outward sign is its log line);
    the number of looks only keeps a broken daemon from hanging the suite."""
    for _ in range(looks):
        log = daemon.log()
        if text in log:
            return log
        time.sleep(0.2)
    pytest.fail(f"the daemon never logged {text!r}; its log ends:\n{daemon.log()[-2000:]}")


def test_a_daemon_gives_canvas_memory_back_after_transfers_stop(tmp_path):
    env = {**os.environ, "UNDERPAINT_HEAP_IDLE_S": "0.5"}
    daemon = DaemonProcess(None, tmp_path / "home", env=env).start()
    try:
        _wait_for(daemon, "large buffers are reused between calls")
        canvas = bytes(range(256)) * (CANVAS // 256)
        with Client(daemon.grpc) as client:
            for _ in range(3):
                image = pb.Image(width=4096, height=4096, format=pb.PIXEL_FORMAT_RGBA8, data=canvas)
                assert client.call(client.stub.Echo, image, timeout=300).data == canvas
            busy = _resident_mb(daemon.proc.pid)
            log = _wait_for(daemon, "of idle pixel buffers to the system")
            returned = int(log.split("heap: returned ")[1].split()[0])
            assert returned >= 64
            assert _resident_mb(daemon.proc.pid) <= busy - 64
            # and it keeps serving
            assert client.call(client.stub.Echo, pb.Image(width=1, height=1, format=pb.PIXEL_FORMAT_RGBA8,
                                                          data=b"\1\2\3\4")).data == b"\1\2\3\4"
    finally:
        daemon.stop()


def test_a_daemon_told_not_to_reuse_says_so(tmp_path):
    daemon = DaemonProcess(None, tmp_path / "home", env={**os.environ, "UNDERPAINT_HEAP_REUSE": "0"}).start()
    try:
        log = _wait_for(daemon, "ready")
        assert "large buffers are mapped per call (UNDERPAINT_HEAP_REUSE=0)" in log
        assert "reused between calls" not in log
    finally:
        daemon.stop()


CLIENT_CHILD = """
import json, sys
from underpaint.client import Client
from underpaint.transport import heap
from underpaint.v1 import underpaint_pb2 as pb

canvas = bytes(range(256)) * (64 << 12)
with Client(sys.argv[1], reuse_buffers=sys.argv[2] == "1") as client:
    for _ in range(3):
        image = pb.Image(width=4096, height=4096, format=pb.PIXEL_FORMAT_RGBA8, data=canvas)
        assert client.call(client.stub.Echo, image, timeout=300).data == canvas
libc = heap._glibc()
mapped_before = libc.mallinfo2().hblkhd  # bytes in chunks glibc mapped on their own
canvas_buffer = bytearray(len(canvas))
mapped_fresh = libc.mallinfo2().hblkhd - mapped_before >= len(canvas)
del canvas_buffer
print(json.dumps({"mapped_fresh": mapped_fresh, "messages": heap._large_messages}))
"""


@pytest.mark.parametrize("reuse", [False, True])
def test_a_client_asked_to_reuse_buffers_keeps_them_and_counts_its_transfers(daemon, reuse):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", CLIENT_CHILD, daemon.grpc, "1" if reuse else "0"],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["messages"] == 6  # three canvases out, three back: what the idle trimmer watches
    # The next canvas-sized buffer: from the kept heap when reusing; a fresh mapping with glibc's
    # defaults, which a plain client leaves alone.
    assert report["mapped_fresh"] is (not reuse)
