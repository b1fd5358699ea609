"""TLS to the daemon with the standard library only (it runs inside Krita, GIMP and Blender).

Three ways to trust the daemon, as in the daemon's own CLI:
- a pinned SHA-256 fingerprint: the one the running daemon wrote to daemon.json (automatic on the
  same machine), or $UNDERPAINT_FINGERPRINT, or the `fingerprint` argument. The certificate is not
  checked against any CA then; its fingerprint is the check.
- a CA file ($UNDERPAINT_CA_FILE or `ca_file`), e.g. from mkcert or a company CA;
- the system trust store, for an `https://` address with neither.
"""

from __future__ import annotations

import hashlib
import http.client
import ssl
from dataclasses import dataclass

from .errors import UnderpaintError


class TlsError(UnderpaintError):
    """TLS could not be set up, or the daemon's certificate is not the one trusted."""


@dataclass
class TlsSettings:
    ca_file: str | None = None
    fingerprint: str | None = None   # canonical "AB:CD:..."
    source: str = ""                 # where the fingerprint came from, for messages


def normalize_fingerprint(text: str, source: str = "fingerprint") -> str:
    """"AB:CD:..", "abcd..", "sha256:.." -> "AB:CD:.."; TlsError when it is not 32 bytes of hex."""
    digits = str(text).strip().lower()
    for prefix in ("sha256:", "sha256="):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    digits = "".join(c for c in digits if c not in ": -")
    if len(digits) != 64 or any(c not in "0123456789abcdef" for c in digits):
        raise TlsError(f"{source}: expected a SHA-256 fingerprint (64 hex digits), got {text!r}")
    return ":".join(digits[i:i + 2] for i in range(0, 64, 2)).upper()


def fingerprint_of(der: bytes) -> str:
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, 64, 2))


def context_for(settings: TlsSettings) -> ssl.SSLContext:
    if settings.fingerprint:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False       # the pinned fingerprint is the check
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ssl.SSLError) as error:
        raise TlsError(f"ca_file: cannot use {settings.ca_file} ({getattr(error, 'strerror', None) or error})") from None


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection that accepts exactly one certificate: the pinned one."""

    def __init__(self, host, port, timeout, settings: TlsSettings):
        super().__init__(host, port, timeout=timeout, context=context_for(settings))
        self._settings = settings

    def connect(self):
        super().connect()
        if not self._settings.fingerprint:
            return
        got = fingerprint_of(self.sock.getpeercert(binary_form=True) or b"")
        if got != self._settings.fingerprint:
            self.sock.close()
            self.sock = None
            raise TlsError(
                f"The daemon at {self.host}:{self.port} presented a certificate with SHA-256 fingerprint "
                f"{got}, not the pinned {self._settings.fingerprint} (from {self._settings.source}). If the "
                "daemon made a new certificate, use the fingerprint it logs at start; otherwise something "
                "is intercepting the connection.")


def explain(error: ssl.SSLError, address: str) -> TlsError:
    """A message for a failed handshake."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return TlsError(f"The daemon's certificate at {address} is not trusted ({error.verify_message}). "
                        "Give the CA file that signed it, or pin its fingerprint (the daemon logs it).")
    reason = getattr(error, "reason", None) or str(error)
    if "WRONG_VERSION_NUMBER" in str(reason).upper() or "RECORD_LAYER" in str(reason).upper():
        return TlsError(f"The daemon at {address} does not speak TLS on this port ({reason}): connect with "
                        "http://, or start the daemon with --tls.")
    return TlsError(f"No TLS connection to the daemon at {address} ({reason}).")
