"""A real daemon process on free loopback ports, isolated from the user's folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class DaemonProcess:
    def __init__(self, models_dir: Path | None, home: Path | None = None, extra_args: list[str] = (),
                 env: dict | None = None):
        self.home = Path(home or tempfile.mkdtemp(prefix="underpaint-test-"))
        self.home.mkdir(parents=True, exist_ok=True)
        self.models_dir = models_dir
        self.extra_args = list(extra_args)
        self.config_dir = self.home / "config" / "underpaint"
        self.data_dir = self.home / "data"
        self.log_path = self.home / "daemon.log"
        self.env = dict(os.environ if env is None else env)
        self.env.update(XDG_CONFIG_HOME=str(self.home / "config"), XDG_DATA_HOME=str(self.home / "xdg-data"),
                        XDG_CACHE_HOME=str(self.home / "cache"), PYTHONUNBUFFERED="1")
        for key in ("UNDERPAINT_SERVER", "UNDERPAINT_HTTP", "UNDERPAINT_TOKEN", "UNDERPAINT_FINGERPRINT",
                    "UNDERPAINT_CA_FILE"):
            self.env.pop(key, None)
        self.proc: subprocess.Popen | None = None
        self.grpc = self.http = ""

    def start(self, timeout: float = 180.0) -> "DaemonProcess":
        discovery = self.config_dir / "daemon.json"
        if discovery.exists():
            discovery.unlink()
        args = [sys.executable, "-m", "underpaint.cli.main", "serve", "--port", "0", "--http-port", "0",
                "--data-dir", str(self.data_dir)]
        if self.models_dir is not None:
            args += ["--models", str(self.models_dir)]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args + self.extra_args, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}:\n{self.log()}")
            try:
                info = json.loads(discovery.read_text())
            except (OSError, ValueError):
                time.sleep(0.1)  # nothing to wait on across processes but the file itself
                continue
            if info.get("pid") == self.proc.pid:
                self.grpc, self.http = info["grpc"], info.get("http", "")
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daemon not ready after {timeout:.0f}s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()
