"""Finding the daemon: argument, environment, daemon.json, default; and the token."""

from __future__ import annotations

import json
import sys

import pytest

from underpaint_kit import UnderpaintError, discovery


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in ("UNDERPAINT_HTTP", "UNDERPAINT_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    config = tmp_path / "config" / "underpaint"
    config.mkdir(parents=True)
    return config


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="checks the XDG rules")
def test_config_dir_matches_platformdirs(monkeypatch, tmp_path):
    platformdirs = pytest.importorskip("platformdirs")
    for value in (str(tmp_path / "xdg"), "", "   "):
        monkeypatch.setenv("XDG_CONFIG_HOME", value)
        assert discovery.user_config_dir() == platformdirs.user_config_dir("underpaint", appauthor=False)
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert discovery.user_config_dir() == platformdirs.user_config_dir("underpaint", appauthor=False)


def test_address_order(clean_env, monkeypatch):
    assert discovery.resolve_address() == "127.0.0.1:50052"
    (clean_env / "daemon.json").write_text(json.dumps({"grpc": "127.0.0.1:7000",
                                                       "http": "127.0.0.1:7001", "pid": 1}))
    assert discovery.resolve_address() == "127.0.0.1:7001"
    monkeypatch.setenv("UNDERPAINT_HTTP", "http://10.0.0.5:9000/")
    assert discovery.resolve_address() == "10.0.0.5:9000"
    assert discovery.resolve_address("localhost:1234") == "localhost:1234"


def test_broken_daemon_json_falls_back_to_the_default(clean_env):
    (clean_env / "daemon.json").write_text("{not json")
    assert discovery.resolve_address() == "127.0.0.1:50052"


def test_token_order(clean_env, monkeypatch, tmp_path):
    assert discovery.resolve_token() is None
    (clean_env / "token").write_text("config-token\n")
    assert discovery.resolve_token() == "config-token"
    monkeypatch.setenv("UNDERPAINT_TOKEN", "env-token")
    assert discovery.resolve_token() == "env-token"
    explicit = tmp_path / "my-token"
    explicit.write_text("file-token")
    assert discovery.resolve_token(token_file=str(explicit)) == "file-token"
    assert discovery.resolve_token("arg-token", str(explicit)) == "arg-token"
    with pytest.raises(UnderpaintError, match="token_file: cannot read .*missing: No such file"):
        discovery.resolve_token(token_file=str(tmp_path / "missing"))


def test_split_address():
    assert discovery.split_address("127.0.0.1:50052") == ("127.0.0.1", 50052)
    assert discovery.split_address("[::1]:8080") == ("::1", 8080)
    with pytest.raises(ValueError, match="address: expected host:port, got 'nohost'"):
        discovery.split_address("nohost")
