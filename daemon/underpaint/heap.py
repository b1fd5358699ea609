"""Keeping glibc's heap from growing with the image during long tiled work.

glibc's malloc raises its mmap threshold each time a large block is freed (up to 32 MiB), so a
tiled upscale's per-window arrays (a few MiB to tens of MiB, in several shapes at the image's
edges) end up on the heap, which fragments and keeps its pages: with the same window size the
process grew by ~250 MB more at 8k than at 1k (bench/upscale.py). That was retention, not live
data: with the threshold held at 4 MiB, blocks that size and above are mapped on their own and
go back to the system when freed, and 8k needed no more than 1k (bench/RESULTS.md). malloc_trim
after each window did not get there. Elsewhere (musl, macOS, Windows) this is a no-op.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools

M_MMAP_THRESHOLD = -3          # mallopt parameter (malloc.h)
TILED_WORK_THRESHOLD = 4 << 20
AFTERWARDS_THRESHOLD = 32 << 20  # where glibc's own dynamic threshold ends up (its maximum)


@functools.cache
def _mallopt():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt


@contextlib.contextmanager
def large_blocks_returned():
    """Within the block, freed blocks of 4 MiB and more go straight back to the system. Afterwards
    the threshold stays at 32 MiB, where glibc's own adjustment would have taken it: big model
    tensors keep being reused from the heap (mapping fresh pages for each costs time)."""
    mallopt = _mallopt()
    if mallopt is None or not mallopt(M_MMAP_THRESHOLD, TILED_WORK_THRESHOLD):
        yield False
        return
    try:
        yield True
    finally:
        mallopt(M_MMAP_THRESHOLD, AFTERWARDS_THRESHOLD)
