"""`underpaint plugins build`: layouts, vendor contents, and that the vendored kit really runs
under a bare host Python (no site packages)."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from underpaint import plugin_build
from underpaint.plugin_build import BuildError, build, main

from hostkit_helpers import REPO, run_in_host_python

KIT_FILES = {"underpaint_kit/__init__.py", "underpaint_kit/connect.py", "underpaint_kit/pixels.py",
             "underpaint/__init__.py", "underpaint/v1/__init__.py",
             "underpaint/v1/underpaint_pb2.py", "underpaint/v1/board_pb2.py",
             "google/protobuf/__init__.py", "google/protobuf/internal/python_message.py",
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
    assert {f"vendor/{name}" for name in KIT_FILES} <= blender

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
    assert main(["gimp", "--out", str(tmp_path / "dist"), "--plugins-dir", str(plugins)]) == 0
    assert (tmp_path / "dist" / "underpaint-gimp.zip").is_file()
    assert main(["blender", "--out", str(tmp_path / "d2"),
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


def test_offline_build_copies_the_installed_protobuf(tmp_path, monkeypatch):
    # No index and an empty wheel cache: pip cannot download, the build falls back.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    messages = []
    vendor = plugin_build.make_vendor(tmp_path / "vendor", wheel_cache=tmp_path / "empty-cache",
                                      log=messages.append)
    assert any("copying pure-Python protobuf files" in m for m in messages)
    assert not list((vendor / "google").rglob("*.so"))
    result = run_in_host_python(vendor, """
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
    prefix = "" if layout.zip_contents_root else layout.package + "/"
    assert f"{prefix}vendor/underpaint_kit/__init__.py" in names
    assert f"{prefix}vendor/google/protobuf/__init__.py" in names


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
