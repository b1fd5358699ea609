"""Errors the host kit raises. str(error) is a message a plugin can show the artist as is:
plain text, no Markdown (GIMP, Krita and Blender show backticks literally)."""

from __future__ import annotations


class UnderpaintError(Exception):
    """Base of every error the kit raises; str() is the artist-facing message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DaemonNotRunning(UnderpaintError):
    """Nothing answers at the daemon's address (or the connection broke)."""

    def __init__(self, address: str, detail: str = ""):
        message = (f"The Underpaint daemon is not running at {address}. "
                   "Start it with: underpaint serve")
        if detail:
            message += f" ({detail})"
        super().__init__(message)
        self.address = address
        self.detail = detail


class DaemonTooOld(UnderpaintError):
    """The daemon speaks another protocol major version than this plugin."""

    def __init__(self, protocol_major: int, daemon_version: str = ""):
        version = f" (daemon {daemon_version})" if daemon_version else ""
        newer = "this plugin" if protocol_major > 1 else "the daemon"
        super().__init__(
            f"The daemon speaks protocol v{protocol_major}{version}; this plugin needs v1 - "
            f"update {newer} (pip install -U underpaint, then: underpaint plugins build).")
        self.protocol_major = protocol_major
        self.daemon_version = daemon_version


class DaemonLacksFeature(UnderpaintError):
    """The daemon speaks protocol v1 but is older than a feature the request uses
    (capabilities.check); nothing was sent."""

    def __init__(self, features: list[str], daemon_version: str = ""):
        version = f" ({daemon_version})" if daemon_version else ""
        super().__init__(f"This Underpaint daemon{version} is too old for {', '.join(features)}. "
                         "Update it (pip install -U underpaint) and restart underpaint serve.")
        self.features = features
        self.daemon_version = daemon_version


class RequestRejected(UnderpaintError):
    """The daemon answered with an error. `code` is the Connect code, e.g. "invalid_argument";
    `message` is the daemon's own text (it names the offending field)."""

    def __init__(self, code: str, message: str):
        super().__init__(message or code)
        self.code = code

    def __repr__(self) -> str:
        return f"RequestRejected({self.code!r}, {self.message!r})"
