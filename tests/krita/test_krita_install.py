"""The two ways an artist installs the Krita plugin, each checked in real Krita:

- Tools ▸ Scripts ▸ Import Python Plugin from File… with the built zip: Krita's own importer
  (plugin_importer.py, shipped with Krita) run inside kritarunner, then the plugin loaded from
  where it put it;
- `underpaint plugins install krita`: then Krita itself (under Xvfb) must load the plugin from
  the pykrita folder the command chose, switched on by the kritarc line it wrote.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from krita_support import HERE, krita_env, require, run_logged, skip_without_pykrita

pytestmark = pytest.mark.slow
IMPORTER_CANDIDATES = [Path("/usr/share/krita/pykrita/plugin_importer/plugin_importer.py"),
                       Path("/usr/lib/krita/pykrita/plugin_importer/plugin_importer.py")]


def krita_importer() -> Path:
    found = [path for path in IMPORTER_CANDIDATES if path.is_file()]
    if not found:
        pytest.skip("Krita's plugin_importer.py not found (Debian: apt install krita)")
    return found[0]


def test_krita_import_python_plugin_from_file_accepts_the_built_zip(built_krita_plugin, tmp_path):
    kritarunner = require("kritarunner")
    zip_path = built_krita_plugin.parent / "underpaint-krita.zip"
    out = tmp_path / "import.json"
    env = krita_env(tmp_path / "home", QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(HERE),
                    UNDERPAINT_KRITA_ZIP=str(zip_path), UNDERPAINT_KRITA_IMPORTER=str(krita_importer()),
                    UNDERPAINT_IMPORT_OUT=str(out))
    done = run_logged([kritarunner, "-s", "importer_check", "-f", "main"], env, 300, tmp_path)
    log = done.stdout[-4000:] + done.stderr[-4000:]
    skip_without_pykrita(log)
    assert out.exists(), f"kritarunner wrote no report (rc {done.returncode}):\n{log}"
    report = json.loads(out.read_text())
    assert "error" not in report, report["error"]

    # "No plugins found in archive" was the failure: the importer must find exactly ours
    assert report["imported"] == [{"name": "underpaint_krita", "ui_name": "Underpaint",
                                   "module": "underpaint_krita/"}]
    files = set(report["files"])
    assert {"underpaint_krita.desktop", "underpaint_krita/__init__.py", "underpaint_krita/docker.py",
            "underpaint_krita/vendor/underpaint_kit/__init__.py",
            "underpaint_krita/vendor/underpaint_kit/stubs/underpaint_pb2.py",
            "underpaint_krita/vendor/google/protobuf/__init__.py"} <= files
    with __import__("zipfile").ZipFile(zip_path) as archive:  # everything in the zip arrived
        assert {n for n in archive.namelist() if not n.endswith("/")} == files
    assert report["setting"] == "true"
    assert report["overwrite_confirmations"] == ["underpaint_krita"]
    assert report["plugin_file"] == str(Path(report["pykrita"]) / "underpaint_krita" / "__init__.py")
    assert report["kit_file"].startswith(str(Path(report["pykrita"]) / "underpaint_krita" / "vendor"))
    assert report["kit_works"]


def test_plugins_install_krita_puts_it_where_krita_loads_it(tmp_path):
    xvfb_run = require("xvfb-run")
    krita = require("krita")
    home = tmp_path / "home"
    env = krita_env(home)
    done = subprocess.run([sys.executable, "-m", "underpaint.cli.main", "plugins", "install", "krita",
                           "--out", str(tmp_path / "built")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    pykrita = home / ".local" / "share" / "krita" / "pykrita"
    assert (pykrita / "underpaint_krita" / "__init__.py").is_file()

    # a test-only probe plugin beside it reports what Krita loaded, then quits Krita
    from underpaint.plugins import kritarc

    for source in (HERE / "install_probe").iterdir():
        copy = shutil.copytree if source.is_dir() else shutil.copy2
        copy(source, pykrita / source.name)
    rc = home / ".config" / "kritarc"
    rc.write_text(kritarc.set_value(rc.read_text(), "python", "enable_underpaint_install_probe", "true"))
    probe = tmp_path / "probe.json"
    env["UNDERPAINT_KRITA_PROBE"] = str(probe)
    run = run_logged([xvfb_run, "-a", krita, "--nosplash"], env, 400, tmp_path)
    log = run.stdout[-4000:] + run.stderr[-4000:]
    skip_without_pykrita(log)
    assert probe.exists(), f"the probe never reported (rc {run.returncode}):\n{log}"
    report = json.loads(probe.read_text())
    assert "error" not in report, report["error"]
    assert report["resources"] == str(home / ".local" / "share" / "krita")
    assert report["loaded_from"] == str(pykrita / "underpaint_krita" / "__init__.py")
    assert report["setting"] == "true"
    assert report["docker"] == ["underpaint_docker"]
