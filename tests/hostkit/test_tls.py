"""The host kit over https: stdlib ssl only, on every Python the hosts embed (3.10-3.13), against a
real daemon started with `--tls` beyond loopback; and the order in which it decides on TLS."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hostkit_helpers import run_in_host_python

from underpaint_kit import TlsError, discovery

INTERPRETERS = sorted({str(p) for p in Path("/root/.pyenv/versions").glob("3.1[0-3].*/bin/python3")}
                      | {"/usr/bin/python3"})


@pytest.mark.parametrize("python", INTERPRETERS)
def test_vendored_kit_talks_tls_to_the_daemon(kit_vendor, tls_daemon, python):
    if not os.access(python, os.X_OK):
        pytest.skip(f"{python} is not installed on this machine")
    cert = tls_daemon.config_dir / "tls" / "cert.pem"
    env = {**os.environ, "XDG_CONFIG_HOME": tls_daemon.env["XDG_CONFIG_HOME"]}
    for key in ("UNDERPAINT_HTTP", "UNDERPAINT_TOKEN", "UNDERPAINT_FINGERPRINT", "UNDERPAINT_CA_FILE"):
        env.pop(key, None)
    result = run_in_host_python(kit_vendor, f"""
        import underpaint_kit as kit
        out = {{"version": list(sys.version_info[:2])}}
        # Same machine: daemon.json says TLS and gives the fingerprint; the token file is beside it.
        daemon = kit.connect_daemon()
        out["pinned"] = [daemon.get_info().protocol_major, daemon.tls.source]
        # A CA file (3.13's default context is strict X.509: the certificate must pass that too).
        out["ca_file"] = kit.connect_daemon({tls_daemon.http!r}, tls=True, ca_file={str(cert)!r}).get_info().protocol_major
        try:
            kit.connect_daemon({tls_daemon.http!r}, fingerprint="12" * 32)
        except kit.TlsError as error:
            out["wrong_pin"] = str(error)
        try:
            kit.connect_daemon("http://" + {tls_daemon.http!r})
        except kit.DaemonNotRunning as error:
            out["plain"] = str(error)
        try:
            kit.connect_daemon("https://" + {tls_daemon.http!r}, token="wrong").get_info()
        except kit.RequestRejected as error:
            out["bad_token"] = error.code
        print(json.dumps(out))
    """, env=env, python=python)
    assert (3, 10) <= tuple(result["version"]) <= (3, 13)
    assert result["pinned"] == [1, "daemon.json"]
    assert result["ca_file"] == 1
    fingerprint = json.loads((tls_daemon.config_dir / "daemon.json").read_text())["fingerprint"]
    assert fingerprint in result["wrong_pin"] and "not the pinned" in result["wrong_pin"]
    assert "https://" in result["plain"]
    assert result["bad_token"] == "unauthenticated"  # https:// to its own address still pins daemon.json's


def test_https_to_another_name_uses_the_system_store_and_refuses_self_signed(tls_daemon, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", tls_daemon.env["XDG_CONFIG_HOME"])
    import underpaint_kit as kit

    port = tls_daemon.http.rsplit(":", 1)[1]
    with pytest.raises(TlsError, match="not trusted"):  # daemon.json speaks for 127.0.0.1 only
        kit.connect_daemon(f"https://localhost:{port}")


@pytest.fixture
def config(monkeypatch, tmp_path):
    for key in ("UNDERPAINT_HTTP", "UNDERPAINT_FINGERPRINT", "UNDERPAINT_CA_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "config" / "underpaint"
    folder.mkdir(parents=True)
    (folder / "daemon.json").write_text(json.dumps(
        {"http": "127.0.0.1:7001", "tls": True, "fingerprint": "ab" * 32}))
    return folder


def test_tls_decision_order(config, monkeypatch, tmp_path):
    pinned = ":".join(["AB"] * 32)
    assert discovery.resolve_tls().fingerprint == pinned                       # daemon.json, own address
    assert discovery.resolve_tls("127.0.0.1:7001").source == "daemon.json"
    assert discovery.resolve_tls("10.0.0.5:7001") is None                      # another daemon: plain
    assert discovery.resolve_tls("https://10.0.0.5:7001").fingerprint is None  # ... unless https: system store
    assert discovery.resolve_tls("http://127.0.0.1:7001") is None              # http:// is explicit
    assert discovery.resolve_tls(tls=False) is None
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    assert discovery.resolve_tls("10.0.0.5:7001", ca_file=str(ca)).ca_file == str(ca)
    monkeypatch.setenv("UNDERPAINT_FINGERPRINT", "sha256:" + "cd" * 32)
    assert discovery.resolve_tls("10.0.0.5:7001").fingerprint == ":".join(["CD"] * 32)
    with pytest.raises(TlsError, match="64 hex digits"):
        discovery.resolve_tls(fingerprint="abc")
