"""TLS on both transports: the self-signed certificate made on first use and pinned by fingerprint,
a user's CA-signed certificate, the CLI's choices and messages, and what stays open (health) or
closed (reflection) off loopback."""

from __future__ import annotations

import datetime
import hashlib
import http.client
import ipaddress
import json
import os
import ssl
import subprocess
import sys

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from underpaint import tls
from underpaint.client import Client, ClientError
from underpaint.testing import DaemonProcess


def _token(daemon) -> str:
    return (daemon.config_dir / "token").read_text().strip()


def _cert_fingerprint(path) -> str:
    der = ssl.PEM_cert_to_DER_cert(path.read_text())
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, 64, 2))


def _cli(daemon, *args, env_extra=None):
    env = {**daemon.env, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "underpaint.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_first_use_makes_a_certificate_that_daemon_json_and_the_log_pin(tls_daemon):
    cert, key = tls_daemon.config_dir / "tls" / "cert.pem", tls_daemon.config_dir / "tls" / "key.pem"
    assert cert.is_file() and key.is_file()
    assert key.stat().st_mode & 0o077 == 0  # the private key is the user's alone
    info = json.loads((tls_daemon.config_dir / "daemon.json").read_text())
    assert info["tls"] is True and info["fingerprint"] == _cert_fingerprint(cert)
    assert f"fingerprint: {info['fingerprint']}" in tls_daemon.log()
    parsed = x509.load_pem_x509_certificate(cert.read_bytes())
    names = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert (parsed.not_valid_after_utc - parsed.not_valid_before_utc).days <= 825  # OS trust stores' ceiling


def test_cli_pins_the_running_daemons_fingerprint_from_daemon_json(tls_daemon):
    result = _cli(tls_daemon, "info")
    assert result.returncode == 0, result.stderr
    assert "protocol  v1." in result.stdout


def test_client_trusts_by_fingerprint_or_ca_file_and_refuses_a_wrong_pin(tls_daemon):
    cert = tls_daemon.config_dir / "tls" / "cert.pem"
    token = _token(tls_daemon)
    fingerprint = _cert_fingerprint(cert)
    env = {"XDG_CONFIG_HOME": ""}  # no daemon.json to fall back on: only the flags decide
    with Client(tls_daemon.grpc, token=token, fingerprint=fingerprint.replace(":", "").lower()) as client:
        assert client.info().protocol_major == 1
    with Client(tls_daemon.grpc, token=token, ca_file=str(cert)) as client:
        assert client.info().protocol_major == 1
    wrong = "AB" * 32
    with pytest.raises(ClientError) as err:
        Client(tls_daemon.grpc, token=token, fingerprint=wrong)
    assert fingerprint in str(err.value) and ":".join(["AB"] * 32) in str(err.value)
    result = _cli(tls_daemon, "info", "--server", tls_daemon.grpc, "--fingerprint", wrong, env_extra=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "not the pinned" in result.stderr


def test_plain_text_client_is_told_to_use_tls(tls_daemon):
    with Client(tls_daemon.grpc, token=_token(tls_daemon), tls=False) as client:
        with pytest.raises(ClientError) as err:
            client.info()
    assert "--tls" in str(err.value)


def test_gateway_serves_https_with_the_same_certificate(tls_daemon):
    cert = tls_daemon.config_dir / "tls" / "cert.pem"
    context = ssl.create_default_context(cafile=str(cert))
    context.verify_flags |= ssl.VERIFY_X509_STRICT  # what Python 3.13 turns on by default
    host, port = tls_daemon.http.rsplit(":", 1)
    conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
    conn.request("POST", "/underpaint.v1.Underpaint/GetInfo", body=b"{}",
                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {_token(tls_daemon)}"})
    response = conn.getresponse()
    assert response.status == 200 and json.loads(response.read())["protocolMajor"] == 1
    assert _cert_fingerprint(cert) == tls.format_fingerprint(conn.sock.getpeercert(binary_form=True))
    conn.close()


def test_off_loopback_reflection_needs_the_token_and_health_does_not(tls_daemon):
    cert = (tls_daemon.config_dir / "tls" / "cert.pem").read_bytes()
    channel = grpc.secure_channel(tls_daemon.grpc, grpc.ssl_channel_credentials(root_certificates=cert))
    try:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=30)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        ask = [reflection_pb2.ServerReflectionRequest(list_services="")]
        with pytest.raises(grpc.RpcError) as err:
            list(stub.ServerReflectionInfo(iter(ask), timeout=30))
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        replies = list(stub.ServerReflectionInfo(iter(ask), timeout=30,
                                                 metadata=[("authorization", f"Bearer {_token(tls_daemon)}")]))
        names = {s.name for s in replies[0].list_services_response.service}
        assert {"underpaint.v1.Underpaint", "underpaint.v1.Board"} <= names
    finally:
        channel.close()


def test_self_signed_certificate_is_reused_and_remade_only_for_new_names(tmp_path):
    first = tls.ensure_self_signed(tmp_path, tls.names_for("127.0.0.1"))
    again = tls.ensure_self_signed(tmp_path, tls.names_for("127.0.0.1"))
    assert again.fingerprint == first.fingerprint
    widened = tls.ensure_self_signed(tmp_path, tls.names_for("127.0.0.1", ["studio.lan"]))
    assert widened.fingerprint != first.fingerprint
    names = x509.load_pem_x509_certificate(widened.cert_pem()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert "studio.lan" in names


def _ca_and_leaf(folder):
    """A private CA and a server certificate it signed, made here without underpaint.tls."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Studio CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "daemon")])).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {name: folder / f"{name}.pem" for name in ("ca", "cert", "key")}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    os.chmod(paths["key"], 0o600)
    return paths


@pytest.fixture(scope="module")
def ca_daemon(demo_models_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ca")
    paths = _ca_and_leaf(folder)
    process = DaemonProcess(demo_models_dir, folder / "home",
                            ["--tls-cert", str(paths["cert"]), "--tls-key", str(paths["key"])]).start()
    yield process, paths
    process.stop()


def test_a_users_ca_signed_certificate_serves_both_transports(ca_daemon):
    process, paths = ca_daemon
    assert not (process.config_dir / "tls").exists()  # no self-signed one made beside it
    result = _cli(process, "info", "--ca-file", str(paths["ca"]))
    assert result.returncode == 0, result.stderr
    context = ssl.create_default_context(cafile=str(paths["ca"]))
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    host, port = process.http.rsplit(":", 1)
    conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
    conn.request("POST", "/underpaint.v1.Board/List", body=b"{}", headers={"Content-Type": "application/json"})
    assert conn.getresponse().status == 200
    conn.close()
    result = _cli(process, "info", "--tls", "--server", process.grpc, env_extra={"XDG_CONFIG_HOME": ""})
    assert result.returncode == 1 and "TLS handshake failed" in result.stderr  # not in the system store


def test_bad_tls_options_stop_serve_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "underpaint.cli.main", "serve", "--port", "0", "--http-port",
                             "0", "--data-dir", str(tmp_path), "--tls-cert", str(tmp_path / "none.pem"),
                             "--tls-key", str(tmp_path / "none.key")],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert result.returncode == 1
    assert "--tls-cert" in result.stderr and "no such file" in result.stderr and "Traceback" not in result.stderr
