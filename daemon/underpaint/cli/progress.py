"""A one-line progress bar on stderr (no dependency; redraws in place on a terminal)."""

from __future__ import annotations

import sys


class ProgressBar:
    def __init__(self, stream=sys.stderr, width: int = 30):
        self._stream = stream
        self._width = width
        self._tty = stream.isatty()
        self._last = ""

    def show(self, text: str, fraction: float | None = None) -> None:
        if fraction is not None:
            filled = int(round(self._width * max(0.0, min(1.0, fraction))))
            text = f"[{'#' * filled}{'.' * (self._width - filled)}] {text}"
        if text == self._last:
            return
        self._last = text
        if self._tty:
            self._stream.write("\r" + text.ljust(self._width + 40))
        else:
            self._stream.write(text + "\n")
        self._stream.flush()

    def done(self) -> None:
        if self._tty and self._last:
            self._stream.write("\n")
            self._stream.flush()
