"""The errors a procedure reports to the artist. Their own module, so that run_operation.py
(which dispatches every procedure) and board.py / gimp_document.py (which raise them) depend
on it instead of on each other."""

from __future__ import annotations

import _vendor

_vendor.activate()

from underpaint_kit import UnderpaintError  # noqa: E402


class OperationError(UnderpaintError):
    """A problem the artist can fix (no selection, bad arguments); str() says how."""


class OperationCancelled(UnderpaintError):
    """The job was cancelled before it produced anything."""
