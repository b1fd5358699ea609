"""Where each host looks, per platform (fake homes), and kritarc edits that keep the rest."""

from __future__ import annotations

from pathlib import Path

from underpaint.plugins import kritarc, locations
from underpaint.plugins.locations import Platform


def test_blender_executables_and_user_folders_per_platform(tmp_path):
    program_files = tmp_path / "Program Files"
    for version in ("4.1", "4.5", "3.6"):
        exe = program_files / "Blender Foundation" / f"Blender {version}" / "blender.exe"
        exe.parent.mkdir(parents=True)
        exe.write_text("")
    windows = Platform("windows", tmp_path / "home", {"ProgramFiles": str(program_files), "PATH": "",
                                                      "APPDATA": str(tmp_path / "roaming")})
    assert [Path(p).parent.name for p in locations.blender_binaries(windows)] == \
        ["Blender 4.5", "Blender 4.1", "Blender 3.6"]  # newest first
    assert locations.blender_user_folder(windows, "4.5") == tmp_path / "roaming/Blender Foundation/Blender/4.5"

    mac = Platform("macos", tmp_path / "home", {"PATH": ""})
    assert locations.blender_user_folder(mac, "4.2") == tmp_path / "home/Library/Application Support/Blender/4.2"

    linux = Platform("linux", tmp_path / "home", {"PATH": "", "BLENDER_USER_RESOURCES": str(tmp_path / "res")})
    assert locations.blender_user_folder(linux, "4.3") == tmp_path / "res"


def test_blender_version_folders_keep_only_extension_capable_ones(tmp_path):
    home = tmp_path / "home"
    for version in ("3.4", "4.1", "4.2", "4.10", "5.0", "config", "4.x"):
        (home / ".config" / "blender" / version).mkdir(parents=True)
    flatpak = home / ".var/app/org.blender.Blender/config/blender/4.3"
    flatpak.mkdir(parents=True)
    found = locations.blender_version_folders(Platform("linux", home, {}))
    assert [f.relative_to(home).as_posix() for f in found] == [
        ".config/blender/4.2", ".config/blender/4.10", ".config/blender/5.0",
        ".var/app/org.blender.Blender/config/blender/4.3"]


def test_gimp3_directory_replaces_the_user_folder(tmp_path):
    p = Platform("linux", tmp_path, {"GIMP3_DIRECTORY": str(tmp_path / "gimp-profile")})
    (profile,) = locations.gimp_profiles(p)
    assert profile.plug_ins == tmp_path / "gimp-profile" / "plug-ins" and not profile.found


def test_photoshop_folder_is_underpaints_own_data_folder(tmp_path):
    assert locations.photoshop_folder(Platform("linux", tmp_path, {"XDG_DATA_HOME": str(tmp_path / "d")})) == \
        tmp_path / "d/underpaint/photoshop/underpaint-photoshop"
    assert locations.photoshop_folder(Platform("windows", tmp_path, {"LOCALAPPDATA": str(tmp_path / "l")})) == \
        tmp_path / "l/underpaint/photoshop/underpaint-photoshop"


def test_kritarc_set_and_remove_keep_everything_else():
    text = "ResourceDirectory=/r\r\n[python]\r\nenable_a=true\r\n\r\n[MainWindow]\r\nState=x\r\n"
    added = kritarc.set_value(text, "python", "enable_b", "true")
    assert added == "ResourceDirectory=/r\r\n[python]\r\nenable_a=true\r\nenable_b=true\r\n\r\n[MainWindow]\r\nState=x\r\n"
    assert kritarc.set_value(added, "python", "enable_b", "false").count("enable_b") == 1
    assert kritarc.remove_key(added, "python", "enable_b") == text
    assert kritarc.read_value(text, "", "ResourceDirectory") == "/r"
    assert kritarc.read_value(text, "MainWindow", "enable_a") is None
    # no [python] group yet, no final newline: a group is appended after a blank line
    assert kritarc.set_value("[General]\nx=1", "python", "k", "v") == "[General]\nx=1\n\n[python]\nk=v\n"
    assert kritarc.set_value("", "python", "k", "v") == "[python]\nk=v\n"
    assert kritarc.remove_key(text, "python", "absent") == text


def test_krita_resource_folder_moved_on_windows_is_read_back(tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    (local / "kritarc").write_text("ResourceDirectory=D:\\\\Art\\\\krita\n[python]\n")
    p = Platform("windows", tmp_path, {"APPDATA": str(tmp_path / "roaming"), "LOCALAPPDATA": str(local)})
    (profile,) = locations.krita_profiles(p)
    assert str(profile.resources) == "D:\\Art\\krita" and profile.kritarc == local / "kritarc"
