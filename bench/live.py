"""Live painting latency: "canvas changed" in a host -> "pixels placed" in its layer.

A real daemon with the demo model (or --models DIR with a real one), the host kit's LiveSession
in this process as a plugin uses it: each change builds a 512x512 canvas request (refine, a
few-step sampler), the daemon runs it, and the result is written into a document array at its
(x, y). Changes are made one after another, each waiting for its pixels, so every request runs
(no superseding); the debounce is 0 here (a plugin's pause, 0.15 s by default, comes on top).
Prints p50/p95 of the whole path and of the daemon's own job time (Finished.elapsed), and their
difference: what transport, queueing and placing cost. Not a test.

  .venv/bin/python bench/live.py [--size 512] [--steps 2] [--changes 20] [--models DIR --model ID]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins" / "common"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    import numpy as np

    import underpaint_kit as kit
    from underpaint.testing import DaemonProcess

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--sampler", default="lcm")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--models", type=Path, default=None, help="models folder (default: the demo model)")
    parser.add_argument("--model", default="", help="model id (default: the daemon's default)")
    args = parser.parse_args()
    size = args.size
    rng = np.random.default_rng(0)
    document = rng.integers(0, 256, (size, size, 4), dtype=np.uint8)
    document[..., 3] = 255
    layer = np.zeros_like(document)  # the host's live result layer

    with tempfile.TemporaryDirectory(prefix="underpaint-bench-live-") as tmp:
        daemon = DaemonProcess(args.models, Path(tmp) / "home").start()
        try:
            d = kit.connect_daemon(daemon.http, timeout=600)
            placed = threading.Event()
            elapsed: list[float] = []
            outcome_messages: list[str] = []

            def build():
                document[:8, :8, 0] += 1  # the "stroke": the canvas really changes
                return kit.requests.canvas_request(
                    "refine", document_size=(size, size), region_rgba=document.tobytes(),
                    region_rect=(0, 0, size, size), prompt="a harbour at dusk", model=args.model,
                    steps=args.steps, strength=1.0, seed=1, sampler=args.sampler, previews=False,
                    client="bench/live.py")

            def place(result):
                pixels = np.frombuffer(result.image.data, np.uint8).reshape(result.image.height, result.image.width, 4)
                layer[result.y:result.y + pixels.shape[0], result.x:result.x + pixels.shape[1]] = pixels
                placed.set()

            def finished(outcome):
                if outcome.ok:
                    elapsed.append(outcome.elapsed)
                else:
                    outcome_messages.append(outcome.message)

            session = kit.LiveSession(d, "bench-doc", on_result=place, on_finished=finished, debounce_s=0)
            latencies = []
            for change in range(args.changes + 1):  # the first loads the model: not counted
                placed.clear()
                start = time.perf_counter()
                session.canvas_changed(build)
                if not placed.wait(1800):
                    raise RuntimeError(f"no pixels after change {change}: {outcome_messages}\n{daemon.log()}")
                if change:
                    latencies.append(time.perf_counter() - start)
            session.close()
            d.close()
        finally:
            daemon.stop()
    jobs = elapsed[1:]
    print(f"live: {size}x{size} refine, {args.steps} steps ({args.sampler}), {args.changes} changes, "
          f"{os.cpu_count()} CPUs, model {args.model or 'demo'}")
    rows = [("canvas changed -> pixels placed", latencies), ("daemon job time (Finished.elapsed)", jobs),
            ("difference: transport, queue, placing", [a - b for a, b in zip(latencies, jobs)])]
    for name, values in rows:
        print(f"{name:40} p50 {percentile(values, 50) * 1000:8.0f} ms   p95 {percentile(values, 95) * 1000:8.0f} ms"
              f"   mean {statistics.mean(values) * 1000:8.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
