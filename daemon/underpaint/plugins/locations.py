"""Where each host looks for plugins, on Linux, Windows and macOS.

Everything is computed from a `Platform` (system, home folder, environment) rather than from
the running process, so tests can ask about a Windows or macOS user with a fake home on Linux.
Sources: Krita's and GIMP's documented user folders, Blender's per-version config folders.
Flatpak installs (Linux) keep their own folders under ~/.var/app/<id>/; they are included when
that folder exists.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from . import kritarc

KRITA_FLATPAK = "org.kde.krita"
GIMP_FLATPAK = "org.gimp.GIMP"
BLENDER_FLATPAK = "org.blender.Blender"
GIMP_DEFAULT_VERSION = "3.0"


@dataclass(frozen=True)
class Platform:
    system: str                 # "linux", "windows" or "macos"
    home: Path
    env: Mapping[str, str]

    @classmethod
    def current(cls) -> "Platform":
        system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
        return cls(system, Path.home(), dict(os.environ))

    def _env_path(self, name: str, default: Path) -> Path:
        value = self.env.get(name, "")
        return Path(value) if value else default

    @property
    def xdg_config(self) -> Path:
        return self._env_path("XDG_CONFIG_HOME", self.home / ".config")

    @property
    def xdg_data(self) -> Path:
        return self._env_path("XDG_DATA_HOME", self.home / ".local" / "share")

    @property
    def appdata(self) -> Path:        # Windows: roaming application data
        return self._env_path("APPDATA", self.home / "AppData" / "Roaming")

    @property
    def local_appdata(self) -> Path:  # Windows: local application data
        return self._env_path("LOCALAPPDATA", self.home / "AppData" / "Local")

    @property
    def app_support(self) -> Path:    # macOS
        return self.home / "Library" / "Application Support"

    def flatpak(self, app_id: str) -> Path | None:
        """~/.var/app/<id> when that Flatpak app has been run (Linux only)."""
        folder = self.home / ".var" / "app" / app_id
        return folder if self.system == "linux" and folder.is_dir() else None

    def which(self, name: str) -> str | None:
        return shutil.which(name, path=self.env.get("PATH", ""))

    def user_data(self, app: str = "underpaint") -> Path:
        """The same folder platformdirs.user_data_dir(app, appauthor=False) gives."""
        if self.system == "windows":
            return self.local_appdata / app
        if self.system == "macos":
            return self.app_support / app
        return self.xdg_data / app


@dataclass(frozen=True)
class KritaProfile:
    label: str          # "Krita" or "Krita (Flatpak)"
    resources: Path     # Krita's resource folder; plugins live in its pykrita/
    kritarc: Path

    @property
    def pykrita(self) -> Path:
        return self.resources / "pykrita"

    @property
    def found(self) -> bool:
        return self.resources.is_dir() or self.kritarc.is_file()


def krita_profiles(p: Platform) -> list[KritaProfile]:
    """The native Krita's folders (and a Flatpak Krita's, when present). A resource folder
    moved in Settings ▸ Configure Krita ▸ General is read back from kritarc."""
    if p.system == "windows":
        profiles = [KritaProfile("Krita", p.appdata / "krita", p.local_appdata / "kritarc")]
    elif p.system == "macos":
        profiles = [KritaProfile("Krita", p.app_support / "krita",
                                 p.home / "Library" / "Preferences" / "kritarc")]
    else:
        profiles = [KritaProfile("Krita", p.xdg_data / "krita", p.xdg_config / "kritarc")]
        flatpak = p.flatpak(KRITA_FLATPAK)
        if flatpak:
            profiles.append(KritaProfile("Krita (Flatpak)", flatpak / "data" / "krita",
                                         flatpak / "config" / "kritarc"))
    resolved = []
    for profile in profiles:
        moved = kritarc.resource_directory(profile.kritarc)
        resolved.append(KritaProfile(profile.label, moved, profile.kritarc) if moved else profile)
    return resolved


@dataclass(frozen=True)
class GimpProfile:
    label: str
    plug_ins: Path      # GIMP's user plug-ins folder; each plug-in in its own sub-folder
    found: bool         # GIMP has created this user folder (it has been run)


def gimp_profiles(p: Platform) -> list[GimpProfile]:
    """GIMP 3's user plug-ins folders: every GIMP/3.x user folder that exists (3.0, 3.2, ...),
    else 3.0's, which GIMP creates on first start. $GIMP3_DIRECTORY replaces the user folder."""
    override = p.env.get("GIMP3_DIRECTORY", "")
    if override:
        folder = Path(override)
        return [GimpProfile("GIMP 3", folder / "plug-ins", folder.is_dir())]
    if p.system == "windows":
        roots = [("GIMP", p.appdata / "GIMP")]
    elif p.system == "macos":
        roots = [("GIMP", p.app_support / "GIMP")]
    else:
        roots = [("GIMP", p.xdg_config / "GIMP")]
        flatpak = p.flatpak(GIMP_FLATPAK)
        if flatpak:
            roots.append(("GIMP (Flatpak)", flatpak / "config" / "GIMP"))
    profiles = []
    for label, root in roots:
        versions = _version_folders(root, minimum=(3, 0), maximum=(3, 99))
        for version in versions:
            profiles.append(GimpProfile(f"{label} {version.name}", version / "plug-ins", True))
        if not versions and (label == "GIMP" or root.is_dir()):
            profiles.append(GimpProfile(f"{label} {GIMP_DEFAULT_VERSION}",
                                        root / GIMP_DEFAULT_VERSION / "plug-ins", False))
    return profiles


def blender_config_roots(p: Platform) -> list[Path]:
    """Folders holding Blender's per-version user folders (<root>/4.2/, <root>/4.3/ ...)."""
    if p.system == "windows":
        roots = [p.appdata / "Blender Foundation" / "Blender"]
    elif p.system == "macos":
        roots = [p.app_support / "Blender"]
    else:
        roots = [p.xdg_config / "blender"]
        flatpak = p.flatpak(BLENDER_FLATPAK)
        if flatpak:
            roots.append(flatpak / "config" / "blender")
    return roots


def blender_user_folder(p: Platform, version: str, root: Path | None = None) -> Path:
    """The user folder a Blender of `version` ("4.3") uses; $BLENDER_USER_RESOURCES (4.2+)
    replaces it for every version."""
    override = p.env.get("BLENDER_USER_RESOURCES", "")
    if override:
        return Path(override)
    return (root or blender_config_roots(p)[0]) / version


def blender_version_folders(p: Platform, minimum=(4, 2)) -> list[Path]:
    """Existing per-version user folders of Blenders new enough for extensions."""
    override = p.env.get("BLENDER_USER_RESOURCES", "")
    if override:
        return [Path(override)] if Path(override).is_dir() else []
    folders = []
    for root in blender_config_roots(p):
        folders += _version_folders(root, minimum=minimum, maximum=(99, 99))
    return folders


def blender_binaries(p: Platform) -> list[str]:
    """Blender executables: on PATH first, then the usual install places, newest first."""
    found = []
    on_path = p.which("blender")
    if on_path:
        found.append(on_path)
    if p.system == "windows":
        program_files = Path(p.env.get("ProgramFiles", r"C:\Program Files"))
        found += [str(exe) for exe in sorted(
            (program_files / "Blender Foundation").glob("Blender */blender.exe"),
            key=lambda exe: _version_key(exe.parent.name.split()[-1]), reverse=True)]
    elif p.system == "macos":
        for apps in (Path("/Applications"), p.home / "Applications"):
            exe = apps / "Blender.app" / "Contents" / "MacOS" / "Blender"
            if exe.is_file():
                found.append(str(exe))
    return list(dict.fromkeys(found))


def photoshop_folder(p: Platform) -> Path:
    """Where the UXP panel is written: Underpaint's own data folder (Photoshop loads it from
    anywhere through the UXP Developer Tool)."""
    return p.user_data() / "photoshop" / "underpaint-photoshop"


def _version_key(text: str) -> tuple:
    match = re.fullmatch(r"(\d+)\.(\d+)", text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else (-1, -1)


def _version_folders(root: Path, minimum, maximum) -> list[Path]:
    if not root.is_dir():
        return []
    folders = [f for f in root.iterdir() if f.is_dir() and minimum <= _version_key(f.name) <= maximum]
    return sorted(folders, key=lambda f: _version_key(f.name))
