"""`underpaint plugins build [HOST] [--out DIR]`: packages the host plugins with their vendor/ folder.

A plugin's vendor/ folder holds everything its Python needs beyond the standard library: the host
kit (underpaint_kit), the pure-Python protobuf runtime (from the py3-none-any wheel, cached in
.cache/wheels/) and the protocol stubs (underpaint/v1/*_pb2.py, without grpc or connect code).
The plugin puts vendor/ first on sys.path before importing underpaint_kit.

Output per host (in --out, default dist/): the installable zip, and beside it the unpacked tree
(dist/<host>/...) that tests and GIMP's plug-ins folder use. The Photoshop UXP panel is
JavaScript: "photoshop" runs its node build (plugins/photoshop-uxp/scripts/build.mjs), which
writes dist/underpaint-photoshop/ and dist/underpaint-photoshop.zip.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
STUBS_DIR = Path(__file__).resolve().parent / "v1"
STUB_MODULES = ("underpaint_pb2.py", "board_pb2.py")
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".pytest_cache", "vendor",
                                  ".DS_Store")


class BuildError(Exception):
    """A build that cannot go on; the message says what is missing and what to do."""


@dataclass(frozen=True)
class HostLayout:
    package: str            # folder under plugins/<host>/ that becomes the plugin
    extra_files: tuple      # files beside it (plugins/<host>/...) that ship too
    zip_name: str
    zip_contents_root: bool  # zip the package's contents (blender) instead of the folder


LAYOUTS = {
    "krita": HostLayout("underpaint_krita", ("underpaint_krita.desktop",),
                        "underpaint-krita.zip", False),
    "gimp": HostLayout("underpaint-gimp", (), "underpaint-gimp.zip", False),
    "blender": HostLayout("underpaint_blender", (), "underpaint-blender.zip", True),
}
HOSTS = tuple(LAYOUTS) + ("photoshop",)
PHOTOSHOP_SOURCE = "photoshop-uxp"


def build(host: str, out_dir=None, plugins_dir=None, wheel_cache=None, log=print) -> Path:
    """Builds one host's plugin (or every host with host="all"); returns the zip's path
    (the output folder for "all"). The unpacked plugin lies in out_dir/<host>/<package>/."""
    out_dir = Path(out_dir) if out_dir else REPO_ROOT / "dist"
    plugins_dir = Path(plugins_dir) if plugins_dir else REPO_ROOT / "plugins"
    if host == "all":
        failures = []
        for name in HOSTS:
            if name == "photoshop" and shutil.which("node") is None:
                log("skipped photoshop: its build needs Node.js (`node` is not on PATH)")
                continue
            try:
                build(name, out_dir, plugins_dir, wheel_cache, log)
            except BuildError as error:
                failures.append(str(error))
        if failures:
            raise BuildError("\n".join(failures))
        return out_dir
    if host == "photoshop":
        return build_photoshop(out_dir, plugins_dir, log)
    if host not in LAYOUTS:
        raise BuildError(f"host: expected one of {', '.join(HOSTS)} or all, got {host!r}")
    layout = LAYOUTS[host]
    source = plugins_dir / host
    missing = [p for p in [source / layout.package] + [source / f for f in layout.extra_files]
               if not p.exists()]
    if missing:
        raise BuildError(f"{host}: cannot build, {', '.join(map(str, missing))} not found "
                         "(plugins are built from a source checkout of Underpaint)")

    stage = out_dir / host
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    package = stage / layout.package
    shutil.copytree(source / layout.package, package, ignore=_IGNORED)
    for name in layout.extra_files:
        shutil.copy2(source / name, stage / name)
    make_vendor(package / "vendor", plugins_dir, wheel_cache, log)

    zip_path = out_dir / layout.zip_name
    _zip_tree(package if layout.zip_contents_root else stage, zip_path)
    log(f"built {host}: {zip_path} (unpacked: {package})")
    return zip_path


def build_photoshop(out_dir: Path, plugins_dir: Path, log=print) -> Path:
    """The UXP panel is JavaScript: its own node build bundles it (no vendor folder)."""
    source = plugins_dir / PHOTOSHOP_SOURCE
    script = source / "scripts" / "build.mjs"
    if not script.is_file():
        raise BuildError(f"photoshop: cannot build, {script} not found "
                         "(plugins are built from a source checkout of Underpaint)")
    node = shutil.which("node")
    if node is None:
        raise BuildError("photoshop: the UXP panel's build needs Node.js 20+ (`node` is not on PATH)")
    if not (source / "node_modules" / "esbuild").is_dir():
        raise BuildError(f"photoshop: run `npm ci` in {source} first (the build bundles with esbuild)")
    out_dir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([node, str(script), str(out_dir.resolve())], cwd=source,
                            capture_output=True, text=True)
    zip_path = out_dir / "underpaint-photoshop.zip"
    if result.returncode != 0 or not zip_path.is_file():
        raise BuildError(f"photoshop: `node {script.name}` failed:\n"
                         f"{(result.stderr or result.stdout).strip()[-2000:]}")
    log(f"built photoshop: {zip_path} (unpacked: {out_dir / 'underpaint-photoshop'})")
    return zip_path


def make_vendor(dest, plugins_dir=None, wheel_cache=None, log=print) -> Path:
    """Writes a vendor folder (underpaint_kit, google/protobuf, underpaint/v1 stubs) at dest."""
    dest = Path(dest)
    plugins_dir = Path(plugins_dir) if plugins_dir else REPO_ROOT / "plugins"
    kit = plugins_dir / "common" / "underpaint_kit"
    if not kit.is_dir():
        kit = REPO_ROOT / "plugins" / "common" / "underpaint_kit"
    if not kit.is_dir():
        raise BuildError(f"the host kit {kit} is missing (build from a source checkout)")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(kit, dest / "underpaint_kit", ignore=_IGNORED)
    _write_stubs(dest / "underpaint")
    _write_protobuf(dest, Path(wheel_cache) if wheel_cache else REPO_ROOT / ".cache" / "wheels",
                    log)
    return dest


def _write_stubs(dest: Path) -> None:
    from underpaint import __version__

    (dest / "v1").mkdir(parents=True)
    (dest / "__init__.py").write_text(
        '"""Underpaint protocol stubs vendored into a host plugin (not the daemon package)."""\n'
        f'__version__ = "{__version__}"\n', encoding="utf-8")
    (dest / "v1" / "__init__.py").write_text("", encoding="utf-8")
    for name in STUB_MODULES:
        shutil.copy2(STUBS_DIR / name, dest / "v1" / name)


def protobuf_version() -> str:
    return importlib.metadata.version("protobuf")


def protobuf_wheel(cache: Path, log=print) -> Path | None:
    """The cached py3-none-any protobuf wheel matching this Python's protobuf, downloaded once;
    None when it cannot be had (offline)."""
    version = protobuf_version()
    wheel = cache / f"protobuf-{version}-py3-none-any.whl"
    if wheel.is_file():
        return wheel
    cache.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", f"protobuf=={version}", "--no-deps",
               "--only-binary=:all:", "--platform", "any", "--python-version", "3.10",
               "--implementation", "py", "--abi", "none", "--disable-pip-version-check",
               "--quiet", "-d", str(cache)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not wheel.is_file():
        log(f"warning: could not download the protobuf {version} wheel "
            f"({(result.stderr or result.stdout).strip().splitlines()[-1:]})")
        return None
    return wheel


def _write_protobuf(dest: Path, cache: Path, log) -> None:
    licenses = dest / "licenses"
    licenses.mkdir()
    wheel = protobuf_wheel(cache, log)
    if wheel is not None:
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.startswith("google/protobuf/"):
                    archive.extract(name, dest)
                elif name.endswith(".dist-info/LICENSE"):
                    (licenses / "protobuf-LICENSE").write_bytes(archive.read(name))
        return
    # Offline: the installed runtime's Python files behave the same with
    # PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python (the kit sets it when vendored).
    import google.protobuf

    installed = Path(google.protobuf.__file__).parent
    log(f"warning: copying pure-Python protobuf files from {installed} instead of the wheel")
    shutil.copytree(installed, dest / "google" / "protobuf",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", "*.dylib",
                                                  "testdata"))
    for path in importlib.metadata.files("protobuf") or ():
        if path.name == "LICENSE":
            shutil.copy2(path.locate(), licenses / "protobuf-LICENSE")


def _zip_tree(root: Path, zip_path: Path) -> None:
    """Zips root's contents (sorted, so rebuilds are identical apart from timestamps),
    keeping file modes (GIMP needs its main .py executable)."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = zip_path.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                archive.write(path, path.relative_to(root).as_posix())
    tmp.replace(zip_path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="underpaint plugins build",
        description="Package the host plugins with their vendored host kit and protobuf runtime.")
    parser.add_argument("host", nargs="?", default="all", choices=HOSTS + ("all",))
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: dist/ in the source checkout)")
    parser.add_argument("--plugins-dir", type=Path, default=None,
                        help="folder holding the plugin sources (default: plugins/)")
    args = parser.parse_args(argv)
    try:
        build(args.host, args.out, args.plugins_dir)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
