"""The newest board images kept decoded in memory, so a fetch right after a publish (the common
case: one host publishes, another fetches) costs no disk read and no decompression.

Keyed by digest, so an entry is valid for as long as the digest exists; bounded by bytes, least
recently used out first. Holds `bytes` only (immutable: callers cannot change what others get).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

DEFAULT_BUDGET = 256 * 1024**2


class HotPixels:
    def __init__(self, budget_bytes: int = DEFAULT_BUDGET):
        self.budget_bytes = budget_bytes
        self.used = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> bytes | None:
        with self._lock:
            rgba = self._items.get(digest)
            if rgba is not None:
                self._items.move_to_end(digest)
            return rgba

    def put(self, digest: str, rgba) -> None:
        if not isinstance(rgba, bytes) or len(rgba) > self.budget_bytes:
            return  # a mutable buffer could change under us; a giant image would flush the rest
        with self._lock:
            if digest in self._items:
                self._items.move_to_end(digest)
                return
            self._items[digest] = rgba
            self.used += len(rgba)
            while self.used > self.budget_bytes:
                _, old = self._items.popitem(last=False)
                self.used -= len(old)

    def drop(self, digest: str) -> None:
        with self._lock:
            old = self._items.pop(digest, None)
            if old is not None:
                self.used -= len(old)
