"""`python -m underpaint.testing [--models DIR] [--home DIR]`: starts a test daemon, prints one
JSON line with its addresses and environment, then serves until stdin closes (so the parent's
death stops it too). The UXP panel's node tests (plugins/photoshop-uxp/test/daemon.mjs) use it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .daemon_process import DaemonProcess


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m underpaint.testing")
    parser.add_argument("--models", type=Path)
    parser.add_argument("--home", type=Path)
    args = parser.parse_args(argv)
    daemon = DaemonProcess(args.models, args.home).start()
    print(json.dumps({"grpc": daemon.grpc, "http": daemon.http, "home": str(daemon.home),
                      "config_dir": str(daemon.config_dir),
                      "XDG_CONFIG_HOME": daemon.env["XDG_CONFIG_HOME"]}), flush=True)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    finally:
        daemon.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
