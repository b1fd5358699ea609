"""Content-addressed pixel blobs on disk: one file per distinct image, named by its digest.

File layout: b"UPB1", a codec byte (b"z" = zlib, b"r" = raw), width and height (u32 big-endian),
then the RGBA8 pixels. zlib level 1 shrinks screenshots and flat art 10-100x and photos ~30%
for ~50 MB/s; pure noise (what random demo weights produce) does not shrink at all, so a sample
decides first and such images are stored raw instead of paying for a useless compression.
Photos and paintings shrink only to ~70-80% at level 1, for a second or more per 64 MiB canvas:
not worth delaying a publish for, so only images that at least halve are compressed.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from pathlib import Path

MAGIC = b"UPB1"
_HEADER = struct.Struct(">4scII")
_SAMPLE_BYTES = 256 * 1024
_WORTH_IT = 0.5  # compress only when the sample shrinks to below half


def digest(width: int, height: int, rgba: bytes) -> str:
    """sha256 over the size and the RGBA8 pixels, hex; equal images share one digest."""
    h = hashlib.sha256(struct.pack(">II", width, height))
    h.update(rgba)
    return h.hexdigest()


def pack(width: int, height: int, rgba: bytes) -> bytes:
    """The file contents for an image (compressed when that pays)."""
    sample = rgba[:_SAMPLE_BYTES]
    if sample and len(zlib.compress(sample, 1)) < _WORTH_IT * len(sample):
        return _HEADER.pack(MAGIC, b"z", width, height) + zlib.compress(rgba, 1)
    return _HEADER.pack(MAGIC, b"r", width, height) + rgba


def unpack(data: bytes) -> tuple[int, int, bytes]:
    magic, codec, width, height = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError("not a board blob")
    body = data[_HEADER.size:]
    rgba = zlib.decompress(body) if codec == b"z" else bytes(body)
    if len(rgba) != width * height * 4:
        raise ValueError(f"blob holds {len(rgba)} bytes, expected {width * height * 4}")
    return width, height, rgba


class BlobDir:
    """blobs/ab/cdef...: two-level fan-out keeps folders small.

    `share_with`: other blob folders (the board's, the archive's) on the same disk. Writing a digest
    one of them holds makes a hard link instead of a copy, so an image kept by both stores takes
    its bytes once, while each store still owns (and may delete) its own name for it."""

    def __init__(self, root: Path, share_with: tuple[Path, ...] = ()):
        self.root = root
        self.share_with = tuple(Path(p) for p in share_with)
        root.mkdir(parents=True, exist_ok=True)

    def path(self, digest_hex: str) -> Path:
        return self.root / digest_hex[:2] / digest_hex[2:]

    def write(self, digest_hex: str, packed: bytes) -> None:
        """Atomic: a crash leaves either no file or the whole file (plus a .tmp that open() sweeps)."""
        final = self.path(digest_hex)
        final.parent.mkdir(exist_ok=True)
        tmp = final.with_name(final.name + ".tmp")
        if self._link_shared(digest_hex, tmp):
            os.replace(tmp, final)
            return
        try:
            with open(tmp, "wb") as f:
                f.write(packed)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)  # a full disk must not keep the half-written file
            raise

    def _link_shared(self, digest_hex: str, tmp: Path) -> bool:
        for other in self.share_with:
            source = other / digest_hex[:2] / digest_hex[2:]
            try:
                tmp.unlink(missing_ok=True)
                os.link(source, tmp)
                return True
            except OSError:  # not there, another disk, or a file system without hard links
                continue
        return False

    def exists(self, digest_hex: str) -> bool:
        return self.path(digest_hex).exists()

    def read(self, digest_hex: str) -> bytes:
        return self.path(digest_hex).read_bytes()

    def remove(self, digest_hex: str) -> None:
        self.path(digest_hex).unlink(missing_ok=True)

    def sweep(self, keep: set[str]) -> int:
        """Removes leftovers of interrupted writes and files the index no longer knows."""
        removed = 0
        for sub in self.root.iterdir():
            if not sub.is_dir():
                continue
            for f in sub.iterdir():
                name = sub.name + f.name
                if f.name.endswith(".tmp") or name not in keep:
                    f.unlink(missing_ok=True)
                    removed += 1
        return removed

    def count(self) -> int:
        return sum(1 for sub in self.root.iterdir() if sub.is_dir() for _ in sub.iterdir())
