"""Where the daemon is and which token it wants, the same way the daemon itself decides.

Order: explicit argument -> environment variable -> files the daemon writes into the user config
dir (daemon.json, token) -> the default address. The config dir matches
platformdirs.user_config_dir("underpaint", appauthor=False) without needing platformdirs in a host.
"""

from __future__ import annotations

import json
import os
import sys

from .errors import UnderpaintError
from .tls import TlsSettings, normalize_fingerprint

DEFAULT_HTTP_ADDRESS = "127.0.0.1:50052"
APP_NAME = "underpaint"


def user_config_dir() -> str:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", "").strip()
        if not base:
            base = os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return os.path.join(base, APP_NAME)
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~/Library/Application Support"), APP_NAME)
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not base.strip():
        base = os.path.expanduser("~/.config")
    return os.path.join(base, APP_NAME)


def read_daemon_json(config_dir: str | None = None) -> dict:
    """The daemon.json the running daemon wrote, or {} when there is none (or it is unreadable)."""
    path = os.path.join(config_dir or user_config_dir(), "daemon.json")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def normalize_address(address: str) -> str:
    """Accepts "host:port" and also "http://host:port/" as people paste it."""
    address = address.strip()
    for prefix in ("http://", "https://"):
        if address.lower().startswith(prefix):
            address = address[len(prefix):]
    return address.rstrip("/")


def split_address(address: str) -> tuple[str, int]:
    """("host", port) from "host:port" or "[v6]:port"; ValueError names what is wrong."""
    host, sep, port = normalize_address(address).rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"address: expected host:port, got {address!r}")
    return host.strip("[]"), int(port)


def resolve_address(address: str | None = None) -> str:
    if address:
        return normalize_address(address)
    env = os.environ.get("UNDERPAINT_HTTP", "").strip()
    if env:
        return normalize_address(env)
    http = read_daemon_json().get("http")
    if isinstance(http, str) and http.strip():
        return normalize_address(http)
    return DEFAULT_HTTP_ADDRESS


def _scheme(address: str) -> str:
    address = address.strip().lower()
    return "https" if address.startswith("https://") else "http" if address.startswith("http://") else ""


def resolve_tls(address: str | None = None, tls: bool | None = None, ca_file: str | None = None,
                fingerprint: str | None = None) -> TlsSettings | None:
    """TLS settings for the daemon (None = plain http), decided in this order: a fingerprint to pin
    (argument, then $UNDERPAINT_FINGERPRINT), a CA file (argument, then $UNDERPAINT_CA_FILE), the
    scheme of the address given (argument, then $UNDERPAINT_HTTP), `tls`, and last what the running
    daemon wrote to daemon.json about its own address (TLS on, and its fingerprint to pin)."""
    source = "the fingerprint argument" if fingerprint else "$UNDERPAINT_FINGERPRINT"
    fingerprint = fingerprint or os.environ.get("UNDERPAINT_FINGERPRINT", "").strip()
    if fingerprint:
        return TlsSettings(fingerprint=normalize_fingerprint(fingerprint, "fingerprint"), source=source)
    ca_file = ca_file or os.environ.get("UNDERPAINT_CA_FILE", "").strip()
    if ca_file:
        if not os.path.isfile(ca_file):
            raise UnderpaintError(f"ca_file: {ca_file} is not a file")
        return TlsSettings(ca_file=ca_file)
    given = (address or os.environ.get("UNDERPAINT_HTTP", "")).strip()
    scheme = _scheme(given)
    if scheme == "http" or tls is False:
        return None
    info = read_daemon_json()
    own = not given or normalize_address(given) == info.get("http")
    if own and info.get("tls") is True:
        pinned = info.get("fingerprint")
        if isinstance(pinned, str) and pinned.strip():
            return TlsSettings(fingerprint=normalize_fingerprint(pinned, "daemon.json fingerprint"),
                               source="daemon.json")
        return TlsSettings()
    return TlsSettings() if scheme == "https" or tls else None


def resolve_token(token: str | None = None, token_file: str | None = None) -> str | None:
    if token:
        return token.strip()
    if token_file:  # asked for explicitly: a missing file is an error, not a fallback
        try:
            with open(token_file, encoding="utf-8") as f:
                return f.read().strip() or None
        except OSError as error:
            raise UnderpaintError(f"token_file: cannot read {token_file}: "
                                  f"{error.strerror or error}") from None
    env = os.environ.get("UNDERPAINT_TOKEN", "").strip()
    if env:
        return env
    try:
        with open(os.path.join(user_config_dir(), "token"), encoding="utf-8") as f:
            return f.read().strip() or None
    except OSError:
        return None
