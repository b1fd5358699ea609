"""Soak: 16 clients x 50 jobs against one daemon, previews on, random cancels of a client's own
jobs, dropped and resumed Watch streams. Prints lost / duplicated / crossed results (pixels
compared with a same-seed reference made alone), cancels that hit another client's job, and the
daemon's RSS growth after warm-up. Goal: 0, 0, 0, 0 and a small RSS growth.

Run: `.venv/bin/python bench/soak.py [--clients 16] [--jobs 50] [--size 64] [--steps 3]`
It starts its own daemon on free ports with the demo model (random weights) unless --server is
given (then RSS needs --pid). The logic lives in underpaint/testing/soak.py, shared with the
4 x 10 version in tests/daemon/test_soak.py.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import psutil


def main() -> int:
    from underpaint.testing import DaemonProcess
    from underpaint.testing.soak import soak

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=50, help="jobs per client")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--cancel-rate", type=float, default=0.15)
    parser.add_argument("--drop-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--server", help="an already running daemon (HOST:PORT); default: start one")
    parser.add_argument("--pid", type=int, help="that daemon's process id, for RSS")
    args = parser.parse_args()

    process = None
    if args.server:
        address, pid = args.server, args.pid
    else:
        from underpaint.models.demo import write_demo_model

        home = Path(tempfile.mkdtemp(prefix="underpaint-soak-"))
        write_demo_model(home / "models")
        process = DaemonProcess(home / "models", home / "daemon").start()
        address, pid = process.grpc, process.proc.pid
    daemon = psutil.Process(pid) if pid else None
    rss = {}

    def on_warm():
        if daemon:
            rss["warm"] = daemon.memory_info().rss

    started = time.monotonic()
    try:
        tally = soak(address, args.clients, args.jobs, args.size, args.steps, args.cancel_rate,
                     args.drop_rate, args.seed, on_warm=on_warm)
        if daemon:
            rss["end"] = daemon.memory_info().rss
    finally:
        if process:
            process.stop()
    seconds = time.monotonic() - started

    print(f"soak: {args.clients} clients x {args.jobs} jobs ({args.size}x{args.size}, {args.steps} steps, "
          f"previews on) on {platform.machine()} {psutil.cpu_count()} CPUs, {seconds:.0f} s")
    print(f"  jobs {tally.jobs}: succeeded {tally.succeeded}, cancelled by their owner {tally.cancelled_by_owner}, "
          f"cancel after the end {tally.cancel_raced_the_end}; streams dropped and resumed {tally.dropped_streams}; "
          f"previews seen {tally.previews}")
    print(f"  lost {tally.lost}, duplicated {tally.duplicated}, crossed {tally.crossed}, "
          f"cancels that hit another client's job {tally.foreign}, broken streams {tally.broken}")
    if rss:
        growth = (rss["end"] - rss["warm"]) / rss["warm"] * 100
        print(f"  daemon RSS after warm-up {rss['warm'] / 2**20:.0f} MiB, at the end {rss['end'] / 2**20:.0f} MiB "
              f"({growth:+.1f} %)")
    for line in tally.problems:
        print("  " + line)
    return 0 if not (tally.lost or tally.duplicated or tally.crossed or tally.foreign or tally.broken) else 1


if __name__ == "__main__":
    raise SystemExit(main())
