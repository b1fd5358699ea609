"""The generated protocol stubs, imported once here so the rest of the kit has one place to look.

A built plugin carries its own copy of the stubs inside the kit (underpaint_kit/stubs/, written by
`underpaint plugins build`), so the kit works as a sub-package too (Blender imports it relatively
from inside the extension). In a source checkout the kit uses the daemon package's stubs.
"""

from __future__ import annotations

import os

_here = os.path.dirname(os.path.abspath(__file__))
if os.path.isdir(os.path.join(os.path.dirname(_here), "google", "protobuf")):
    # Vendored beside its pure-Python runtime (Krita, GIMP): only that runtime is guaranteed to
    # match; a host's own compiled protobuf (if any) could be another version. Must be set
    # before google.protobuf loads.
    os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")

from google.protobuf.message import DecodeError  # noqa: E402

if os.path.isfile(os.path.join(_here, "stubs", "underpaint_pb2.py")):
    from .stubs import archive_pb2 as pb_archive  # noqa: E402
    from .stubs import board_pb2 as pb_board  # noqa: E402
    from .stubs import underpaint_pb2 as pb  # noqa: E402
else:  # a source checkout
    import underpaint.v1.archive_pb2 as pb_archive  # noqa: E402
    import underpaint.v1.board_pb2 as pb_board  # noqa: E402
    import underpaint.v1.underpaint_pb2 as pb  # noqa: E402

__all__ = ["pb", "pb_archive", "pb_board", "DecodeError"]
