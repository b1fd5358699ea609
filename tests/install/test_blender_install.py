"""`underpaint plugins install blender` through real Blender code:

- Blender 4.2+: a `blender` stand-in on PATH that runs Blender's own `--version` and
  `--command extension` code from the bpy module (.venv-blender, Blender 5.0);
- the machine's Blender (Debian 12: 3.4, a legacy add-on; Debian 13: 4.3, an extension);
- no Blender at all: the extension unpacked into existing user folders, or instructions.
Each install is checked from a fresh Blender process reading the same user folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from install_helpers import REPO, home_env, run_cli

pytestmark = pytest.mark.slow
BPY_PYTHON = REPO / ".venv-blender" / "bin" / "python"
SYSTEM_BLENDER = shutil.which("blender")

STAND_IN = '''#!{python}
"""Stand-in for the blender executable: Blender {version} as the bpy module, running
Blender's own `--version` and `--command extension` code."""
import sys
args = sys.argv[1:]
import bpy
if args == ["--version"]:
    print("Blender", bpy.app.version_string)
    sys.exit(0)
if args[:2] == ["--command", "extension"]:
    from bl_pkg import bl_extension_cli
    sys.exit(bl_extension_cli.cli_extension_handler(args[2:]))
sys.exit("stand-in: unsupported arguments " + " ".join(args))
'''

# Asks a fresh Blender whether Underpaint is enabled in the saved preferences and imports.
STATE = textwrap.dedent('''
    import json, sys
    import bpy
    names = [n for n in bpy.context.preferences.addons.keys() if "underpaint" in n]
    if not names and bpy.app.version >= (4, 2, 0):  # the bpy module starts from factory prefs
        bpy.ops.wm.read_userpref()
        names = [n for n in bpy.context.preferences.addons.keys() if "underpaint" in n]
    kit = next((m for name, m in sys.modules.items() if name.endswith("underpaint_kit")), None)
    try:
        import google.protobuf
        protobuf = google.protobuf.__file__
    except ImportError:
        protobuf = None
    print("STATE" + json.dumps({"enabled": names, "protobuf": protobuf,
                                "kit_works": bool(kit and kit.pb.GenerateRequest(prompt="x").prompt == "x")}))
''')


def blender_state(command: list, env: dict) -> dict:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("STATE")]
    assert lines, f"no state reported (rc {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(lines[-1][len("STATE"):])


@pytest.fixture
def stand_in(tmp_path) -> Path:
    if not BPY_PYTHON.exists():
        pytest.skip(f"{BPY_PYTHON} missing: run scripts/setup-blender-venv (pip install bpy==5.0.1)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "blender"
    exe.write_text(STAND_IN.format(python=BPY_PYTHON, version="5.0"))
    exe.chmod(0o755)
    return bin_dir


def test_blender_4_2_plus_installs_through_its_extension_command(stand_in, home, tmp_path):
    env = home_env(home, path=f"{stand_in}:/usr/bin:/bin")
    extension = home / ".config/blender/5.0/extensions/user_default/underpaint_blender"

    done = run_cli(env, "blender", out=tmp_path / "built")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        f"blender: installed and enabled the extension with Blender 5.0 ({stand_in}/blender): "
        f"`blender --command extension install-file -r user_default -e {tmp_path}/built/underpaint-blender.zip`")
    assert (extension / "underpaint-build.json").is_file()
    state = blender_state([str(BPY_PYTHON), "-c", STATE], env)
    assert state["enabled"] == ["bl_ext.user_default.underpaint_blender"]
    assert state["kit_works"]
    # protobuf from the manifest's wheel, which Blender installed into its shared site-packages
    assert state["protobuf"].startswith(str(home / ".config/blender/5.0/extensions/.local/lib/"))

    again = run_cli(env, "blender", out=tmp_path / "built")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [f"blender: Blender 5.0 ({stand_in}/blender): already "
                                         f"installed in {extension} (unchanged)"]

    gone = run_cli(env, "blender", "--uninstall", out=tmp_path / "built")
    assert gone.returncode == 0, gone.stderr
    assert gone.stdout.startswith(f"blender: removed the extension {extension}")
    assert not extension.exists()
    state = blender_state([str(BPY_PYTHON), "-c", STATE], env)
    assert state["enabled"] == [] and state["protobuf"] is None  # Blender dropped the wheel too


def test_dry_run_asks_blender_its_version_and_installs_nothing(stand_in, home, tmp_path):
    done = run_cli(home_env(home, path=f"{stand_in}:/usr/bin:/bin"), "blender", "--dry-run",
                   out=tmp_path / "built")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"blender: would install and enable the extension with Blender 5.0 "
                                  f"({stand_in}/blender): `blender --command extension install-file")
    assert not (home / ".config").exists() and not (tmp_path / "built").exists()


@pytest.mark.skipif(SYSTEM_BLENDER is None, reason="no `blender` binary on PATH (apt install blender)")
def test_the_machines_blender_gets_the_plugin_enabled(home, tmp_path):
    env = home_env(home)
    done = run_cli(env, "blender", "--blender", SYSTEM_BLENDER, out=tmp_path / "built")
    if "No module named 'numpy'" in done.stdout + done.stderr:
        pytest.skip("the system Blender's Python lacks numpy (apt install python3-numpy)")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    state = blender_state([SYSTEM_BLENDER, "-b", "--python-expr", STATE], env)
    assert state["kit_works"]
    if "legacy add-on" in first:  # Blender before 4.2 (Debian 12's 3.4)
        addon = next(home.glob(".config/blender/*/scripts/addons/underpaint_blender"))
        assert first.startswith(f"blender: installed and enabled the legacy add-on in {addon} with Blender 3.")
        assert state["enabled"] == ["underpaint_blender"]
        # the bundled wheel, unpacked inside the add-on: nothing outside it was touched
        assert state["protobuf"].startswith(str(addon / "wheels" / "site"))
    else:
        assert "installed and enabled the extension" in first
        assert state["enabled"] == ["bl_ext.user_default.underpaint_blender"]

    again = run_cli(env, "blender", "--blender", SYSTEM_BLENDER, out=tmp_path / "built")
    assert again.returncode == 0 and "(unchanged" in again.stdout, again.stdout + again.stderr
    gone = run_cli(env, "blender", "--uninstall", "--blender", SYSTEM_BLENDER, out=tmp_path / "built")
    assert gone.returncode == 0, gone.stderr
    assert gone.stdout.startswith("blender: removed")
    assert not list(home.glob(".config/blender/*/scripts/addons/underpaint_blender"))
    assert not list(home.glob(".config/blender/*/extensions/user_default/underpaint_blender"))


def test_without_blender_the_extension_is_unpacked_into_existing_user_folders(home, tmp_path):
    (home / ".config/blender/4.3").mkdir(parents=True)
    (home / ".config/blender/3.6").mkdir(parents=True)  # too old for extensions: left alone
    env = home_env(home, path=str(tmp_path / "no-bin"))
    done = run_cli(env, "blender", out=tmp_path / "built")
    assert done.returncode == 0, done.stderr
    unpacked = home / ".config/blender/4.3/extensions/user_default/underpaint_blender"
    assert (unpacked / "blender_manifest.toml").is_file()
    assert list((unpacked / "wheels").glob("protobuf-*-py3-none-any.whl"))
    assert not (home / ".config/blender/3.6/extensions").exists()
    lines = done.stdout.splitlines()
    assert lines[0] == f"blender: installed underpaint_blender 0.1.0 in {unpacked}"
    assert "Edit ▸ Preferences ▸ Add-ons" in lines[-1]

    gone = run_cli(env, "blender", "--uninstall", out=tmp_path / "built")
    assert gone.returncode == 0 and not unpacked.exists(), gone.stderr


def test_without_blender_or_its_folders_the_steps_are_printed(home, tmp_path):
    done = run_cli(home_env(home, path=str(tmp_path / "no-bin")), "blender", out=tmp_path / "built")
    assert done.returncode == 1
    assert "no Blender found (not on PATH; pass --blender PATH)" in done.stderr
    assert f"Install from Disk… → {tmp_path}/built/underpaint-blender.zip" in done.stderr


def test_a_blender_option_that_is_not_blender_is_refused(home, tmp_path):
    done = run_cli(home_env(home), "blender", "--blender", "/bin/true", out=tmp_path / "built")
    assert done.returncode == 1
    assert "/bin/true did not answer `--version` like Blender does" in done.stderr
