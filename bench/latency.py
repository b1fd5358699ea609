"""The durations the tests no longer assert, measured: how soon a long poll wakes after the event it
waits for, and how soon a cancel ends a running job, against an Echo round trip (the floor).

  board wake    PollBoard(wait 20 s) pending, a Publish from another client: publish sent -> poll answered
  job wake      PollEvents(wait 20 s) on a queued job, the job ahead cancelled: cancel sent -> poll answered
  cancel        Cancel on a job mid-denoising: cancel sent -> its final event on a Watch stream

Run: `.venv/bin/python bench/latency.py [--rounds 10]` (starts its own daemon with the demo model).
Prints medians in ms and each as a ratio to the Echo round trip.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> int:
    from underpaint.client import Client
    from underpaint.models.demo import write_demo_model
    from underpaint.testing import DaemonProcess
    from underpaint.v1 import board_pb2
    from underpaint.v1 import underpaint_pb2 as pb

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="underpaint-latency-"))
    write_demo_model(home / "models")
    process = DaemonProcess(home / "models", home / "daemon").start()
    long_job = pb.GenerateRequest(prompt="slow", width=128, height=128, steps=150, seed=1)
    times = {"echo": [], "board wake": [], "job wake": [], "cancel": []}
    try:
        with Client(process.grpc) as client, Client(process.grpc) as other:
            image = pb.Image(width=1, height=1, format=pb.PIXEL_FORMAT_RGBA8, data=b"\0\0\0\0")
            for n in range(args.rounds):
                start = time.perf_counter()
                client.stub.Echo(image)
                times["echo"].append(time.perf_counter() - start)

                cursor = client.board.PollBoard(board_pb2.PollBoardRequest(wait_ms=0)).cursor
                poll = client.board.PollBoard.future(board_pb2.PollBoardRequest(after_cursor=cursor, wait_ms=20000))
                time.sleep(0.2)  # let the poll reach the daemon and wait
                start = time.perf_counter()
                other.board.Publish(board_pb2.PublishRequest(channel="bench/latency", image=image))
                poll.result()
                times["board wake"].append(time.perf_counter() - start)

                blocker = client.submit(long_job)
                queued = client.submit(pb.GenerateRequest(prompt="next", width=64, height=64, steps=1))
                seq = client.stub.PollEvents(pb.PollEventsRequest(job_id=queued.id)).events[-1].seq
                poll = client.stub.PollEvents.future(pb.PollEventsRequest(job_id=queued.id, after_seq=seq,
                                                                           wait_ms=20000))
                time.sleep(0.2)
                start = time.perf_counter()
                other.cancel(blocker.id)
                poll.result()
                times["job wake"].append(time.perf_counter() - start)
                list(client.watch(queued.id))

                job = client.submit(long_job)
                stream = client.watch(job.id)
                next(e for e in stream if e.HasField("progress"))
                start = time.perf_counter()
                other.cancel(job.id)
                assert [e for e in stream][-1].finished.status == pb.JOB_STATUS_CANCELLED
                times["cancel"].append(time.perf_counter() - start)
    finally:
        process.stop()
    floor = statistics.median(times["echo"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:11s} median {median * 1000:8.1f} ms  ({median / floor:6.1f} x echo)  over {len(values)} rounds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
