"""`underpaint plugins build`: layouts, vendor contents, the zips as the hosts' importers read
them, and that the vendored kit really runs under a bare host Python (no site packages)."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import zipfile
from pathlib import Path

import tomllib

import pytest

from underpaint.plugins import build as plugin_build
from underpaint.plugins import vendor
from underpaint.plugins.build import BuildError, build
from underpaint.plugins.cli import main as cli_main

from hostkit_helpers import REPO, run_in_host_python

KIT_ONLY = {"underpaint_kit/__init__.py", "underpaint_kit/connect.py", "underpaint_kit/pixels.py",
            "underpaint_kit/stubs/__init__.py", "underpaint_kit/stubs/underpaint_pb2.py",
            "underpaint_kit/stubs/board_pb2.py"}
KIT_FILES = KIT_ONLY | {"google/protobuf/__init__.py", "google/protobuf/internal/python_message.py",
                        "licenses/protobuf-LICENSE"}


def fake_plugins(root: Path) -> Path:
    """A minimal plugins/ tree in the real layouts, with the real kit beside it."""
    plugins = root / "plugins"
    (plugins / "common").mkdir(parents=True)
    (plugins / "common" / "underpaint_kit").symlink_to(REPO / "plugins" / "common" / "underpaint_kit")
    krita = plugins / "krita" / "underpaint_krita"
    krita.mkdir(parents=True)
    (krita / "__init__.py").write_text("NAME = 'krita'\n")
    (krita / "__pycache__").mkdir()
    (krita / "__pycache__" / "junk.pyc").write_bytes(b"junk")
    (plugins / "krita" / "underpaint_krita.desktop").write_text("[Desktop Entry]\n")
    gimp = plugins / "gimp" / "underpaint-gimp"
    gimp.mkdir(parents=True)
    (gimp / "underpaint-gimp.py").write_text("#!/usr/bin/env python3\n")
    (gimp / "underpaint-gimp.py").chmod(0o755)
    blender = plugins / "blender" / "underpaint_blender"
    blender.mkdir(parents=True)
    (blender / "blender_manifest.toml").write_text('id = "underpaint"\n')
    (blender / "__init__.py").write_text("")
    return plugins


def _parents(name: str):
    parts = name.rstrip("/").split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def assert_valid_pure_wheel(wheel: Path) -> None:
    """What installers (pip, Blender's wheel manager) check: WHEEL says pure, RECORD lists
    every file with its sha256."""
    import base64
    import csv
    import hashlib

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/WHEEL"))
        meta = archive.read(f"{info}/WHEEL").decode()
        assert "Root-Is-Purelib: true" in meta and "Tag: py3-none-any" in meta
        rows = list(csv.reader(archive.read(f"{info}/RECORD").decode().splitlines()))
        assert {row[0] for row in rows} == names
        for name, digest, size in rows:
            if name.endswith("RECORD"):
                continue
            data = archive.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={expected}" and int(size) == len(data), name
    assert "google/protobuf/__init__.py" in names
    assert not any(n.endswith((".so", ".pyd")) for n in names)


def zip_names(path: Path) -> set:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def test_fake_plugins_build_in_their_layouts(tmp_path):
    plugins = fake_plugins(tmp_path / "src")
    out = tmp_path / "dist"
    if shutil.which("node"):  # "all" builds what it can, then reports the missing panel
        with pytest.raises(BuildError, match="photoshop: cannot build"):
            build("all", out, plugins, log=lambda *a: None)
    else:  # without node the panel is skipped with a note
        assert build("all", out, plugins, log=lambda *a: None) == out

    krita = zip_names(out / "underpaint-krita.zip")
    assert {"underpaint_krita.desktop", "underpaint_krita/__init__.py"} <= krita
    # Krita's importer finds a plugin by its folder's own entry: every folder has one
    assert {"underpaint_krita/", "underpaint_krita/vendor/", "underpaint_krita/vendor/underpaint_kit/"} <= krita
    assert all(parent + "/" in krita for name in krita for parent in _parents(name))
    assert {f"underpaint_krita/vendor/{name}" for name in KIT_FILES} <= krita
    assert not any("__pycache__" in name or name.endswith(".so") for name in krita)

    gimp = zip_names(out / "underpaint-gimp.zip")
    assert "underpaint-gimp/underpaint-gimp.py" in gimp
    assert {f"underpaint-gimp/vendor/{name}" for name in KIT_FILES} <= gimp
    with zipfile.ZipFile(out / "underpaint-gimp.zip") as archive:
        mode = archive.getinfo("underpaint-gimp/underpaint-gimp.py").external_attr >> 16
    assert mode & stat.S_IXUSR, "GIMP only runs executable plug-ins"
    assert os.access(out / "gimp" / "underpaint-gimp" / "underpaint-gimp.py", os.X_OK)

    blender = zip_names(out / "underpaint-blender.zip")
    assert "blender_manifest.toml" in blender  # at the zip root, as Blender wants
    assert KIT_ONLY <= blender  # the kit is a sub-package of the extension ...
    assert not any(name.startswith(("vendor/", "google/")) for name in blender)
    with zipfile.ZipFile(out / "underpaint-blender.zip") as archive:  # ... protobuf a listed wheel
        manifest = tomllib.loads(archive.read("blender_manifest.toml").decode())
    assert manifest["id"] == "underpaint"
    (wheel,) = manifest["wheels"]
    assert wheel.startswith("./wheels/protobuf-") and wheel.endswith("-py3-none-any.whl")
    assert wheel[2:] in blender

    # the unpacked trees are there too, and a rebuild replaces rather than merges
    (out / "krita" / "underpaint_krita" / "stale.py").write_text("")
    build("krita", out, plugins, log=lambda *a: None)
    assert not (out / "krita" / "underpaint_krita" / "stale.py").exists()


def test_missing_plugin_source_fails_clearly(tmp_path):
    plugins = fake_plugins(tmp_path / "src")
    (plugins / "krita" / "underpaint_krita.desktop").unlink()
    with pytest.raises(BuildError, match=r"krita: cannot build, .*underpaint_krita\.desktop not found"):
        build("krita", tmp_path / "dist", plugins)
    with pytest.raises(BuildError, match="host: expected one of krita, gimp, blender, photoshop or all"):
        build("paint", tmp_path / "dist", plugins)


def test_main_reports_errors_with_exit_code(tmp_path, capsys):
    plugins = fake_plugins(tmp_path / "src")
    assert cli_main(["plugins", "build", "gimp", "--out", str(tmp_path / "dist"),
                     "--plugins-dir", str(plugins)]) == 0
    assert (tmp_path / "dist" / "underpaint-gimp.zip").is_file()
    assert cli_main(["plugins", "build", "blender", "--out", str(tmp_path / "d2"),
                     "--plugins-dir", str(tmp_path / "nowhere")]) == 1
    assert "blender: cannot build" in capsys.readouterr().err


def test_vendored_kit_runs_without_site_packages(kit_vendor):
    result = run_in_host_python(kit_vendor, """
        import underpaint_kit, google.protobuf
        from google.protobuf.internal import api_implementation
        req = underpaint_kit.requests.canvas_request("fill", (64, 64), bytes(64 * 64 * 4),
                                                     (0, 0, 64, 64), bytes(16), (8, 8, 4, 4))
        again = underpaint_kit.pb.GenerateRequest.FromString(req.SerializeToString())
        print(json.dumps({"kit": underpaint_kit.__file__, "protobuf": google.protobuf.__file__,
                          "impl": api_implementation.Type(), "sel_x": again.canvas.selection_x,
                          "sys_path": sys.path}))
    """)
    assert result["kit"].startswith(str(kit_vendor))
    assert result["protobuf"].startswith(str(kit_vendor))
    assert result["impl"] == "python"
    assert result["sel_x"] == 8


def test_offline_build_assembles_a_wheel_from_the_installed_protobuf(tmp_path, monkeypatch):
    # No index and an empty wheel cache: pip cannot download, the build falls back.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    messages = []
    cache = tmp_path / "empty-cache"
    vendor_dir = vendor.make_vendor(tmp_path / "vendor", wheel_cache=cache, log=messages.append)
    assert any("assembling it from the installed protobuf" in m for m in messages)
    assert not list((vendor_dir / "google").rglob("*.so"))
    (wheel,) = (cache / "assembled").glob("protobuf-*-py3-none-any.whl")
    assert_valid_pure_wheel(wheel)
    assert (vendor_dir / "licenses" / "protobuf-LICENSE").is_file()
    result = run_in_host_python(vendor_dir, """
        import underpaint_kit
        info = underpaint_kit.pb.Info.FromString(underpaint_kit.pb.Info(protocol_major=1).SerializeToString())
        print(json.dumps({"major": info.protocol_major}))
    """)
    assert result == {"major": 1}


INTERPRETERS = sorted({str(p) for p in Path("/root/.pyenv/versions").glob("3.1[0-3].*/bin/python3")}
                      | {"/usr/bin/python3"})


@pytest.mark.parametrize("python", INTERPRETERS)
def test_vendored_kit_imports_on_each_supported_python(kit_vendor, python):
    if not os.access(python, os.X_OK):
        pytest.skip(f"{python} is not installed on this machine")
    result = run_in_host_python(kit_vendor, """
        import underpaint_kit
        from underpaint_kit import pixels
        data = pixels.float_to_u8(pixels.u8_to_float(bytes(range(256)), srgb_decode=True), srgb_encode=True)
        print(json.dumps({"version": list(sys.version_info[:2]), "ok": data == bytes(range(256))}))
    """, python=python)
    assert result["ok"] and (3, 10) <= tuple(result["version"]) <= (3, 13)


@pytest.mark.parametrize("host", plugin_build.LAYOUTS)
def test_real_plugin_builds(host, tmp_path):
    layout = plugin_build.LAYOUTS[host]
    if not (REPO / "plugins" / host / layout.package).is_dir():
        pytest.skip(f"plugins/{host}/{layout.package} does not exist yet")
    zip_path = build(host, tmp_path, log=lambda *a: None)
    names = zip_names(zip_path)
    if host == "blender":  # kit inside the extension, protobuf as a wheel Blender installs
        assert "underpaint_kit/stubs/board_pb2.py" in names
        assert any(n.startswith("wheels/protobuf-") for n in names)
    else:
        prefix = layout.package + "/"
        assert f"{prefix}vendor/underpaint_kit/__init__.py" in names
        assert f"{prefix}vendor/google/protobuf/__init__.py" in names
    info = plugin_build.read_build_info(tmp_path / host / layout.package)
    assert info["host"] == host and info["product"] == "underpaint" and len(info["digest"]) == 64


def test_kit_works_as_a_sub_package_as_blender_imports_it(tmp_path):
    """Blender imports the kit as bl_ext.<repo>.underpaint_blender.underpaint_kit: its stubs must
    import relatively (board_pb2 depends on underpaint_pb2) and nothing may need a top-level
    `underpaint` package. protobuf comes from the wheel, unpacked as Blender's installer does."""
    from underpaint.plugins.sources import SourceTree

    addon = tmp_path / "site" / "bl_ext" / "user_default" / "addon"
    addon.mkdir(parents=True)
    for package in (addon.parent.parent, addon.parent, addon):
        (package / "__init__.py").write_text("")
    vendor.copy_kit(addon / "underpaint_kit", SourceTree.find())
    wheels = tmp_path / "wheels-site"
    with zipfile.ZipFile(vendor.protobuf_wheel(REPO / ".cache" / "wheels", log=lambda *a: None)) as w:
        w.extractall(wheels)
    result = run_in_host_python(tmp_path / "site", f"""
        sys.path.append({str(wheels)!r})
        from bl_ext.user_default.addon import underpaint_kit as kit
        entry = kit.pb_board.BoardEntry(channel="sketch", version=3)
        again = kit.pb_board.BoardEntry.FromString(entry.SerializeToString())
        print(json.dumps({{"channel": again.channel, "version": again.version,
                          "stubs": kit.pb.__name__, "top_level_underpaint": "underpaint" in sys.modules}}))
    """)
    assert result == {"channel": "sketch", "version": 3, "top_level_underpaint": False,
                      "stubs": "bl_ext.user_default.addon.underpaint_kit.stubs.underpaint_pb2"}


def test_manifest_gets_its_wheels_line_before_the_first_table():
    source = 'id = "x"\nwheels = ["./old.whl"]\n\n[permissions]\nnetwork = "yes"\n'
    result = tomllib.loads(plugin_build.with_wheels(source, ["protobuf-1-py3-none-any.whl"]))
    assert result == {"id": "x", "wheels": ["./wheels/protobuf-1-py3-none-any.whl"],
                      "permissions": {"network": "yes"}}


def test_build_info_digest_follows_the_files(tmp_path):
    plugins = fake_plugins(tmp_path / "src")
    digest = lambda: plugin_build.read_build_info(tmp_path / "out" / "gimp" / "underpaint-gimp")["digest"]
    build("gimp", tmp_path / "out", plugins, log=lambda *a: None)
    first = digest()
    build("gimp", tmp_path / "out", plugins, log=lambda *a: None)
    assert digest() == first  # same sources, same build: an install can say "unchanged"
    main = tmp_path / "out" / "gimp" / "underpaint-gimp" / "underpaint-gimp.py"
    main.chmod(0o644)
    assert plugin_build.tree_digest(main.parent) != first  # the run bit matters to GIMP: it counts
    (plugins / "gimp" / "underpaint-gimp" / "underpaint-gimp.py").chmod(0o644)  # lost in packaging
    (plugins / "gimp" / "underpaint-gimp" / "extra.py").write_text("x = 1\n")
    build("gimp", tmp_path / "out", plugins, log=lambda *a: None)
    assert digest() != first
    assert os.access(main, os.X_OK)  # the build puts the run bit back


def test_real_photoshop_panel_builds_through_node(tmp_path):
    source = REPO / "plugins" / "photoshop-uxp"
    if shutil.which("node") is None or not (source / "node_modules" / "esbuild").is_dir():
        pytest.skip("needs node and `npm ci` in plugins/photoshop-uxp")
    zip_path = build("photoshop", tmp_path, log=lambda *a: None)
    assert zip_path == tmp_path / "underpaint-photoshop.zip"
    assert {"manifest.json", "index.js", "index.html"} <= zip_names(zip_path)


def test_photoshop_without_its_source_fails_clearly(tmp_path):
    with pytest.raises(BuildError, match="photoshop: cannot build, .*build.mjs not found"):
        build("photoshop", tmp_path / "dist", tmp_path / "no-plugins")
