"""`underpaint plugins build [HOST] [--out DIR]`: packages the host plugins as each host installs them.

Output per host (in --out; default dist/ in a source checkout, else the user data folder's
plugins/): the installable zip, and beside it the unpacked tree (<out>/<host>/...) that tests,
`underpaint plugins install` and GIMP's plug-ins folder use.

- Krita, GIMP: the plugin folder with vendor/ inside (host kit + stubs, pure-Python protobuf),
  which the plugin puts first on sys.path. The zips list every folder as its own entry: Krita's
  importer only finds a plugin whose folder has one.
- Blender: an extension zip (manifest at its root) with the kit as a sub-package and protobuf
  as a bundled wheel listed in the manifest, so Blender installs it and no sys.path is touched.
- Photoshop: the UXP panel is JavaScript. From a checkout its node build bundles it
  (plugins/photoshop-uxp/scripts/build.mjs); an installed package ships it prebuilt.

Every built plugin carries underpaint-build.json (host, version, a digest of its files): the
installer uses it to recognise its own files and to say "unchanged" on a repeat install.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .sources import BuildError, SourceTree
from .vendor import IGNORED, copy_kit, make_vendor, protobuf_wheel

BUILD_INFO = "underpaint-build.json"


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
PHOTOSHOP_FOLDER = "underpaint-photoshop"


def build(host: str, out_dir=None, plugins_dir=None, wheel_cache=None, log=print,
          sources: SourceTree | None = None) -> Path:
    """Builds one host's plugin (or every host with host="all"); returns the zip's path
    (the output folder for "all"). The unpacked plugin lies in out_dir/<host>/<package>/."""
    sources = sources or SourceTree.find()
    if plugins_dir is not None:
        sources = sources.with_plugins(plugins_dir)
    out_dir = Path(out_dir) if out_dir else sources.default_out
    if host == "all":
        failures = []
        for name in HOSTS:
            if name == "photoshop" and sources.photoshop_prebuilt is None \
                    and shutil.which("node") is None:
                log("skipped photoshop: its build needs Node.js (`node` is not on PATH)")
                continue
            try:
                build(name, out_dir, None, wheel_cache, log, sources)
            except BuildError as error:
                failures.append(str(error))
        if failures:
            raise BuildError("\n".join(failures))
        return out_dir
    if host == "photoshop":
        return build_photoshop(out_dir, sources, log)
    if host not in LAYOUTS:
        raise BuildError(f"host: expected one of {', '.join(HOSTS)} or all, got {host!r}")
    layout = LAYOUTS[host]
    source = sources.plugins / host
    missing = [p for p in [source / layout.package] + [source / f for f in layout.extra_files]
               if not p.exists()]
    if missing:
        raise BuildError(f"{host}: cannot build, {', '.join(map(str, missing))} not found")
    cache = Path(wheel_cache) if wheel_cache else sources.wheel_cache

    stage = out_dir / host
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    package = stage / layout.package
    shutil.copytree(source / layout.package, package, ignore=IGNORED)
    for name in layout.extra_files:
        shutil.copy2(source / name, stage / name)
    if host == "gimp":  # GIMP runs only executable plug-ins; package data may have lost the bit
        main = package / f"{layout.package}.py"
        main.chmod(main.stat().st_mode | 0o111)
    if host == "blender":
        _bundle_for_blender(package, sources, cache, log)
    else:
        make_vendor(package / "vendor", sources, cache, log)
    write_build_info(package, host)

    zip_path = out_dir / layout.zip_name
    zip_tree(package if layout.zip_contents_root else stage, zip_path)
    log(f"built {host}: {zip_path} (unpacked: {package})")
    return zip_path


def _bundle_for_blender(package: Path, sources: SourceTree, cache: Path, log) -> None:
    """The kit as a sub-package (imported relatively) and protobuf as a wheel that Blender
    installs from the manifest, so another add-on's protobuf cannot shadow ours or vice versa."""
    copy_kit(package / "underpaint_kit", sources)
    wheel = protobuf_wheel(cache, log)
    (package / "wheels").mkdir()
    shutil.copy2(wheel, package / "wheels" / wheel.name)
    manifest = package / "blender_manifest.toml"
    manifest.write_text(with_wheels(manifest.read_text(encoding="utf-8"), [wheel.name]),
                        encoding="utf-8")


def with_wheels(manifest: str, wheel_names) -> str:
    """The manifest with `wheels = [...]` set (top-level keys must precede the first table)."""
    line = "wheels = [" + ", ".join(f'"./wheels/{name}"' for name in wheel_names) + "]\n"
    lines = [ln for ln in manifest.splitlines(keepends=True) if not re.match(r"\s*wheels\s*=", ln)]
    first_table = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("[")), len(lines))
    lines.insert(first_table, line + "\n" if first_table < len(lines) else line)
    return "".join(lines)


def build_photoshop(out_dir: Path, sources: SourceTree, log=print) -> Path:
    """The UXP panel: copied when the package ships it prebuilt, else bundled by its node build."""
    folder, zip_path = out_dir / PHOTOSHOP_FOLDER, out_dir / f"{PHOTOSHOP_FOLDER}.zip"
    prebuilt = sources.photoshop_prebuilt
    if prebuilt is not None:
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(prebuilt, folder, ignore=IGNORED)
    else:
        _node_build(out_dir, sources)
    write_build_info(folder, "photoshop")
    zip_tree(folder, zip_path, directories=False)  # UXP tools want the plain layout
    log(f"built photoshop: {zip_path} (unpacked: {folder})")
    return zip_path


def _node_build(out_dir: Path, sources: SourceTree) -> None:
    source = sources.plugins / PHOTOSHOP_SOURCE
    script = source / "scripts" / "build.mjs"
    if not script.is_file():
        hint = ("this package was built without the panel (Node.js was missing when its wheel "
                "was made)" if sources.packaged else "the panel's sources are missing")
        raise BuildError(f"photoshop: cannot build, {script} not found: {hint}")
    node = shutil.which("node")
    if node is None:
        raise BuildError("photoshop: the UXP panel's build needs Node.js 20+ (`node` is not on PATH)")
    if not (source / "node_modules" / "esbuild").is_dir():
        raise BuildError(f"photoshop: run `npm ci` in {source} first (the build bundles with esbuild)")
    out_dir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([node, str(script), str(out_dir.resolve())], cwd=source,
                            capture_output=True, text=True)
    if result.returncode != 0 or not (out_dir / PHOTOSHOP_FOLDER / "manifest.json").is_file():
        raise BuildError(f"photoshop: `node {script.name}` failed:\n"
                         f"{(result.stderr or result.stdout).strip()[-2000:]}")


def tree_digest(root: Path) -> str:
    """sha256 over every file's relative path, mode bits and bytes (the build info excluded)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != BUILD_INFO):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(b"x" if os.access(path, os.X_OK) else b"-")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def write_build_info(folder: Path, host: str) -> dict:
    from .. import __version__

    info = {"product": "underpaint", "host": host, "version": __version__,
            "digest": tree_digest(folder)}
    (folder / BUILD_INFO).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info


def read_build_info(folder: Path) -> dict | None:
    """The build info of an installed or built plugin folder; None if it is not ours."""
    try:
        info = json.loads((Path(folder) / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and info.get("product") == "underpaint" else None


def zip_tree(root: Path, zip_path: Path, directories: bool = True) -> None:
    """Zips root's contents (sorted, so rebuilds are identical apart from timestamps), keeping
    file modes (GIMP needs its main .py executable) and, with directories=True, an entry per
    folder (Krita's importer finds a plugin by its folder's entry)."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = zip_path.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            folder = Path(dirpath)
            if directories and folder != root:
                archive.write(folder, folder.relative_to(root).as_posix() + "/")
            for name in sorted(filenames):
                path = folder / name
                archive.write(path, path.relative_to(root).as_posix())
    tmp.replace(zip_path)
