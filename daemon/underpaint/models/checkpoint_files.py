"""What a checkpoint file holds, read without loading its weights, and why a file is unusable.

Everything a model folder may contain is untrusted: half-finished downloads, hand-edited
headers, files of other tools. Each reader here either returns a well-formed index or raises
`Unusable` with a sentence a user can act on; nothing else escapes, so one bad file never stops
a scan.
"""

from __future__ import annotations

import json
import math
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path

MAX_HEADER_BYTES = 100 * 1024 * 1024

# safetensors dtypes and their sizes in bytes (the sub-byte float formats are left out: no SD
# checkpoint uses them, and a file that does is reported as unusable rather than misread)
DTYPE_BYTES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4,
    "I64": 8, "U64": 8, "F64": 8,
}


class Unusable(ValueError):
    """A file that looks like a model but cannot be used; str() says why, for people."""


@dataclass
class TensorIndex:
    """Names and shapes of a checkpoint's tensors, its metadata, and a way to read a small one."""

    path: Path
    shapes: dict[str, tuple[int, ...]]
    metadata: dict[str, str] = field(default_factory=dict)
    extras: dict[str, int] = field(default_factory=dict)  # e.g. a pickle's global_step
    _offsets: dict[str, tuple[str, int, int]] = field(default_factory=dict, repr=False)
    _tensors: dict | None = field(default=None, repr=False)

    def keys(self):
        return self.shapes.keys()

    def has_prefix(self, prefix: str) -> bool:
        return any(name.startswith(prefix) for name in self.shapes)

    def nbytes(self, prefixes: tuple[str, ...]) -> int:
        """Bytes of the tensors whose names start with one of `prefixes`."""
        if self._tensors is not None:
            return sum(t.numel() * t.element_size() for k, t in self._tensors.items() if k.startswith(prefixes))
        return sum(end - begin for k, (_, begin, end) in self._offsets.items() if k.startswith(prefixes))

    def tensors(self, prefixes: tuple[str, ...]) -> dict:
        """The tensors whose names start with one of `prefixes`, in memory (a pickle's stay
        memory-mapped): one component at a time, never the whole file."""
        names = [k for k in self.shapes if k.startswith(prefixes)]
        if self._tensors is not None:
            return {k: self._tensors[k] for k in names}
        from safetensors import safe_open

        with safe_open(str(self.path), framework="pt", device="cpu") as f:
            return {k: f.get_tensor(k) for k in names}

    def tensor(self, name: str):
        """One tensor as float32 (meant for small ones: biases, markers)."""
        import torch

        if self._tensors is not None:
            return self._tensors[name].float()
        dtype, begin, end = self._offsets[name]
        with open(self.path, "rb") as f:
            f.seek(begin)
            raw = f.read(end - begin)
        if len(raw) != end - begin:
            raise Unusable(f"tensor {name} is cut short (is the file truncated?)")
        torch_dtype = {"F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32,
                       "F64": torch.float64}.get(dtype)
        if torch_dtype is None:
            raise Unusable(f"tensor {name} has dtype {dtype}, expected a float")
        return torch.frombuffer(bytearray(raw), dtype=torch_dtype).float().reshape(self.shapes[name])


def check_regular_file(path: Path) -> int:
    """The file's size; Unusable for links to nowhere, pipes, devices and unreadable files
    (opening a named pipe would block the scan forever)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise Unusable("a link to a file that does not exist") from None
    except OSError as e:
        raise Unusable(f"cannot read it: {e.strerror or e}") from None
    if not stat.S_ISREG(info.st_mode):
        raise Unusable("not a regular file (a pipe, device or folder with a model's name)")
    return info.st_size


def read_safetensors(path: Path) -> TensorIndex:
    """Parse and check a .safetensors header: JSON object, string metadata, offsets that fit."""
    size = check_regular_file(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(8)
            if len(raw) < 8:
                raise Unusable(f"only {size} bytes long: not a safetensors file (an incomplete download?)")
            (length,) = struct.unpack("<Q", raw)
            if length > MAX_HEADER_BYTES:
                raise Unusable(f"its header claims {length:,} bytes: not a safetensors file, or a damaged one")
            if length > size - 8:
                raise Unusable(f"truncated: the header needs {length:,} bytes but only {size - 8:,} follow "
                               "(an incomplete download?)")
            text = f.read(length)
    except OSError as e:
        raise Unusable(f"cannot read it: {e.strerror or e}") from None
    try:
        header = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise Unusable(f"its header is not valid JSON ({e}): not a safetensors file, or a damaged one") from None
    if not isinstance(header, dict):
        raise Unusable(f"its header is a JSON {_json_kind(header)}, not an object: not a valid safetensors file")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in metadata.items()):
        raise Unusable("its __metadata__ is not a map of names to strings, as the safetensors format requires")
    data_bytes = size - 8 - length
    shapes, offsets, end_max = {}, {}, 0
    for name, info in header.items():
        dtype, shape, begin, end = _tensor_entry(name, info)
        shapes[name] = shape
        offsets[name] = (dtype, 8 + length + begin, 8 + length + end)
        end_max = max(end_max, end)
    if end_max > data_bytes:
        raise Unusable(f"truncated: its tensors need {end_max:,} bytes of data but only {data_bytes:,} follow "
                       "the header (an incomplete download?)")
    return TensorIndex(path=path, shapes=shapes, metadata=metadata, _offsets=offsets)


def _tensor_entry(name: str, info) -> tuple[str, tuple[int, ...], int, int]:
    bad = f"the header's entry for tensor '{name}' is malformed"
    if not isinstance(info, dict):
        raise Unusable(f"{bad} (a JSON {_json_kind(info)}, not an object)")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in DTYPE_BYTES:
        raise Unusable(f"{bad}: unknown dtype {dtype!r}")
    if not isinstance(shape, list) or not all(_whole(n) for n in shape):
        raise Unusable(f"{bad}: shape must be a list of whole numbers")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(_whole(n) for n in offsets)
            or offsets[0] > offsets[1]):
        raise Unusable(f"{bad}: data_offsets must be [begin, end]")
    if offsets[1] - offsets[0] != math.prod(shape) * DTYPE_BYTES[dtype]:
        raise Unusable(f"{bad}: its data_offsets do not match its dtype and shape")
    return dtype, tuple(shape), offsets[0], offsets[1]


def read_pickle(path: Path) -> TensorIndex:
    """Tensor names and shapes of a torch checkpoint (.ckpt/.pt), memory-mapped and with
    weights_only, so no code in the file runs. Top-level strings count as metadata."""
    import torch

    check_regular_file(path)
    try:
        data = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
    except RuntimeError as e:
        if "mmap" not in str(e):  # an old (non-zip) torch file cannot be mapped: read it whole
            raise Unusable(f"cannot read this checkpoint: {_first_line(e)}") from None
        data = _load_unmapped(path)
    except Exception as e:  # noqa: BLE001 - truncated zips, refused globals, garbage
        raise Unusable(f"cannot read this checkpoint: {_first_line(e)}") from None
    if not isinstance(data, dict):
        raise Unusable(f"holds a {type(data).__name__}, not a dictionary of tensors")
    top = data
    while isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]
    tensors = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}
    metadata = {k: v for k, v in top.items() if isinstance(k, str) and isinstance(v, str)}
    extras = {k: v for k, v in top.items() if isinstance(k, str) and type(v) is int}
    return TensorIndex(path=path, shapes={k: tuple(v.shape) for k, v in tensors.items()},
                       metadata=metadata, extras=extras, _tensors=tensors)


def _load_unmapped(path: Path):
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001
        raise Unusable(f"cannot read this checkpoint: {_first_line(e)}") from None


def read_json_object(path: Path, what: str) -> dict:
    """A JSON file that must hold an object; Unusable naming `what` otherwise."""
    if not path.exists() and not path.is_symlink():
        raise Unusable(f"{what} is missing")
    try:
        check_regular_file(path)  # a named pipe would block the scan
        value = json.loads(path.read_text(encoding="utf-8"))
    except Unusable as e:
        raise Unusable(f"{what}: {e}") from None
    except OSError as e:
        raise Unusable(f"cannot read {what}: {e.strerror or e}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise Unusable(f"{what} is not valid JSON ({e})") from None
    if not isinstance(value, dict):
        raise Unusable(f"{what} holds a JSON {_json_kind(value)}, not an object")
    return value


def _whole(n) -> bool:
    return type(n) is int and n >= 0


def _json_kind(value) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean",
            type(None): "null", dict: "object"}.get(type(value), type(value).__name__)


def _first_line(e: Exception) -> str:
    text = (str(e).strip().splitlines() or [""])[0]
    return f"{type(e).__name__}: {text}" if text else type(e).__name__
