"""One build step on top of pyproject.toml: the wheel carries the host plugins.

`underpaint plugins build|install` must work from an installed package, with no source
checkout. So building the wheel copies the plugin sources and the host kit from plugins/ into
underpaint/plugins/_sources/ (package data, same sub-folders as plugins/), and the Photoshop
panel already built (bundling it needs Node.js and its node modules, which a user's machine
lacks; without them the wheel goes without the panel and says so). Editable installs skip
this: they read plugins/ from the checkout.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
PLUGINS = ROOT / "plugins"
# plugins/<path> that an installed package needs to build the Python plugins
SHIPPED = ("common/underpaint_kit", "krita/underpaint_krita", "krita/underpaint_krita.desktop",
           "gimp/underpaint-gimp", "blender/underpaint_blender")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "vendor", "stubs", ".DS_Store")


class BuildPyWithPlugins(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "underpaint" / "plugins" / "_sources"
        if target.exists():
            shutil.rmtree(target)
        for path in SHIPPED:
            source = PLUGINS / path
            if source.is_dir():
                shutil.copytree(source, target / path, ignore=IGNORED)
            else:
                (target / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / path)
        self._photoshop_panel(target / "photoshop")

    def _photoshop_panel(self, dest: Path) -> None:
        source = PLUGINS / "photoshop-uxp"
        node = shutil.which("node")
        if node is None or not (source / "node_modules" / "esbuild").is_dir():
            self.warn("the Photoshop panel is not in this wheel: building it needs Node.js 20+ and "
                      "`npm ci` in plugins/photoshop-uxp")
            return
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run([node, str(source / "scripts" / "build.mjs"), scratch], cwd=source,
                           check=True, capture_output=True)
            shutil.copytree(Path(scratch) / "underpaint-photoshop", dest / "underpaint-photoshop")


setup(cmdclass={"build_py": BuildPyWithPlugins})
