"""Large pixel buffers reused between calls instead of mapped fresh for each one (glibc only).

Profiled on a quiet 2-core machine (bench/RESULTS.md): copying a 64 MiB canvas costs ~27 ms, of
which ~5 ms is the copy and the rest page faults, because glibc serves every allocation above its
mmap threshold (at most 32 MiB) with a fresh mapping and unmaps it on free. An Echo of 64 MiB
makes five such buffers in the daemon (grpcio's, the parse, the answer's pieces and join, grpcio's
again), so the faults, not the transport, set the price.

Here the main heap serves allocations up to MMAP_THRESHOLD and keeps up to TRIM_THRESHOLD of
free memory at its top, so the next canvas lands in pages that are already mapped. That memory
would otherwise stay with the daemon for good, so an idle trimmer gives it back: when a whole
period went by without a large message on either transport (they call `note_message`) and the
free heap did not move by a canvas's worth, it calls malloc_trim. Threads other than the main one keep glibc's defaults for anything above
64 MiB (their arenas cannot grow past that), so model weights, loaded on worker threads, are
placed as before. UNDERPAINT_HEAP_REUSE=0 leaves glibc's defaults alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading

log = logging.getLogger("underpaint.heap")

MMAP_THRESHOLD = 256 << 20   # a 4096x4096 RGBA canvas is 64 MiB; 8192x8192 RGBA stays mapped
TRIM_THRESHOLD = 1 << 30     # what one large call leaves free at the heap's top (~0.5 GiB measured)
SETTLED_BYTES = 16 << 20     # the free heap moving less than this in a period = no large buffers
LARGE_MESSAGE = 1 << 20      # a message this big counts as a transfer
IDLE_PERIOD_S = 10.0

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def _glibc():
    """libc when it is glibc with mallinfo2 (2.33+), else None: other allocators keep their ways."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018  (raises AttributeError on musl and others)
        libc.mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        return None
    return libc


_large_messages = 0


def note_message(size: int) -> None:
    """The transports call this for every message they parse or encode."""
    global _large_messages
    if size >= LARGE_MESSAGE:
        _large_messages += 1  # a lost increment between threads only delays a trim by a period


def resident_bytes() -> int:
    """This process's resident memory (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class IdleTrimmer:
    """Gives the kept heap back once large transfers have stopped (see the module doc).

    `check()` is one look; the thread calls it every `period_s`."""

    def __init__(self, libc, period_s: float = IDLE_PERIOD_S, settled_bytes: int = SETTLED_BYTES):
        self._libc = libc
        self._period_s = period_s
        self._settled_bytes = settled_bytes
        self._last_free: int | None = None
        self._free_after_trim = 0  # trim again only once large buffers have come and gone since
        self._messages_seen = -1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="underpaint-heap-trim", daemon=True)

    def start(self) -> "IdleTrimmer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def check(self) -> int:
        """Trims when the free heap is worth returning and has settled since the last look;
        returns the resident bytes given back (0 when it did not trim)."""
        free = self._libc.mallinfo2().fordblks
        last, self._last_free = self._last_free, free
        seen, self._messages_seen = self._messages_seen, _large_messages
        moving = last is None or abs(free - last) >= self._settled_bytes or seen != _large_messages
        if moving or free < self._free_after_trim + self._settled_bytes:
            return 0
        before = resident_bytes()
        self._libc.malloc_trim(0)
        returned = max(0, before - resident_bytes())
        self._last_free = self._free_after_trim = self._libc.mallinfo2().fordblks
        if returned:
            log.info("heap: returned %d MB of idle pixel buffers to the system", returned >> 20)
        return returned

    def _run(self) -> None:
        while not self._stop.wait(self._period_s):
            try:
                self.check()
            except Exception:  # never take the daemon down for a memory nicety
                log.exception("heap: idle trim failed")


_lock = threading.Lock()
_started: list = []  # [the trimmer or None] once keep_large_buffers has run in this process


def keep_large_buffers(period_s: float | None = None) -> IdleTrimmer | None:
    """Once per process: the daemon at start, and a long-lived client that moves canvases
    (`Client(reuse_buffers=True)`); later calls return the first answer. Returns the running
    trimmer, or None where nothing was changed (not glibc, or UNDERPAINT_HEAP_REUSE=0)."""
    with _lock:
        if not _started:
            _started.append(_start(period_s))
        return _started[0]


def _start(period_s: float | None) -> IdleTrimmer | None:
    if os.environ.get("UNDERPAINT_HEAP_REUSE", "1") == "0":
        log.info("heap: large buffers are mapped per call (UNDERPAINT_HEAP_REUSE=0)")
        return None
    libc = _glibc()
    if libc is None:
        return None
    if not (libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)):
        return None
    if period_s is None:
        period_s = float(os.environ.get("UNDERPAINT_HEAP_IDLE_S", IDLE_PERIOD_S))
    log.info("heap: large buffers are reused between calls and returned after %.0f s without transfers",
             period_s)
    return IdleTrimmer(libc, period_s).start()
