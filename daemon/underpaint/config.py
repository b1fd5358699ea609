"""Where the daemon keeps things, and the shared secret for off-loopback clients.

Folders come from platformdirs so they land where each OS expects them. The host kit computes
the same config folder with the standard library alone (plugins/common), so keep the two in step.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP = "underpaint"
DEFAULT_GRPC_PORT = 50051
DEFAULT_HTTP_PORT = 50052
DEFAULT_HOST = "127.0.0.1"
# An 8k x 8k RGBA canvas (256 MiB) plus its selection (64 MiB) and framing must fit in one message.
MAX_MESSAGE_BYTES = 400 * 1024 * 1024


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def default_models_dir() -> Path:
    return data_dir() / "models"


def token_path(folder: Path | None = None) -> Path:
    return (folder or config_dir()) / "token"


def ensure_token(folder: Path | None = None) -> str:
    """Reads the token, creating it (readable by this user only) on first use."""
    path = token_path(folder)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class DaemonConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_GRPC_PORT
    http_port: int = DEFAULT_HTTP_PORT  # -1 = no gateway
    models_dir: Path = field(default_factory=default_models_dir)
    data_dir: Path = field(default_factory=data_dir)
    config_dir: Path = field(default_factory=config_dir)
    allow_pickle: bool = False
    board_budget_bytes: int = 2 * 1024**3
    archive: bool = True             # archive every result (a job can still opt out)
    archive_budget_bytes: int = 10 * 1024**3
    max_queue: int = 100  # jobs waiting or running; more are refused with RESOURCE_EXHAUSTED
    memory_budget_bytes: int | None = None  # loaded-pipeline LRU budget; None = from device memory
    allow_hosts: list[str] = field(default_factory=list)    # extra Host names the gateway answers to
    allow_origins: list[str] = field(default_factory=list)  # browser Origins allowed to call ("*" = any)
    tls: bool = False                # serve TLS on both transports (self-signed unless tls_cert is given)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    policy_file: Path | None = None  # the content policy; None = policy.toml in config_dir, if any
    cluster: object | None = None    # cluster.ClusterOptions: generation runs on Ray Serve replicas

    @property
    def require_token(self) -> bool:
        return not is_loopback(self.host)

    @property
    def use_tls(self) -> bool:
        return self.tls or self.tls_cert is not None


def write_discovery_file(cfg: DaemonConfig, grpc_port: int, http_port: int | None, version: str,
                         tls_fingerprint: str | None = None) -> Path:
    """daemon.json tells clients on this machine where the running daemon listens, and whether it
    speaks TLS (then `fingerprint` is the SHA-256 of its certificate, for clients to pin)."""
    host = "127.0.0.1" if cfg.host in ("0.0.0.0", "::", "") else cfg.host
    info = {"grpc": f"{host}:{grpc_port}", "pid": os.getpid(), "version": version,
            "tls": bool(tls_fingerprint)}
    if tls_fingerprint:
        info["fingerprint"] = tls_fingerprint
    if http_port:
        info["http"] = f"{host}:{http_port}"
    path = cfg.config_dir / "daemon.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(info, indent=2))
    tmp.replace(path)
    return path


def read_discovery_file(folder: Path | None = None) -> dict:
    try:
        return json.loads(((folder or config_dir()) / "daemon.json").read_text())
    except (OSError, ValueError):
        return {}
