"""What a Python plugin carries beyond its own code: the host kit with the protocol stubs inside
it, and the pure-Python protobuf runtime as a py3-none-any wheel.

Krita and GIMP get a vendor/ folder (the kit plus the wheel's google/protobuf, unpacked) that the
plugin puts first on sys.path. Blender gets the kit as a sub-package of the extension and the
wheel itself, which Blender installs from the manifest's `wheels` list.

The wheel is the one matching this Python's protobuf (the stubs were generated for it). It comes
from the wheel cache, else pip downloads it once into the cache, else (offline, nothing cached) it
is assembled from the installed protobuf's Python files, which behave the same under
PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from .sources import BuildError, SourceTree

STUB_MODULES = ("underpaint_pb2.py", "board_pb2.py", "archive_pb2.py")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".pytest_cache", "vendor",
                                 "stubs", ".DS_Store")
# board_pb2 and archive_pb2 import their dependency absolutely; inside the kit it must be relative.
_STUB_IMPORT = "from underpaint.v1 import underpaint_pb2 as"
_STUB_IMPORT_RELATIVE = "from . import underpaint_pb2 as"


def make_vendor(dest, sources: SourceTree | None = None, wheel_cache=None, log=print) -> Path:
    """Writes a vendor folder (underpaint_kit with its stubs, google/protobuf, licenses) at dest."""
    dest = Path(dest)
    sources = sources or SourceTree.find()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    copy_kit(dest / "underpaint_kit", sources)
    wheel = protobuf_wheel(Path(wheel_cache) if wheel_cache else sources.wheel_cache, log)
    unpack_protobuf(wheel, dest)
    return dest


def copy_kit(dest: Path, sources: SourceTree) -> Path:
    """The host kit with the protocol stubs inside it (underpaint_kit/stubs/)."""
    kit = sources.plugins / "common" / "underpaint_kit"
    if not kit.is_dir():
        raise BuildError(f"the host kit {kit} is missing")
    shutil.copytree(kit, dest, ignore=IGNORED)
    stubs = dest / "stubs"
    stubs.mkdir()
    (stubs / "__init__.py").write_text(
        '"""Underpaint protocol stubs (underpaint.v1), copied here by `underpaint plugins build`."""\n',
        encoding="utf-8")
    for name in STUB_MODULES:
        text = (sources.stubs / name).read_text(encoding="utf-8")
        if name != "underpaint_pb2.py":
            if _STUB_IMPORT not in text:
                raise BuildError(f"{sources.stubs / name}: expected the line `{_STUB_IMPORT} ...` "
                                 "(regenerated stubs changed shape: update plugins/vendor.py)")
            text = text.replace(_STUB_IMPORT, _STUB_IMPORT_RELATIVE)
        (stubs / name).write_text(text, encoding="utf-8")
    return dest


def unpack_protobuf(wheel: Path, dest: Path) -> None:
    """google/protobuf/ from the wheel into dest, its licence into dest/licenses/."""
    licenses = dest / "licenses"
    licenses.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith("google/protobuf/") and not name.endswith("/"):
                archive.extract(name, dest)
            elif name.split("/")[0].endswith(".dist-info") and name.rsplit("/", 1)[-1] == "LICENSE":
                (licenses / "protobuf-LICENSE").write_bytes(archive.read(name))


def protobuf_version() -> str:
    return importlib.metadata.version("protobuf")


def protobuf_wheel_name() -> str:
    return f"protobuf-{protobuf_version()}-py3-none-any.whl"


def protobuf_wheel(cache: Path, log=print) -> Path:
    """The py3-none-any protobuf wheel matching this Python's protobuf: cached, else downloaded
    once into the cache, else (offline) assembled from the installed package."""
    version = protobuf_version()
    wheel = cache / protobuf_wheel_name()
    if wheel.is_file():
        return wheel
    cache.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", f"protobuf=={version}", "--no-deps",
               "--only-binary=:all:", "--platform", "any", "--python-version", "3.10",
               "--implementation", "py", "--abi", "none", "--disable-pip-version-check",
               "--retries", "1", "--timeout", "20", "--quiet", "-d", str(cache)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode == 0 and wheel.is_file():
        log(f"downloaded {wheel.name} into {cache} (kept for offline builds)")
        return wheel
    reason = ((result.stderr or result.stdout).strip().splitlines() or ["no output"])[-1]
    offline = cache / "assembled" / wheel.name
    log(f"warning: could not download {wheel.name} ({reason}); assembling it from the "
        f"installed protobuf's Python files instead: {offline}")
    return wheel_from_installed_protobuf(offline)


def wheel_from_installed_protobuf(dest: Path) -> Path:
    """A py3-none-any wheel of the installed protobuf's pure-Python files (no compiled
    extension), with a valid RECORD so installers such as Blender's accept it."""
    dist = importlib.metadata.distribution("protobuf")
    version = dist.version
    info = f"protobuf-{version}.dist-info"
    entries: list[tuple[str, bytes]] = []
    for path in sorted(dist.files or (), key=str):
        name = path.as_posix()
        if name.startswith("google/protobuf/") and name.endswith(".py"):
            entries.append((name, path.locate().read_bytes()))
        elif name.startswith(info + "/") and path.name in ("METADATA", "LICENSE"):
            entries.append((name, path.locate().read_bytes()))
    if not any(name == "google/protobuf/__init__.py" for name, _ in entries):
        raise BuildError("the installed protobuf has no Python sources to package")
    entries.append((f"{info}/WHEEL", (
        "Wheel-Version: 1.0\nGenerator: underpaint plugins build\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n").encode()))
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in entries]
    record.append(f"{info}/RECORD,,")
    entries.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    tmp.replace(dest)
    return dest


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
