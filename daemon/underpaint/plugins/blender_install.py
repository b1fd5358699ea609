"""Installing the Blender plugin, by the means each Blender offers.

- Blender 4.2+: its own command, `blender --command extension install-file -r user_default -e
  ZIP`, which unpacks the extension, installs its bundled protobuf wheel and enables it.
  Uninstall: `blender --command extension remove user_default.underpaint_blender`.
- Blender 3.4-4.1 (Debian 12 ships 3.4): a legacy add-on. Blender itself (in background mode)
  copies the folder into its user add-ons folder, enables it and saves the preferences.
- No Blender executable found (pass --blender PATH): the extension is unpacked into each
  existing 4.2+ user folder's extensions/user_default/, to be enabled in Preferences ▸ Add-ons;
  with no such folder, the steps to do by hand are printed.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

from . import locations
from .build import read_build_info

EXTENSION_ID = "underpaint_blender"
REPO_ID = "user_default"
EXTENSIONS = (4, 2)
LEGACY_MINIMUM = (3, 4)

# Runs inside a Blender older than 4.2: argv after "--" is MODE SOURCE_FOLDER REPORT_JSON.
_LEGACY_SCRIPT = r'''
import json, os, shutil, sys
import addon_utils, bpy
mode, source, report_path = sys.argv[sys.argv.index("--") + 1:]
name = "underpaint_blender"
addons = bpy.utils.user_resource("SCRIPTS", path="addons", create=True)
dest = os.path.join(addons, name)
report = {"dest": dest}
def ours(folder):
    try:
        with open(os.path.join(folder, "underpaint-build.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"digest": None} if os.path.isdir(os.path.join(folder, "underpaint_kit")) else None
old = ours(dest) if os.path.exists(dest) else None
if os.path.exists(dest) and (old is None or os.path.islink(dest)):
    report["refused"] = True
elif mode == "install":
    new = ours(source)
    report["changed"] = not (old and new and old.get("digest") == new.get("digest"))
    if report["changed"]:
        addon_utils.disable(name, default_set=True)
        if os.path.exists(dest):
            shutil.rmtree(dest)
        shutil.copytree(source, dest)
        bpy.utils.refresh_script_paths()  # a user add-ons folder made just now joins sys.path
        addon_utils.modules_refresh()
    module = addon_utils.enable(name, default_set=True, persistent=True)
    report["enabled"] = module is not None
    bpy.ops.wm.save_userpref()
else:
    addon_utils.disable(name, default_set=True)
    bpy.ops.wm.save_userpref()
    report["changed"] = os.path.exists(dest)
    if report["changed"]:
        shutil.rmtree(dest)
with open(report_path, "w", encoding="utf-8") as f:
    json.dump(report, f)
'''


def blender_version(executable: str, env) -> tuple[int, int] | None:
    try:
        done = subprocess.run([executable, "--version"], capture_output=True, text=True,
                              env=dict(env), timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"Blender (\d+)\.(\d+)", done.stdout)
    return (int(match.group(1)), int(match.group(2))) if match else None


class BlenderInstall:
    def __init__(self, installer):
        self.i = installer
        self.platform = installer.platform

    def say(self, text):
        self.i.say("blender", text)

    def _executable(self):
        """(path, (major, minor)) of the Blender to use, or (None, None)."""
        candidates = [self.i.blender] if self.i.blender else locations.blender_binaries(self.platform)
        for exe in candidates:
            version = blender_version(exe, self.platform.env)
            if version:
                return exe, version
            if self.i.blender:
                raise self._error(f"{exe} did not answer `--version` like Blender does")
        return None, None

    def _error(self, message):
        from .install import InstallError

        return InstallError(message)

    # -- install --------------------------------------------------------------------------
    def install(self):
        exe, version = self._executable()
        if exe is None and not self.i.explicit and not locations.blender_version_folders(self.platform):
            self.say("skipped: no Blender found (not on PATH; pass --blender PATH)")
            return
        zip_path = self.i.built("blender")
        stage = self.i.out_dir / "blender" / EXTENSION_ID
        if exe is None:
            return self._unpack_without_blender(stage, zip_path)
        label = f"Blender {version[0]}.{version[1]} ({exe})"
        if version >= EXTENSIONS:
            return self._extension_command(exe, version, label, zip_path, stage)
        if version >= LEGACY_MINIMUM:
            return self._legacy(exe, label, "install", stage)
        raise self._error(f"{label} is too old: the plugin needs Blender 3.4 or newer (4.2+ best)")

    def _installed_extension(self, version) -> Path:
        user = locations.blender_user_folder(self.platform, f"{version[0]}.{version[1]}")
        return user / "extensions" / REPO_ID / EXTENSION_ID

    def _extension_command(self, exe, version, label, zip_path, stage):
        installed = self._installed_extension(version)
        old = read_build_info(installed)
        if installed.exists() and old is None and not (installed / "underpaint_kit").is_dir():
            raise self._error(f"{installed} exists and is not Underpaint's extension: left alone")
        new = read_build_info(stage)
        if old and new and old.get("digest") == new["digest"]:
            self.say(f"{label}: already installed in {installed} (unchanged)")
            return
        command = [exe, "--command", "extension", "install-file", "-r", REPO_ID, "-e", str(zip_path)]
        if not self.i.dry_run:
            self._run(command, label)
            now = read_build_info(installed)
            if installed.exists() and (now is None or now.get("digest") != new["digest"]):
                raise self._error(f"{label} reported success, but {installed} does not hold this build")
        self.i.act("blender", "install and enable", f"the extension with {label}: "
                   f"`blender --command extension install-file -r {REPO_ID} -e {zip_path}`")
        self.say("the Underpaint tab is in the Image Editor's and Shader Editor's sidebars (N)")

    def _legacy(self, exe, label, mode, stage):
        if self.i.dry_run:
            self.i.act("blender", "install and enable" if mode == "install" else "remove",
                       f"the legacy add-on {'in' if mode == 'install' else 'from'} the user "
                       f"add-ons folder of {label} (Blender before 4.2 has no extensions)")
            return
        with tempfile.TemporaryDirectory(prefix="underpaint-blender-") as scratch:
            script, report_path = Path(scratch) / "legacy.py", Path(scratch) / "report.json"
            script.write_text(_LEGACY_SCRIPT, encoding="utf-8")
            self._run([exe, "-b", "--python", str(script), "--", mode, str(stage), str(report_path)],
                      label)
            try:
                report = json.loads(report_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise self._error(f"{label} ran the legacy install script but wrote no report") from None
        if report.get("refused"):
            raise self._error(f"{report['dest']} exists and is not Underpaint's add-on: left alone")
        if mode == "install":
            if not report.get("enabled"):
                raise self._error(f"{label} could not enable the add-on in {report['dest']}")
            if report.get("changed"):
                self.i.act("blender", "install and enable", f"the legacy add-on in {report['dest']} with {label}")
            else:
                self.say(f"{label}: already installed in {report['dest']} (unchanged, enabled)")
        elif report.get("changed"):
            self.i.act("blender", "remove and disable", f"the add-on {report['dest']} with {label}")
        else:
            self.say(f"nothing to remove in {Path(report['dest']).parent}")

    def _unpack_without_blender(self, stage, zip_path):
        folders = locations.blender_version_folders(self.platform, minimum=EXTENSIONS)
        if not folders:
            raise self._error(
                "no Blender found (not on PATH; pass --blender PATH) and no Blender 4.2+ user folder: "
                f"in Blender, Edit ▸ Preferences ▸ Get Extensions ▸ Install from Disk… → {zip_path}")
        for folder in folders:
            dest = folder / "extensions" / REPO_ID / EXTENSION_ID
            if not self.i.place_folder("blender", stage, dest):
                self.say(f"already in {dest} (unchanged)")
        self.say("no Blender executable found to enable it: enable Underpaint in Blender's "
                 "Edit ▸ Preferences ▸ Add-ons (Blender then installs its protobuf wheel)")

    # -- uninstall ------------------------------------------------------------------------
    def uninstall(self):
        exe, version = self._executable()
        if exe is not None and version >= EXTENSIONS:
            installed = self._installed_extension(version)
            if not installed.exists():
                self.say(f"nothing to remove in {installed.parent}")
                return
            if read_build_info(installed) is None and not (installed / "underpaint_kit").is_dir():
                raise self._error(f"{installed} is not Underpaint's extension: left alone")
            if not self.i.dry_run:
                self._run([exe, "--command", "extension", "remove", f"{REPO_ID}.{EXTENSION_ID}"],
                          f"Blender {version[0]}.{version[1]}")
            self.i.act("blender", "remove", f"the extension {installed} "
                       f"(`blender --command extension remove {REPO_ID}.{EXTENSION_ID}`)")
            return
        if exe is not None and version >= LEGACY_MINIMUM:
            return self._legacy(exe, f"Blender {version[0]}.{version[1]} ({exe})", "uninstall", None)
        folders = locations.blender_version_folders(self.platform, minimum=EXTENSIONS)
        for folder in folders:
            self.i.remove_folder("blender", folder / "extensions" / REPO_ID / EXTENSION_ID)
        if not folders:
            self.say("nothing to remove: no Blender found (not on PATH; pass --blender PATH) "
                     "and no Blender 4.2+ user folder")

    def _run(self, command, label):
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  env=dict(self.platform.env), timeout=600)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise self._error(f"{label}: `{' '.join(command[1:4])}` failed: {error}") from None
        output = (done.stdout + done.stderr).strip()
        if done.returncode != 0 or re.search(r"^(Error|Traceback)", output, re.MULTILINE):
            raise self._error(f"{label}: `{' '.join(map(str, command[1:]))}` failed "
                              f"(exit {done.returncode}):\n{output[-2000:]}")
        return done
