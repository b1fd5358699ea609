"""Blender before 4.2 loads this as a legacy add-on and knows nothing of the manifest's wheels:
unpack the bundled protobuf wheel once, inside the add-on's folder, and put it on sys.path.

As a Blender 4.2+ extension (imported as bl_ext.<repository>.underpaint_blender) this does
nothing: Blender installs the wheels listed in blender_manifest.toml itself, which keeps one
protobuf for all extensions instead of each add-on's copy on sys.path.
"""
import glob
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def is_extension() -> bool:
    return (__package__ or "").startswith("bl_ext.")


def ensure_protobuf() -> None:
    if is_extension() or "google.protobuf" in sys.modules:
        return
    wheels = sorted(glob.glob(os.path.join(HERE, "wheels", "protobuf-*.whl")))
    if not wheels:
        return  # not a built add-on: whatever protobuf Python finds is used
    target = os.path.join(HERE, "wheels", "site")
    marker = os.path.join(target, os.path.basename(wheels[-1]) + ".unpacked")
    if not os.path.exists(marker):
        with zipfile.ZipFile(wheels[-1]) as archive:
            archive.extractall(target)
        with open(marker, "w", encoding="utf-8"):
            pass
    # Our runtime first, pure Python: a host's compiled protobuf could be another version.
    os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
    if target not in sys.path:
        sys.path.insert(0, target)
