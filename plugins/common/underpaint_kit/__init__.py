"""Underpaint host kit: what a Krita, GIMP or Blender plugin needs to talk to the daemon.

Pure Python 3.10+, standard library plus the pure-Python protobuf runtime (vendored into each
built plugin by `underpaint plugins build`). See docs/plugins.md.
"""

from __future__ import annotations

from . import addons, capabilities, controls, faces, history, noise, pixels, policy, prompts, requests, training, upscale
from .daemon import Daemon, connect_daemon
from .errors import DaemonLacksFeature, DaemonNotRunning, DaemonTooOld, RequestRejected, UnderpaintError
from .jobs import JobOutcome, JobRunner
from .live import LiveSession
from .protocol import pb, pb_archive, pb_board
from .tls import TlsError

__version__ = "0.1.0"

__all__ = ["connect_daemon", "Daemon", "JobRunner", "JobOutcome", "LiveSession", "UnderpaintError",
           "DaemonNotRunning", "DaemonTooOld", "DaemonLacksFeature", "RequestRejected", "TlsError", "addons",
           "capabilities", "controls", "faces", "history", "noise",
           "pixels", "policy", "prompts", "requests", "training", "upscale", "pb", "pb_archive", "pb_board"]
