"""Where the plugin sources come from, and where builds go.

Two layouts, one interface:
- installed package (`pip install underpaint`): the wheel carries the plugin sources and the
  host kit as package data in underpaint/plugins/_sources/ (setup.py's build step copies them
  from plugins/), with the Photoshop panel already built (it needs Node.js to bundle). Builds
  go to the user data folder (e.g. ~/.local/share/underpaint/plugins), never into site-packages.
- source checkout (editable install, or running from the repository): plugins/ at the
  repository root; builds go to dist/ there, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGED_SOURCES = PACKAGE_DIR / "_sources"
CHECKOUT_ROOT = PACKAGE_DIR.parents[2]  # daemon/underpaint/plugins -> the repository root
STUBS_DIR = PACKAGE_DIR.parent / "v1"
# Inside _sources/: the prebuilt UXP panel (a folder with manifest.json at its root).
PHOTOSHOP_PREBUILT = "photoshop/underpaint-photoshop"


class BuildError(Exception):
    """A build or install that cannot go on; the message says what is missing and what to do."""


@dataclass(frozen=True)
class SourceTree:
    plugins: Path                    # holds common/underpaint_kit, krita/, gimp/, blender/, ...
    stubs: Path                      # the protocol stubs (underpaint/v1)
    default_out: Path                # where `plugins build` writes without --out
    wheel_cache: Path                # downloaded protobuf wheels, kept for offline builds
    packaged: bool                   # True: installed package data; False: a source checkout

    @property
    def photoshop_prebuilt(self) -> Path | None:
        """The built UXP panel shipped in the package, if this tree has one."""
        folder = self.plugins / PHOTOSHOP_PREBUILT
        return folder if (folder / "manifest.json").is_file() else None

    @classmethod
    def find(cls) -> "SourceTree":
        if (PACKAGED_SOURCES / "common" / "underpaint_kit").is_dir():
            import platformdirs

            from .. import config

            cache = Path(platformdirs.user_cache_dir(config.APP, appauthor=False))
            return cls(PACKAGED_SOURCES, STUBS_DIR, config.data_dir() / "plugins",
                       cache / "wheels", packaged=True)
        if is_checkout(CHECKOUT_ROOT):
            return cls.checkout(CHECKOUT_ROOT)
        raise BuildError(f"no plugin sources: {PACKAGED_SOURCES} is missing (this underpaint package "
                         "was built without them; reinstall it with `pip install underpaint`, or "
                         "run from a source checkout)")

    @classmethod
    def checkout(cls, root: Path) -> "SourceTree":
        return cls(root / "plugins", STUBS_DIR, root / "dist", root / ".cache" / "wheels",
                   packaged=False)

    def with_plugins(self, plugins: Path) -> "SourceTree":
        """The same tree with plugin sources taken from another folder (tests, --plugins-dir)."""
        return SourceTree(Path(plugins), self.stubs, self.default_out, self.wheel_cache,
                          self.packaged)


def is_checkout(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() and (root / "plugins" / "common").is_dir()
