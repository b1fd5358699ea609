"""Test support, not part of Underpaint's public face: a real daemon on free loopback ports.

Used by the pytest fixtures, the benchmarks, and (via `python -m underpaint.testing`) the UXP
panel's node tests, so every suite exercises the daemon exactly as users run it.
"""

from .daemon_process import DaemonProcess

__all__ = ["DaemonProcess"]
