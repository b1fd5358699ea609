"""The cluster front measured: jobs/s with 1 and 2 Ray Serve replicas, and what the hop adds per job.

  local        the daemon alone (no --cluster), torch limited to the replicas' thread count
  1 replica    `serve --cluster local` with one replica
  2 replicas   the same with two

For each: the median latency of one job at a time (submit -> final event, warm model) and the
throughput of --jobs jobs submitted at once. The front's added latency is shown two ways:
  dispatch   the job's Started event -> the replica's "worker" activity arriving at the front
             (Serve picks a replica, the request is pickled over, the stream's first item comes back);
  end to end 1-replica median - local median (confounded on a loaded machine: the local daemon runs
             the job in the same process as its transports, a replica in its own).

Run: `.venv/bin/python bench/cluster.py [--jobs 8] [--steps 4] [--size 64] [--cpus-per-replica 1]`
(needs `pip install -e '.[cluster]'`; starts its own daemons and a loopback-only Ray; demo model).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def measure(process, args) -> tuple[float, float, float | None]:
    """(median seconds per job one at a time, jobs per second with all submitted at once,
    median dispatch seconds or None without a cluster)."""
    from underpaint.client import Client
    from underpaint.v1 import underpaint_pb2 as pb

    def request(seed: int) -> pb.GenerateRequest:
        return pb.GenerateRequest(prompt="bench", width=args.size, height=args.size, steps=args.steps, seed=seed,
                                  client="bench", archive=pb.ArchiveOptions(skip=True))

    def finish(client, job_id: str) -> list:
        events = list(client.watch(job_id))
        if events[-1].finished.status != pb.JOB_STATUS_SUCCEEDED:
            raise SystemExit(f"job failed: {events[-1].finished.message}")
        return events

    def dispatch(events) -> float | None:
        started = next(e.time for e in events if e.HasField("started"))
        worker = next((e.time for e in events if e.HasField("activity") and e.activity.kind == "worker"), None)
        return None if worker is None else worker - started

    with Client(process.grpc) as client:
        for seed in range(2):  # warm: every replica has the model (two jobs at once reach both)
            jobs = [client.submit(request(seed * 10 + i)) for i in range(2)]
            for job in jobs:
                finish(client, job.id)
        single, hops = [], []
        for seed in range(args.rounds):
            start = time.perf_counter()
            events = finish(client, client.submit(request(100 + seed)).id)
            single.append(time.perf_counter() - start)
            hops.append(dispatch(events))
        start = time.perf_counter()
        jobs = [client.submit(request(1000 + i)) for i in range(args.jobs)]
        for job in jobs:
            finish(client, job.id)
        rate = args.jobs / (time.perf_counter() - start)
        return statistics.median(single), rate, None if None in hops else statistics.median(hops)


def main() -> int:
    from underpaint.models.demo import write_demo_model
    from underpaint.testing import DaemonProcess

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="single jobs timed one after another")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--cpus-per-replica", type=int, default=1)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="underpaint-bench-cluster-"))
    write_demo_model(home / "models")
    threads = str(args.cpus_per_replica)
    env = dict(os.environ, OMP_NUM_THREADS=threads)
    setups = [("local", []), ("1 replica", ["1"]), ("2 replicas", ["2"])]
    figures = {}
    for name, replicas in setups:
        extra = []
        if replicas:
            extra = ["--cluster", "local", "--cluster-min-replicas", replicas[0], "--cluster-max-replicas", replicas[0],
                     "--cluster-cpus-per-replica", threads]
        process = DaemonProcess(home / "models", home / name.replace(" ", "-"), extra, env=env).start(timeout=600)
        try:
            figures[name] = measure(process, args)
        finally:
            process.stop()
        hop = figures[name][2]
        print(f"{name:<11} one job {figures[name][0] * 1000:8.1f} ms   {args.jobs} jobs at once: "
              f"{figures[name][1]:6.2f} jobs/s" + (f"   dispatch {hop * 1000:6.1f} ms" if hop is not None else ""),
              flush=True)
    local, one, two = figures["local"], figures["1 replica"], figures["2 replicas"]
    print(f"front added latency per job: dispatch {one[2] * 1000:.1f} ms (1 replica), {two[2] * 1000:.1f} ms "
          f"(2 replicas); end to end {(one[0] - local[0]) * 1000:+.1f} ms ({one[0] / local[0]:.2f}x the local job)")
    print(f"throughput: 2 replicas / 1 replica = {two[1] / one[1]:.2f}x; 1 replica / local = {one[1] / local[1]:.2f}x")
    print(f"({args.size}x{args.size}, {args.steps} steps, demo model, {threads} thread(s) per replica and locally, "
          f"{os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
