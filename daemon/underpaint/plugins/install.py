"""`underpaint plugins install HOST [--uninstall] [--dry-run]`: puts each plugin where its host
looks for it, and switches it on where the host allows that from outside.

- Krita: <resources>/pykrita/ (underpaint_krita/ + underpaint_krita.desktop) and
  `[python] enable_underpaint_krita=true` in kritarc.
- GIMP 3: <user folder>/plug-ins/underpaint-gimp/ with its main script executable.
- Blender: blender_install.py (Blender's own extension command, or a legacy add-on).
- Photoshop: the UXP folder in Underpaint's data folder; loading it in the UXP Developer Tool
  is the one step left to the artist.

Rules: one printed line per action; a repeat install of the same build changes nothing and
says so; files that are not Underpaint's are never replaced or removed (their folder is named,
and the install of that host stops); --dry-run builds into a temporary folder and says what it
would do without touching any host folder.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from . import kritarc, locations
from .build import BUILD_INFO, LAYOUTS, build, read_build_info
from .locations import Platform
from .sources import BuildError, SourceTree

INSTALL_HOSTS = ("krita", "gimp", "blender", "photoshop")
KRITA_SWITCH = ("python", "enable_underpaint_krita")
_PAST = {"install": "installed", "update": "updated", "enable": "enabled", "remove": "removed",
         "disable": "disabled", "write": "wrote", "install and enable": "installed and enabled",
         "remove and disable": "removed and disabled"}


class InstallError(BuildError):
    """An install that must stop; the message says what was found and what to do."""


class Installer:
    def __init__(self, platform: Platform | None = None, sources: SourceTree | None = None,
                 out_dir=None, dry_run: bool = False, blender: str | None = None, log=print,
                 explicit: bool = True):
        self.platform = platform or Platform.current()
        self.sources = sources or SourceTree.find()
        self.out_dir = Path(out_dir) if out_dir else self.sources.default_out
        self.dry_run = dry_run
        self.blender = blender
        self.log = log
        self.explicit = explicit  # False for "all": hosts that are not there are skipped

    # -- reporting ------------------------------------------------------------------------
    def say(self, host: str, text: str) -> None:
        self.log(f"{host}: {text}")

    def act(self, host: str, verb: str, text: str) -> None:
        self.say(host, f"{'would ' + verb if self.dry_run else _PAST[verb]} {text}")

    # -- entry points ---------------------------------------------------------------------
    def run(self, host: str, uninstall: bool = False) -> None:
        if host not in INSTALL_HOSTS:
            raise InstallError(f"host: expected one of {', '.join(INSTALL_HOSTS)} or all, got {host!r}")
        method = getattr(self, f"{'uninstall' if uninstall else 'install'}_{host}")
        if self.dry_run and not uninstall:
            with tempfile.TemporaryDirectory(prefix="underpaint-dry-run-") as scratch:
                real_out, self.out_dir = self.out_dir, Path(scratch)
                try:
                    method()
                finally:
                    self.out_dir = real_out
        else:
            method()

    def built(self, host: str) -> Path:
        """Builds the host's plugin into the output folder; returns its zip."""
        return build(host, self.out_dir, log=lambda message: None, sources=self.sources)

    # -- Krita ----------------------------------------------------------------------------
    def install_krita(self) -> None:
        profiles = self._present(locations.krita_profiles(self.platform), "krita", "Krita",
                                 lambda p: f"{p.resources} or {p.kritarc}")
        if not profiles:
            return
        self.built("krita")
        stage = self.out_dir / "krita"
        for profile in profiles:
            module = profile.pykrita / "underpaint_krita"
            desktop = profile.pykrita / "underpaint_krita.desktop"
            self._check_desktop(desktop)
            changed = self.place_folder("krita", stage / "underpaint_krita", module)
            if desktop.is_file() and desktop.read_bytes() == (stage / desktop.name).read_bytes():
                pass
            else:
                if not self.dry_run:
                    shutil.copy2(stage / desktop.name, desktop)
                self.act("krita", "write", str(desktop))
                changed = True
            if not changed:
                self.say("krita", f"{profile.label}: already installed in {profile.pykrita} (unchanged)")
            self._set_krita_switch(profile.kritarc, "true")
        self.say("krita", "restart Krita; show the panel with Settings ▸ Dockers ▸ Underpaint")

    def uninstall_krita(self) -> None:
        for profile in locations.krita_profiles(self.platform):
            module = profile.pykrita / "underpaint_krita"
            desktop = profile.pykrita / "underpaint_krita.desktop"
            self._check_desktop(desktop)
            self.remove_folder("krita", module)
            if desktop.is_file():
                if not self.dry_run:
                    desktop.unlink()
                self.act("krita", "remove", str(desktop))
            self._set_krita_switch(profile.kritarc, None)

    def _check_desktop(self, desktop: Path) -> None:
        if desktop.exists() and b"X-KDE-Library=underpaint_krita" not in desktop.read_bytes():
            raise InstallError(f"{desktop} is not Underpaint's (no X-KDE-Library=underpaint_krita): "
                               "move it away, then run this again")

    def _set_krita_switch(self, rc: Path, value: str | None) -> None:
        text = rc.read_text(encoding="utf-8") if rc.is_file() else ""
        group, key = KRITA_SWITCH
        current = kritarc.read_value(text, group, key)
        if value is None:
            if current is None:
                return
            new_text, verb, what = kritarc.remove_key(text, group, key), "disable", "the plugin in"
        else:
            if current == value:
                self.say("krita", f"already enabled in {rc}")
                return
            new_text, verb, what = kritarc.set_value(text, group, key, value), "enable", "the plugin in"
        if not self.dry_run:
            rc.parent.mkdir(parents=True, exist_ok=True)
            rc.write_text(new_text, encoding="utf-8")
        self.act("krita", verb, f"{what} {rc} ([{group}] {key}{'=' + value if value else ''})")

    # -- GIMP -----------------------------------------------------------------------------
    def install_gimp(self) -> None:
        profiles = self._present(locations.gimp_profiles(self.platform), "gimp", "GIMP 3",
                                 lambda p: str(p.plug_ins.parent))
        if not profiles:
            return
        self.built("gimp")
        source = self.out_dir / "gimp" / LAYOUTS["gimp"].package
        for profile in profiles:
            if not profile.found:
                self.say("gimp", f"{profile.plug_ins.parent} does not exist yet (GIMP 3 has not "
                                 f"been started): {'would create' if self.dry_run else 'creating'} it")
            dest = profile.plug_ins / source.name
            if not self.place_folder("gimp", source, dest):
                self.say("gimp", f"{profile.label}: already installed in {dest} (unchanged)")
            elif not self.dry_run:
                main = dest / f"{source.name}.py"
                main.chmod(main.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        self.say("gimp", "restart GIMP; the filters are under Filters ▸ Underpaint")

    def uninstall_gimp(self) -> None:
        for profile in locations.gimp_profiles(self.platform):
            self.remove_folder("gimp", profile.plug_ins / LAYOUTS["gimp"].package)

    # -- Blender (blender_install.py) -----------------------------------------------------
    def install_blender(self) -> None:
        from .blender_install import BlenderInstall

        BlenderInstall(self).install()

    def uninstall_blender(self) -> None:
        from .blender_install import BlenderInstall

        BlenderInstall(self).uninstall()

    # -- Photoshop ------------------------------------------------------------------------
    def install_photoshop(self) -> None:
        if self.platform.system == "linux" and not self.explicit:
            self.say("photoshop", "skipped: Photoshop runs on Windows and macOS")
            return
        self.built("photoshop")
        dest = locations.photoshop_folder(self.platform)
        if not self.place_folder("photoshop", self.out_dir / "underpaint-photoshop", dest):
            self.say("photoshop", f"already written to {dest} (unchanged)")
        self.say("photoshop", "one step left: in Adobe's UXP Developer Tool, Add Plugin… → "
                              f"{dest / 'manifest.json'}, then Load; the panel is under "
                              "Plugins ▸ Underpaint")

    def uninstall_photoshop(self) -> None:
        if self.remove_folder("photoshop", locations.photoshop_folder(self.platform)):
            self.say("photoshop", "also remove Underpaint from the UXP Developer Tool's list")

    # -- shared ---------------------------------------------------------------------------
    def _present(self, profiles, host, name, where):
        """With "all", only the profiles whose host is there; an explicit host gets them all."""
        if self.explicit:
            return profiles
        found = [profile for profile in profiles if profile.found]
        if not found:
            self.say(host, f"skipped: no {name} here (no {', '.join(where(p) for p in profiles)}); "
                           f"`underpaint plugins install {host}` installs it anyway")
        return found

    def place_folder(self, host: str, source: Path, dest: Path) -> bool:
        """Copies source to dest, replacing an earlier Underpaint install; False if dest
        already holds this very build. Refuses to replace anything else."""
        if dest.is_symlink():
            raise InstallError(f"{dest} is a link (to {os.readlink(dest)}), not an install: "
                               "remove the link to install a copy")
        new = read_build_info(source)
        old = owned_info(dest)
        if dest.exists():
            if old is None:
                raise InstallError(f"{dest} exists and is not an Underpaint plugin: move it away, "
                                   "then run this again")
            if new and old.get("digest") == new["digest"]:
                return False
        version = new.get("version", "?") if new else "?"
        if self.dry_run:
            self.act(host, "update" if dest.exists() else "install", f"{source.name} {version} in {dest}")
            return True
        dest.parent.mkdir(parents=True, exist_ok=True)
        fresh = dest.with_name(f".{dest.name}.underpaint-new")
        if fresh.exists():
            shutil.rmtree(fresh)
        shutil.copytree(source, fresh)
        verb = "install"
        if dest.exists():
            shutil.rmtree(dest)
            verb = "update"
        fresh.rename(dest)
        self.act(host, verb, f"{source.name} {version} in {dest}")
        return True

    def remove_folder(self, host: str, dest: Path) -> bool:
        if dest.is_symlink() or (dest.exists() and owned_info(dest) is None):
            raise InstallError(f"{dest} is not an Underpaint install: left alone")
        if not dest.exists():
            self.say(host, f"nothing to remove in {dest.parent}")
            return False
        if not self.dry_run:
            shutil.rmtree(dest)
        self.act(host, "remove", str(dest))
        return True


def owned_info(folder: Path) -> dict | None:
    """The build info of an Underpaint plugin folder; for installs made before builds carried
    one, a stand-in when the folder holds the host kit. None for anything else."""
    info = read_build_info(folder)
    if info is not None:
        return info
    if (folder / "vendor" / "underpaint_kit").is_dir() or (folder / "underpaint_kit").is_dir():
        return {"product": "underpaint", "digest": None}
    if (folder / "manifest.json").is_file() and \
            b'"org.underpaint.photoshop"' in (folder / "manifest.json").read_bytes():
        return {"product": "underpaint", "digest": None}
    return None


__all__ = ["Installer", "InstallError", "INSTALL_HOSTS", "BUILD_INFO", "owned_info"]
