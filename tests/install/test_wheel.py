"""The plugins ship inside the Python package: build the wheel from a copy of the sources, install
it into a fresh venv, and from there (no checkout anywhere in sight) build every plugin and
install the Krita plugin into a fake home.

The fresh venv gets the wheel with --no-deps and finds the dependencies (grpcio, protobuf, ...;
torch is 5 GB) through a plain path entry to the test environment's site-packages: a path, not a
site dir, so an editable install of the checkout there stays inert."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from install_helpers import REPO, files_under, home_env

pytestmark = pytest.mark.slow
COPY_IGNORED = shutil.ignore_patterns(".git", ".venv", ".venv-*", "dist", "build", ".cache",
                                      "node_modules", "__pycache__", ".pytest_cache", "*.egg-info")


def sources_under(folder: Path) -> list[str]:
    return [name for name in files_under(folder) if "__pycache__" not in name]


def run(command, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{command} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv python, its site-packages, the build log) for a venv holding only the wheel."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(REPO, source, ignore=COPY_IGNORED, symlinks=True)
    modules = REPO / "plugins" / "photoshop-uxp" / "node_modules"
    if modules.is_dir():  # lets the wheel carry the Photoshop panel prebuilt, as a release would
        (source / "plugins" / "photoshop-uxp" / "node_modules").symlink_to(modules.resolve())
    # the test environment's setuptools when it has one (Python 3.12+ venvs come without)
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    built = run([sys.executable, "-m", "pip", "wheel", source, "--no-deps", *isolation,
                 "--disable-pip-version-check", "-w", work / "wheelhouse", "-v"])
    (wheel,) = (work / "wheelhouse").glob("underpaint-*.whl")

    venv.EnvBuilder(with_pip=False).create(work / "venv")
    python = work / "venv" / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    import grpc

    (site / "zz-test-dependencies.pth").write_text(str(Path(grpc.__file__).parents[1]) + "\n")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", wheel])
    return python, site, built.stdout + built.stderr


def test_the_build_is_quiet_about_the_license_table(installed):
    _python, _site, log = installed
    assert "running build_py" in log  # the backend's own output is in the log ...
    assert "project.license` as a TOML table is deprecated" not in log  # ... without the warning
    assert "Photoshop panel is not in this wheel" not in log or not (
        REPO / "plugins" / "photoshop-uxp" / "node_modules" / "esbuild").is_dir()


def test_the_installed_package_builds_and_installs_the_krita_plugin(installed, tmp_path):
    python, site, _log = installed
    home = tmp_path / "home"
    home.mkdir()
    cache = home / ".cache" / "underpaint" / "wheels"  # spare the download when one is at hand
    for wheel in (REPO / ".cache" / "wheels").glob("protobuf-*-py3-none-any.whl"):
        cache.mkdir(parents=True, exist_ok=True)
        shutil.copy2(wheel, cache)
    env = home_env(home)
    before = sources_under(site)

    where = run([python, "-c", "import underpaint; print(underpaint.__file__)"], env=env, cwd=tmp_path)
    assert where.stdout.strip().startswith(str(site)), "not the installed wheel"

    done = run([python, "-m", "underpaint.cli.main", "plugins", "install", "krita"], env=env, cwd=tmp_path)
    pykrita = home / ".local" / "share" / "krita" / "pykrita"
    assert f"krita: installed underpaint_krita 0.1.0 in {pykrita / 'underpaint_krita'}" in done.stdout
    assert (pykrita / "underpaint_krita.desktop").is_file()
    assert (pykrita / "underpaint_krita" / "docker.py").is_file()
    assert (pykrita / "underpaint_krita" / "vendor" / "underpaint_kit" / "stubs" / "board_pb2.py").is_file()
    assert (pykrita / "underpaint_krita" / "vendor" / "google" / "protobuf" / "__init__.py").is_file()
    assert "enable_underpaint_krita=true" in (home / ".config" / "kritarc").read_text()

    # `plugins build` without --out writes to the user data folder, never into site-packages
    built = run([python, "-m", "underpaint.cli.main", "plugins", "build", "all"], env=env, cwd=tmp_path)
    out = home / ".local" / "share" / "underpaint" / "plugins"
    for name in ("krita", "gimp", "blender"):
        assert (out / f"underpaint-{name}.zip").is_file(), built.stdout + built.stderr
    if (REPO / "plugins" / "photoshop-uxp" / "node_modules" / "esbuild").is_dir():
        assert (out / "underpaint-photoshop" / "index.js").is_file()  # prebuilt in the wheel
    assert sources_under(site) == before
    assert not (tmp_path / "dist").exists()
