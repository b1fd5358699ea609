"""`underpaint plugins install` for Krita, GIMP and Photoshop: into fake homes, as the command a
user types (Linux) and through the same code with another platform's folders (Windows, macOS).
Blender's install is in test_blender_install.py; that Krita itself finds what was installed is
checked in real Krita by tests/krita/test_krita_install.py."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

from underpaint.plugins import kritarc
from underpaint.plugins.install import Installer, InstallError
from underpaint.plugins.locations import Platform

from install_helpers import files_under, home_env, run_cli

KRITARC = "[General]\nShowRootLayer=false\n\n[python]\nenable_other_plugin=true\n\n[MainWindow]\nState=AAA=\n"


def installer(platform, tmp_path, **kwargs) -> tuple[Installer, list]:
    lines = []
    return Installer(platform, out_dir=tmp_path / "built", log=lines.append, **kwargs), lines


def test_krita_install_enable_repeat_and_uninstall_on_linux(home, tmp_path):
    (home / ".config").mkdir()
    (home / ".config" / "kritarc").write_text(KRITARC, encoding="utf-8")
    env = home_env(home)
    pykrita = home / ".local" / "share" / "krita" / "pykrita"

    first = run_cli(env, "krita", out=tmp_path / "built")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert all(line.startswith("krita: ") for line in lines), lines
    assert f"krita: installed underpaint_krita 0.1.0 in {pykrita / 'underpaint_krita'}" in lines
    assert f"krita: wrote {pykrita / 'underpaint_krita.desktop'}" in lines
    assert any(line.startswith("krita: enabled the plugin in") for line in lines)
    assert (pykrita / "underpaint_krita" / "__init__.py").is_file()
    assert (pykrita / "underpaint_krita" / "vendor" / "underpaint_kit" / "stubs" / "underpaint_pb2.py").is_file()
    assert "X-KDE-Library=underpaint_krita" in (pykrita / "underpaint_krita.desktop").read_text()
    rc = (home / ".config" / "kritarc").read_text(encoding="utf-8")
    assert kritarc.read_value(rc, "python", "enable_underpaint_krita") == "true"
    assert kritarc.read_value(rc, "python", "enable_other_plugin") == "true"  # the rest is kept
    assert rc.replace("enable_underpaint_krita=true\n", "") == KRITARC

    again = run_cli(env, "krita", out=tmp_path / "built")
    assert again.returncode == 0, again.stderr
    assert not any(line.startswith(("krita: installed", "krita: updated", "krita: wrote", "krita: enabled"))
                   for line in again.stdout.splitlines()), again.stdout
    assert "(unchanged)" in again.stdout and "already enabled" in again.stdout
    assert (home / ".config" / "kritarc").read_text(encoding="utf-8") == rc

    gone = run_cli(env, "krita", "--uninstall", out=tmp_path / "built")
    assert gone.returncode == 0, gone.stderr
    assert not (pykrita / "underpaint_krita").exists()
    assert not (pykrita / "underpaint_krita.desktop").exists()
    assert (home / ".config" / "kritarc").read_text(encoding="utf-8") == KRITARC
    assert [line.split(" ", 2)[1] for line in gone.stdout.splitlines()] == ["removed", "removed", "disabled"]


def test_an_older_underpaint_install_is_updated_in_place(home, tmp_path):
    platform = Platform("linux", home, home_env(home))
    first, _ = installer(platform, tmp_path)
    first.run("krita")
    module = home / ".local/share/krita/pykrita/underpaint_krita"
    (module / "underpaint-build.json").unlink()          # as installs made before build info
    (module / "stale_module.py").write_text("old = 1\n")
    second, lines = installer(platform, tmp_path)
    second.run("krita")
    assert f"krita: updated underpaint_krita 0.1.0 in {module}" in lines
    assert not (module / "stale_module.py").exists()
    assert (module / "underpaint-build.json").is_file()


def test_something_else_in_the_way_is_never_replaced_or_removed(home, tmp_path):
    module = home / ".local/share/krita/pykrita/underpaint_krita"
    module.mkdir(parents=True)
    (module / "mine.py").write_text("precious = True\n")
    env = home_env(home)

    done = run_cli(env, "krita", out=tmp_path / "built")
    assert done.returncode == 1
    assert f"{module} exists and is not an Underpaint plugin" in done.stderr
    assert files_under(home / ".local") == ["share", "share/krita", "share/krita/pykrita",
                                            "share/krita/pykrita/underpaint_krita",
                                            "share/krita/pykrita/underpaint_krita/mine.py"]
    assert not (home / ".config" / "kritarc").exists()  # not switched on either

    done = run_cli(env, "krita", "--uninstall", out=tmp_path / "built")
    assert done.returncode == 1 and "left alone" in done.stderr
    assert (module / "mine.py").read_text() == "precious = True\n"

    # a desktop file of the same name that is someone else's is left alone too
    shutil.rmtree(module)
    (module.parent / "underpaint_krita.desktop").write_text("[Desktop Entry]\nX-KDE-Library=other\n")
    done = run_cli(env, "krita", out=tmp_path / "built")
    assert done.returncode == 1 and "is not Underpaint's" in done.stderr
    assert not module.exists()


def test_dry_run_says_what_it_would_do_and_changes_nothing(home, tmp_path):
    done = run_cli(home_env(home), "krita", "--dry-run", out=tmp_path / "built")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (f"krita: would install underpaint_krita 0.1.0 in "
                        f"{home}/.local/share/krita/pykrita/underpaint_krita")
    assert any(line.startswith("krita: would enable the plugin in") for line in lines)
    assert files_under(home) == []
    assert not (tmp_path / "built").exists()  # the build went to a temporary folder


def test_gimp_goes_into_every_gimp3_user_folder_with_the_run_bit(home, tmp_path):
    for version in ("2.10", "3.0", "3.2"):
        (home / ".config" / "GIMP" / version).mkdir(parents=True)
    flatpak = home / ".var" / "app" / "org.gimp.GIMP" / "config" / "GIMP" / "3.0"
    flatpak.mkdir(parents=True)
    done = run_cli(home_env(home), "gimp", out=tmp_path / "built")
    assert done.returncode == 0, done.stderr
    targets = [home / ".config/GIMP/3.0/plug-ins", home / ".config/GIMP/3.2/plug-ins",
               flatpak / "plug-ins"]
    for plug_ins in targets:
        main = plug_ins / "underpaint-gimp" / "underpaint-gimp.py"
        assert main.is_file() and os.stat(main).st_mode & stat.S_IXUSR, main
        assert (plug_ins / "underpaint-gimp" / "vendor" / "google" / "protobuf").is_dir()
    assert not (home / ".config/GIMP/2.10/plug-ins").exists()  # GIMP 2 cannot run it
    assert sum("installed underpaint-gimp" in line for line in done.stdout.splitlines()) == 3


def test_gimp_not_yet_started_gets_the_3_0_folder_and_a_note(home, tmp_path):
    platform = Platform("linux", home, home_env(home))
    inst, lines = installer(platform, tmp_path)
    inst.run("gimp")
    assert (home / ".config/GIMP/3.0/plug-ins/underpaint-gimp/underpaint-gimp.py").is_file()
    assert lines[0] == (f"gimp: {home}/.config/GIMP/3.0 does not exist yet (GIMP 3 has not been "
                        "started): creating it")


def test_krita_folders_moved_by_the_user_or_flatpak_are_followed(home, tmp_path):
    moved = tmp_path / "my krita resources"
    (home / ".config").mkdir()
    (home / ".config" / "kritarc").write_text(f"ResourceDirectory={moved}\n{KRITARC}")
    flatpak = home / ".var" / "app" / "org.kde.krita"
    (flatpak / "config").mkdir(parents=True)
    env = home_env(home, XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(tmp_path / "xdg-data"))
    inst, _ = installer(Platform("linux", home, env), tmp_path)
    inst.run("krita")
    assert (moved / "pykrita" / "underpaint_krita" / "__init__.py").is_file()
    assert not (tmp_path / "xdg-data" / "krita").exists()
    assert (flatpak / "data" / "krita" / "pykrita" / "underpaint_krita.desktop").is_file()
    flatpak_rc = (flatpak / "config" / "kritarc").read_text()
    assert kritarc.read_value(flatpak_rc, "python", "enable_underpaint_krita") == "true"


@pytest.mark.parametrize("system", ["windows", "macos"])
def test_windows_and_macos_folders(system, home, tmp_path):
    if system == "windows":
        env = {"APPDATA": str(home / "AppData" / "Roaming"), "LOCALAPPDATA": str(home / "AppData" / "Local"),
               "PATH": ""}
        pykrita = home / "AppData/Roaming/krita/pykrita"
        rc = home / "AppData/Local/kritarc"
        gimp = home / "AppData/Roaming/GIMP/3.0/plug-ins/underpaint-gimp"
        photoshop = home / "AppData/Local/underpaint/photoshop/underpaint-photoshop"
    else:
        env = {"PATH": ""}
        pykrita = home / "Library/Application Support/krita/pykrita"
        rc = home / "Library/Preferences/kritarc"
        gimp = home / "Library/Application Support/GIMP/3.0/plug-ins/underpaint-gimp"
        photoshop = home / "Library/Application Support/underpaint/photoshop/underpaint-photoshop"
    inst, lines = installer(Platform(system, home, env), tmp_path)
    inst.run("krita")
    inst.run("gimp")
    assert (pykrita / "underpaint_krita" / "vendor" / "underpaint_kit").is_dir()
    assert (pykrita / "underpaint_krita.desktop").is_file()
    assert kritarc.read_value(rc.read_text(), "python", "enable_underpaint_krita") == "true"
    assert (gimp / "underpaint-gimp.py").is_file()
    if shutil.which("node") and (inst.sources.plugins / "photoshop-uxp" / "node_modules" / "esbuild").is_dir():
        inst.run("photoshop")
        assert (photoshop / "manifest.json").is_file() and (photoshop / "index.js").is_file()
        assert lines[-1].startswith("photoshop: one step left: in Adobe's UXP Developer Tool, Add Plugin… → ")
        assert str(photoshop / "manifest.json") in lines[-1]
        inst.run("photoshop", uninstall=True)
        assert not photoshop.exists()


def test_all_skips_hosts_that_are_not_there(home, tmp_path):
    done = subprocess_all(home, tmp_path)
    assert done.returncode == 0, done.stderr
    assert [line.split(":")[0] for line in done.stdout.splitlines()] == ["krita", "gimp", "blender", "photoshop"]
    assert all(": skipped: " in line for line in done.stdout.splitlines())
    assert files_under(home) == []


def subprocess_all(home, tmp_path):
    return run_cli(home_env(home, path=str(tmp_path / "empty-bin")), "all", out=tmp_path / "built")


def test_errors_name_the_host_and_stop_only_that_host(home, tmp_path):
    (home / ".local/share/krita/pykrita/underpaint_krita").mkdir(parents=True)
    (home / ".local/share/krita/pykrita/underpaint_krita/x.py").write_text("")
    (home / ".config/GIMP/3.0").mkdir(parents=True)
    done = subprocess_all(home, tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("krita: error: ")
    assert (home / ".config/GIMP/3.0/plug-ins/underpaint-gimp/underpaint-gimp.py").is_file()


def test_installer_rejects_unknown_hosts(tmp_path):
    inst, _ = installer(Platform("linux", tmp_path, {}), tmp_path)
    with pytest.raises(InstallError, match="host: expected one of krita, gimp, blender, photoshop or all"):
        inst.run("paint")
