"""IP-Adapter reference images (placeholder until loading lands)."""

from __future__ import annotations

import contextlib

from underpaint.errors import Unimplemented


@contextlib.contextmanager
def use_ip_adapters(model, pipe, uses, on_activity=None):
    if uses:
        raise Unimplemented("controls: reference images (IP-Adapter) are not supported yet")
    yield {}
