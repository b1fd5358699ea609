"""10,000 fuzz cases against a fresh daemon, with counts per transport and status.

Every request message of both services (Underpaint and Board) goes over native gRPC and over the
Connect gateway (binary protobuf and JSON), half as structured hypothesis inputs, half as
byte-mutated valid payloads (tests/fuzzing.py has the strategies and the verdict). Valid jobs that
get through are cancelled at once. Prints the counts, every undefined answer (UNKNOWN, INTERNAL,
HTTP 500) with its input, and whether the daemon still generates afterwards; exits 1 if anything
was undefined. The test suite runs the same with 1,000 cases (tests/daemon/test_fuzz.py).

Run: `.venv/bin/python bench/fuzz.py [--cases 10000] [--seed N]`
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import grpc  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings  # noqa: E402

from tests import fuzzing  # noqa: E402
from underpaint.client import Client  # noqa: E402
from underpaint.testing import DaemonProcess  # noqa: E402
from underpaint.v1 import board_pb2, underpaint_pb2 as pb  # noqa: E402

TRANSPORTS = ("grpc", "connect-proto", "connect-json")
WEIGHT = {"Submit": 5, "Publish": 4, "Echo": 2}


def plan(total: int) -> list[tuple[fuzzing.Method, str, str, int]]:
    """(method, transport, mode, cases), proportional to WEIGHT, adding up to `total`."""
    combos = [(m, t, mode) for m in fuzzing.methods() for t in TRANSPORTS for mode in ("structured", "mutated")]
    weights = [WEIGHT.get(m.name, 1) for m, _, _ in combos]
    unit = total / sum(weights)
    counts = [int(w * unit) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return [(m, t, mode, n) for (m, t, mode), n in zip(combos, counts)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: random, printed)")
    args = parser.parse_args()
    run_seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"fuzz: {args.cases} cases, seed {run_seed}", flush=True)

    from underpaint.models.demo import write_demo_model

    home = Path(tempfile.mkdtemp(prefix="underpaint-fuzz-"))
    write_demo_model(home / "models")
    daemon = DaemonProcess(home / "models", home / "daemon").start()
    channel = grpc.insecure_channel(daemon.grpc, options=[("grpc.max_receive_message_length", 64 << 20)])
    connect = fuzzing.ConnectSender(daemon.http)
    client = Client(daemon.grpc)
    counts: collections.Counter = collections.Counter()
    undefined: list[str] = []
    started = time.monotonic()
    try:
        client.call(client.board.Publish, board_pb2.PublishRequest(
            channel="fuzz/seed", image=pb.Image(width=8, height=8, format=pb.PIXEL_FORMAT_RGBA8, data=bytes(256))))
        steps = plan(args.cases)
        for i, (method, transport, mode, n) in enumerate(steps):
            run_one(method, transport, mode, n, run_seed + i, channel, connect, client, counts, undefined)
        # Small messages (GetInfoRequest has no fields) run out of distinct inputs before their share:
        # top up with byte mutations of the richest requests until the count is reached.
        rich = [(m, t) for m in fuzzing.methods() if m.name in WEIGHT for t in TRANSPORTS]
        i = len(steps)
        while (left := args.cases - sum(v for k, v in counts.items() if isinstance(k, tuple))) > 0:
            method, transport = rich[i % len(rich)]
            run_one(method, transport, "mutated", min(left, 200), run_seed + i, channel, connect, client,
                    counts, undefined)
            i += 1
        print(f"\nsent {sum(v for k, v in counts.items() if isinstance(k, tuple))} cases in "
              f"{time.monotonic() - started:.0f} s\n")
        for transport in TRANSPORTS:
            rows = sorted((k[1], v) for k, v in counts.items() if isinstance(k, tuple) and k[0] == transport)
            print(f"{transport}:")
            for status, count in rows:
                print(f"  {count:6d}  {status}")
        print(f"\nundefined answers: {len(undefined)}")
        for line in undefined[:40]:
            print("  " + line)
        alive = still_serves(client)
        print(f"daemon still serves (info, a 64x64 job to the end, a board round trip): {'yes' if alive else 'NO'}")
        if "failed unexpectedly" in daemon.log():
            print("the daemon log has unexpected handler failures:\n" + daemon.log()[-3000:])
            alive = False
        return 0 if alive and not undefined else 1
    finally:
        connect.close()
        client.close()
        channel.close()
        daemon.stop()


def run_one(method, transport, mode, n, seed_value, channel, connect, client, counts, undefined) -> None:
    if mode == "structured":
        strategy = fuzzing.structured_strategy(method)
    else:
        base = fuzzing.seed_request(method)
        strategy = fuzzing.mutated(fuzzing.to_json(base) if transport == "connect-json" else base.SerializeToString())

    @hypothesis_seed(seed_value)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def case(value):
        payload = value if isinstance(value, bytes) else (
            fuzzing.to_json(value) if transport == "connect-json" else value.SerializeToString())
        if transport == "grpc":
            answer = fuzzing.send_grpc(channel, method, payload)
        else:
            answer = connect.send(method, payload, transport.removeprefix("connect-"))
        if answer.job_id:
            client.cancel(answer.job_id)
        counts[(transport, f"{answer.status}")] += 1
        if not answer.defined:
            undefined.append(f"{method} {transport} {mode}: {answer.status} {answer.detail[:160]!r} "
                             f"input {payload[:120]!r}")
    case()
    print(".", end="", flush=True)


def still_serves(client: Client) -> bool:
    try:
        if client.info().protocol_major != 1:
            return False
        job = client.submit(pb.GenerateRequest(prompt="after the fuzz", width=64, height=64, steps=2, seed=1))
        final = list(client.watch(job.id))[-1]
        entry = client.call(client.board.Publish, board_pb2.PublishRequest(
            channel="after/fuzz", image=pb.Image(width=8, height=8, format=pb.PIXEL_FORMAT_RGBA8,
                                                 data=bytes(range(256)))))
        fetched = client.call(client.board.Fetch, board_pb2.FetchRequest(channel="after/fuzz"))
        return (final.finished.status == pb.JOB_STATUS_SUCCEEDED and fetched.version == entry.version
                and fetched.image.data == bytes(range(256)))
    except Exception as error:  # any failure here is the answer
        print(f"  still_serves: {error}")
        return False


if __name__ == "__main__":
    sys.exit(main())
