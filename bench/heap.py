"""What keeping large buffers mapped (transport/heap.py) costs and gives over a daemon session, with
full-size models: the daemon's resident memory after each phase and its jobs' times, with
UNDERPAINT_HEAP_REUSE on and off, in one run.

    flock /tmp/underpaint-heavy.lock .venv/bin/python bench/heap.py [--keep DIR] [--canvases 10]

Two SD-1.5-shaped models with random weights (bench/switch.py writes them; --keep reuses them).
Phases: started; a 512x512 2-step job on A; the same on B; A again; N Echo round trips of a
4096x4096 RGBA canvas (64 MiB); then the pause after which the daemon returns idle buffers
(UNDERPAINT_HEAP_IDLE_S=5 here, 10 s by default) plus a margin. Prints RSS (MB) after each phase,
the peak (VmHWM), job seconds (Finished.elapsed) and the median canvas round trip. Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from switch import write_random_sd15  # noqa: E402

IDLE_S = 5


def status_mb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith(key))


def job_seconds(client, model: str) -> float:
    from underpaint.v1 import underpaint_pb2 as pb

    job = client.submit(pb.GenerateRequest(prompt="a lighthouse at dusk", model=model, width=512, height=512,
                                           steps=2, seed=1, client="bench/heap"))
    for event in client.watch(job.id):
        if event.HasField("finished"):
            if event.finished.status != pb.JOB_STATUS_SUCCEEDED:
                raise SystemExit(f"job on {model} failed: {event.finished.message}")
            return event.finished.elapsed
    raise SystemExit("the job's events ended without Finished")


def session(models: Path, reuse: bool, canvases: int) -> dict:
    from underpaint.client import Client
    from underpaint.testing import DaemonProcess
    from underpaint.v1 import underpaint_pb2 as pb

    env = {**os.environ, "UNDERPAINT_HEAP_REUSE": "1" if reuse else "0", "UNDERPAINT_HEAP_IDLE_S": str(IDLE_S)}
    daemon = DaemonProcess(models, env=env).start()
    pid, out = daemon.proc.pid, {"rss": {}, "jobs": []}
    try:
        out["rss"]["started"] = status_mb(pid, "VmRSS")
        with Client(daemon.grpc) as client:
            for label, model in (("job on A", "random-sd15-a"), ("job on B", "random-sd15-b"),
                                 ("A again", "random-sd15-a")):
                out["jobs"].append(job_seconds(client, model))
                out["rss"][label] = status_mb(pid, "VmRSS")
            canvas = os.urandom(64 << 20)
            times = []
            for _ in range(canvases):
                image = pb.Image(width=4096, height=4096, format=pb.PIXEL_FORMAT_RGBA8, data=canvas)
                start = time.perf_counter()
                assert client.call(client.stub.Echo, image, timeout=300).data == canvas
                times.append(time.perf_counter() - start)
            out["rss"][f"{canvases} canvases"] = status_mb(pid, "VmRSS")
            out["echo"] = statistics.median(times)
            time.sleep(2 * IDLE_S + 2)  # two looks of the trimmer: one to see the heap settled, one to trim
            out["rss"]["idle"] = status_mb(pid, "VmRSS")
        out["peak"] = status_mb(pid, "VmHWM")
    finally:
        daemon.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, help="write the random models here (reused when present)")
    ap.add_argument("--canvases", type=int, default=10)
    args = ap.parse_args()
    models = args.keep or Path(tempfile.mkdtemp(prefix="underpaint-heap-"))
    write_random_sd15(models / "random-sd15-a", seed=1)
    write_random_sd15(models / "random-sd15-b", seed=2)
    runs = {reuse: session(models, reuse, args.canvases) for reuse in (False, True)}
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, two SD-1.5-shaped models, 512x512 2-step jobs")
    print(f"{'daemon RSS (MB) after':28} {'reuse off':>10} {'reuse on':>10}")
    for phase in runs[False]["rss"]:
        print(f"{phase:28} {runs[False]['rss'][phase]:>10} {runs[True]['rss'][phase]:>10}")
    print(f"{'peak (VmHWM)':28} {runs[False]['peak']:>10} {runs[True]['peak']:>10}")
    for i, label in enumerate(("job on A (cold), s", "job on B (cold), s", "A again (warm), s")):
        print(f"{label:28} {runs[False]['jobs'][i]:>10.2f} {runs[True]['jobs'][i]:>10.2f}")
    print(f"{'64 MiB Echo, median ms':28} {runs[False]['echo'] * 1000:>10.0f} {runs[True]['echo'] * 1000:>10.0f}")


if __name__ == "__main__":
    main()
