"""Daemons with a content policy: one locked at "blur" with a checker that flags every image,
one unlocked at "blur" with no checker installed. The session's plain `daemon` has no policy."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import RunningDaemon

from .safety_checker import FLAG_ALL, write_checker

KIT_PARENT = Path(__file__).resolve().parents[2] / "plugins" / "common"
if str(KIT_PARENT) not in sys.path:
    sys.path.insert(0, str(KIT_PARENT))

SCHOOL_LIST = "Jane Doe | Джейн Доу\n# a comment line\nMax Mustermann | Макс Мустерман\n"


def models_with_checker(demo_models_dir: Path, folder: Path, threshold: float) -> Path:
    """The demo models (linked, not copied) plus a safety checker in safety/."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in demo_models_dir.iterdir():
        if item.name != "safety":
            (folder / item.name).symlink_to(item)
    write_checker(folder, threshold)
    return folder


@pytest.fixture(scope="session")
def locked_daemon(demo_models_dir, tmp_path_factory):
    """policy.toml in the config folder (found without --policy): blur, locked, built-in list,
    a relative blocklist file and blocked_terms; its checker flags every image."""
    from underpaint.testing import DaemonProcess

    home = tmp_path_factory.mktemp("locked-home")
    models = models_with_checker(demo_models_dir, home / "models", FLAG_ALL)
    config = home / "config" / "underpaint"
    config.mkdir(parents=True)
    (config / "school.txt").write_text(SCHOOL_LIST, encoding="utf-8")
    (config / "policy.toml").write_text(
        'image_check = "blur"\nlocked = true\n'
        'blocklists = ["builtin:celebrities", "school.txt"]\n'
        'blocked_terms = ["Sample Person"]\n', encoding="utf-8")
    process = DaemonProcess(models, home).start()
    yield RunningDaemon(process)
    process.stop()


@pytest.fixture(scope="session")
def unchecked_daemon(demo_models_dir, tmp_path_factory):
    """`serve --policy FILE`: blur, not locked, and no checker in the models folder."""
    from underpaint.testing import DaemonProcess

    home = tmp_path_factory.mktemp("unchecked-home")
    policy = home / "elsewhere" / "strict.toml"
    policy.parent.mkdir(parents=True)
    policy.write_text('image_check = "blur"\nblocked_terms = ["Sample Person"]\n', encoding="utf-8")
    process = DaemonProcess(demo_models_dir, home, ["--policy", str(policy)]).start()
    yield RunningDaemon(process)
    process.stop()
