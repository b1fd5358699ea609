"""TLS for both transports: a certificate the user gives, or a self-signed one made on first use.

Off loopback the token would otherwise cross the network in clear text. The self-signed
certificate lives in the config folder (`tls/`), is reused on every start, and is replaced only
when it no longer covers the names the daemon answers to or is about to expire; clients pin its
SHA-256 fingerprint (printed at start and written to daemon.json) or trust it as a CA file.
It follows what macOS and Windows demand of a certificate a user adds to the OS trust store (the
only way Photoshop's UXP accepts it): at most 825 days, serverAuth, names in subjectAltName.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import logging
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("underpaint.tls")

VALID_DAYS = 825          # Apple's ceiling for TLS server certificates in the trust store
RENEW_BEFORE_DAYS = 30


@dataclass
class TlsFiles:
    cert: Path
    key: Path
    fingerprint: str      # SHA-256 of the certificate (DER), "AB:CD:..."
    self_signed: bool

    def cert_pem(self) -> bytes:
        return self.cert.read_bytes()

    def key_pem(self) -> bytes:
        return self.key.read_bytes()


def format_fingerprint(der: bytes) -> str:
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def normalize_fingerprint(text: str) -> str:
    """Accepts "AB:CD:...", "abcd...", "sha256:ab cd ..." and returns the canonical "AB:CD:..."; ValueError
    when it is not 32 bytes of hex."""
    hex_digits = text.strip().lower().removeprefix("sha256:").removeprefix("sha256=")
    hex_digits = "".join(c for c in hex_digits if c not in ": -")
    if len(hex_digits) != 64 or any(c not in "0123456789abcdef" for c in hex_digits):
        raise ValueError(f"fingerprint: expected a SHA-256 fingerprint (64 hex digits), got {text!r}")
    return ":".join(hex_digits[i:i + 2] for i in range(0, 64, 2)).upper()


def fingerprint_of_pem(pem: bytes) -> str:
    return format_fingerprint(ssl.PEM_cert_to_DER_cert(pem.decode("ascii")))


def load_given(cert: Path, key: Path) -> TlsFiles:
    """A certificate and key the user passed; OSError/ValueError with a one-line reason if unusable."""
    for path, what in ((cert, "--tls-cert"), (key, "--tls-key")):
        if not path.is_file():
            raise OSError(f"{what} {path}: no such file")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(str(cert), str(key))
    except (ssl.SSLError, OSError) as error:
        raise OSError(f"--tls-cert {cert} / --tls-key {key}: cannot be used together ({error})") from None
    pem = cert.read_bytes()
    first = pem[:pem.find(b"-----END CERTIFICATE-----") + len(b"-----END CERTIFICATE-----")]
    return TlsFiles(cert, key, fingerprint_of_pem(first), self_signed=False)


def names_for(bound_host: str, extra_names=()) -> list[str]:
    """Names and addresses the certificate should cover."""
    names = ["localhost", "127.0.0.1", "::1"]
    try:
        hostname = socket.gethostname()
    except OSError:
        hostname = ""
    for name in [hostname, bound_host, *extra_names]:
        name = (name or "").strip().strip("[]").lower()
        if not name or name in names:
            continue
        try:
            if ipaddress.ip_address(name).is_unspecified:
                continue
        except ValueError:
            pass
        names.append(name)
    return names


def ensure_self_signed(config_dir: Path, names: list[str]) -> TlsFiles:
    """The self-signed certificate in config_dir/tls, made (or remade) when needed."""
    folder = config_dir / "tls"
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    reason = _why_renew(cert_path, key_path, names)
    if reason:
        _write_self_signed(folder, cert_path, key_path, names)
        files = TlsFiles(cert_path, key_path, fingerprint_of_pem(cert_path.read_bytes()), self_signed=True)
        if reason == "first use":
            log.info("made a self-signed TLS certificate: %s", cert_path)
        else:
            log.warning("made a new self-signed TLS certificate (%s): %s; clients that pinned the old one "
                        "need the new fingerprint %s", reason, cert_path, files.fingerprint)
        return files
    return TlsFiles(cert_path, key_path, fingerprint_of_pem(cert_path.read_bytes()), self_signed=True)


def _why_renew(cert_path: Path, key_path: Path, names: list[str]) -> str | None:
    from cryptography import x509

    if not cert_path.exists() or not key_path.exists():
        return "first use"
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound) as error:
        return f"the old one is unreadable: {error}"
    covered = {n.lower() for n in san.get_values_for_type(x509.DNSName)}
    covered |= {str(a) for a in san.get_values_for_type(x509.IPAddress)}
    missing = [n for n in names if _canonical(n) not in covered]
    if missing:
        return "it did not cover " + ", ".join(missing)
    left = cert.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)
    if left < datetime.timedelta(days=RENEW_BEFORE_DAYS):
        return "the old one expires soon"
    return None


def _canonical(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name.lower()


def _write_self_signed(folder: Path, cert_path: Path, key_path: Path, names: list[str]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Underpaint daemon"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Underpaint (self-signed)")])
    alt_names = []
    for name in names:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt_names.append(x509.DNSName(name))
    now = datetime.datetime.now(datetime.timezone.utc)
    public = key.public_key()
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject).public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    _write_private(key_path, key_bytes)
    tmp = cert_path.with_suffix(".tmp")
    tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tmp.replace(cert_path)


def _write_private(path: Path, data: bytes) -> None:
    """Readable by this user only, written whole or not at all."""
    tmp = path.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    tmp.replace(path)


def fetch_peer_certificate(host: str, port: int, timeout: float = 10.0) -> bytes:
    """The DER certificate a TLS server presents, unverified: the caller compares its fingerprint."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname=host if not _is_ip(host) else None) as tls:
            der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError(f"{host}:{port} presented no certificate")
    return der


def certificate_names(der: bytes) -> list[str]:
    """subjectAltName entries (DNS names first, then addresses) of a DER certificate."""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [a.value for a in cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)]
    return list(san.get_values_for_type(x509.DNSName)) + [str(a) for a in san.get_values_for_type(x509.IPAddress)]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def for_daemon(cfg) -> TlsFiles | None:
    """The TLS files a DaemonConfig asks for, or None for plain text; logs the fingerprint to pin."""
    if cfg.tls_cert is not None or cfg.tls_key is not None:
        if cfg.tls_cert is None or cfg.tls_key is None:
            raise OSError("--tls-cert and --tls-key go together: pass both")
        files = load_given(cfg.tls_cert, cfg.tls_key)
    elif cfg.tls:
        files = ensure_self_signed(cfg.config_dir, names_for(cfg.host, cfg.allow_hosts))
    else:
        return None
    log.info("TLS on both transports with %s certificate %s", "a self-signed" if files.self_signed else "the",
             files.cert)
    log.info("TLS certificate SHA-256 fingerprint: %s", files.fingerprint)
    return files
