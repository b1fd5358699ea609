"""The CLI fails with one line, not a traceback, and never drops a subcommand silently."""

from __future__ import annotations

import subprocess
import sys

import pytest

from underpaint.cli import main as cli_main


def _run(*args, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "underpaint.cli.main", *args], capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.mark.parametrize("args,mentions", [
    (["info", "--token-file", "/nonexistent/token"], "--token-file /nonexistent/token: cannot read it"),
    (["board", "list", "--token-file", "/nonexistent/token"], "--token-file /nonexistent/token"),
    (["info", "--fingerprint", "not-a-fingerprint"], "64 hex digits"),
    (["info", "--ca-file", "/nonexistent/ca.pem"], "--ca-file /nonexistent/ca.pem: cannot read it"),
])
def test_bad_client_options_give_one_line(tmp_path, args, mentions):
    result = _run(*args, "--server", "127.0.0.1:9", tmp_path=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("underpaint: ") and mentions in result.stderr


def test_board_subcommands_are_always_registered():
    args = cli_main.build_parser().parse_args(["board", "list", "--json"])
    assert args.board_command == "list" and args.json


def test_a_broken_board_module_fails_loudly(monkeypatch):
    import underpaint.cli

    monkeypatch.delattr(underpaint.cli, "board", raising=False)
    monkeypatch.setitem(sys.modules, "underpaint.cli.board", None)  # as if importing it raised
    with pytest.raises(ImportError):
        cli_main.build_parser()
