"""Underpaint for Krita: registers the docker panel (Settings > Dockers > Underpaint).

Importing the package outside Krita (plain pytest) registers nothing, so the pure modules
(planning, pixel_depth) stay testable.
"""

from ._vendor import ensure_vendor_on_path

ensure_vendor_on_path()

try:
    from krita import Krita
except ImportError:  # not inside Krita
    Krita = None


def _register():
    from krita import DockWidgetFactory, DockWidgetFactoryBase

    from .docker import DOCKER_ID, UnderpaintDocker

    position = DockWidgetFactoryBase.DockPosition.DockRight
    Krita.instance().addDockWidgetFactory(DockWidgetFactory(DOCKER_ID, position, UnderpaintDocker))


if Krita is not None and Krita.instance() is not None:
    _register()
