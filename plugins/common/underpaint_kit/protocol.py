"""The generated protocol stubs, imported once here so the rest of the kit has one place to look.

In a built plugin they come from vendor/underpaint/v1 (stubs only) beside the pure-Python
protobuf runtime; in the repository from daemon/underpaint/v1.
"""

from __future__ import annotations

import os

_here = os.path.dirname(os.path.abspath(__file__))
if os.path.isdir(os.path.join(os.path.dirname(_here), "google", "protobuf")):
    # Vendored: only our pure-Python runtime is guaranteed to match; a host's own compiled
    # protobuf (if any) could be another version. Must be set before google.protobuf loads.
    os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")

from google.protobuf.message import DecodeError  # noqa: E402

import underpaint.v1.underpaint_pb2 as pb  # noqa: E402
import underpaint.v1.board_pb2 as pb_board  # noqa: E402

__all__ = ["pb", "pb_board", "DecodeError"]
