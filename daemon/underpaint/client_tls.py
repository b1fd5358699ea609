"""How the Python client (CLI, benchmarks) decides on TLS and builds its gRPC credentials.

Three ways to trust the daemon: a CA file (`--ca-file`, e.g. from mkcert or a company CA), a pinned
SHA-256 fingerprint (`--fingerprint`, or the one the running daemon wrote to daemon.json), or the
system trust store (`--tls` alone). gRPC cannot pin a fingerprint itself, so the client fetches the
certificate once, compares its fingerprint, and then trusts exactly that certificate as the root.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from . import tls as tls_files


class TlsProblem(Exception):
    """A TLS setting or handshake problem, with a one-line reason for people."""


@dataclass
class TlsSettings:
    ca_file: str | None = None
    fingerprint: str | None = None   # canonical "AB:CD:..."
    source: str = ""                 # where the fingerprint came from, for messages


def choose(address: str, discovered: dict, tls: bool | None, ca_file: str | None,
           fingerprint: str | None) -> TlsSettings | None:
    """The TLS settings for `address`, or None for plain text (see Client's docstring)."""
    if fingerprint:
        try:
            return TlsSettings(ca_file, tls_files.normalize_fingerprint(fingerprint), "--fingerprint")
        except ValueError as error:
            raise TlsProblem(f"--{error}") from None
    if ca_file:
        try:
            with open(ca_file, "rb"):
                pass
        except OSError as error:
            raise TlsProblem(f"--ca-file {ca_file}: cannot read it ({error.strerror or error})") from None
        return TlsSettings(ca_file=ca_file)
    if tls is False:
        return None
    own = discovered if discovered.get("grpc") == address else {}
    if own.get("tls"):
        pinned = own.get("fingerprint")
        try:
            return TlsSettings(fingerprint=tls_files.normalize_fingerprint(pinned) if pinned else None,
                               source="daemon.json")
        except ValueError:
            return TlsSettings()
    return TlsSettings() if tls else None


def split_address(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise TlsProblem(f"address: expected HOST:PORT, got {address!r}")
    return host.strip("[]"), int(port)


def grpc_credentials(address: str, settings: TlsSettings):
    """(grpc.ChannelCredentials, extra channel options) for a TLS channel to `address`."""
    import grpc

    if settings.ca_file:
        with open(settings.ca_file, "rb") as f:
            return grpc.ssl_channel_credentials(root_certificates=f.read()), []
    if not settings.fingerprint:
        return grpc.ssl_channel_credentials(), []
    host, port = split_address(address)
    der = fetch_pinned(host, port, settings)
    names = tls_files.certificate_names(der)
    options = []
    if names and host.lower() not in {n.lower() for n in names}:
        options.append(("grpc.ssl_target_name_override", names[0]))  # the pin, not the name, is the check
    return grpc.ssl_channel_credentials(root_certificates=ssl.DER_cert_to_PEM_cert(der).encode()), options


def fetch_pinned(host: str, port: int, settings: TlsSettings) -> bytes:
    """The daemon's certificate, after checking it has the pinned fingerprint."""
    try:
        der = tls_files.fetch_peer_certificate(host, port)
    except ssl.SSLError as error:
        raise TlsProblem(f"no TLS handshake with {host}:{port} ({error.reason or error}); is the daemon "
                         "running with --tls?") from None
    except OSError as error:
        raise TlsProblem(f"cannot reach the Underpaint daemon at {host}:{port} ({error.strerror or error}): "
                         "is it running? Start it with `underpaint serve`.") from None
    got = tls_files.format_fingerprint(der)
    if got != settings.fingerprint:
        raise TlsProblem(f"the daemon at {host}:{port} presented a certificate with SHA-256 fingerprint {got}, "
                         f"not the pinned {settings.fingerprint} (from {settings.source}). If the daemon made "
                         "a new certificate, pin the fingerprint it logs at start; otherwise something is "
                         "intercepting the connection.")
    return der


def explain_failure(details: str, settings: TlsSettings | None) -> str | None:
    """A hint for an UNAVAILABLE that TLS on one side only would cause, or None."""
    lowered = details.lower()
    if settings is not None and any(w in lowered for w in ("ssl", "handshake", "certificate", "tls")):
        return (f"the TLS handshake failed ({details.strip().splitlines()[-1][:200]}); check --ca-file / "
                "--fingerprint, or drop --tls if the daemon serves plain text")
    if settings is None and any(w in lowered for w in ("socket closed", "connection reset", "end of tcp stream")):
        return ("the connection was closed during setup; if the daemon was started with --tls, connect with "
                "--tls (and --fingerprint or --ca-file)")
    return None
