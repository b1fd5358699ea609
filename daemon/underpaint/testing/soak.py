"""Many clients at once against one daemon: does every client get exactly its own results?

Each client (a thread with its own gRPC channel) runs its jobs one after another with previews on.
Every job asks for one of a few (prompt, seed) pairs whose images were made beforehand, one at a
time, as references: a result must equal the reference of the pair it asked for. Now and then a
client cancels its own job (while queued or mid-run) or drops its Watch stream and resumes it
with the last seq it saw. Counted:

  lost        a job its owner did not cancel that did not succeed with its one result
  duplicated  a result or an event seen twice (after a resumed stream, too)
  crossed     a result whose pixels are another pair's reference, or no reference at all
  foreign     a job that ended CANCELLED although its owner never cancelled it
  broken      a stream whose seqs have a gap or whose final event is not the last

Used by bench/soak.py (16 x 50) and tests/daemon/test_soak.py (4 x 10).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

import grpc
import numpy as np

from ..client import Client
from ..v1 import underpaint_pb2 as pb

PAIRS = [(f"soak prompt {p}", seed) for p in range(2) for seed in (11, 22, 33, 44)]  # 8 at most
TOLERANCE = 2  # the same request through the same pipeline: identical up to rounding


@dataclass
class Tally:
    jobs: int = 0
    succeeded: int = 0
    cancelled_by_owner: int = 0
    cancel_raced_the_end: int = 0  # cancelled, but the job had already finished: it succeeded
    dropped_streams: int = 0
    previews: int = 0
    lost: int = 0
    duplicated: int = 0
    crossed: int = 0
    foreign: int = 0
    broken: int = 0
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **counts) -> None:
        with self.lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)

    def problem(self, kind: str, text: str) -> None:
        with self.lock:
            setattr(self, kind, getattr(self, kind) + 1)
            if len(self.problems) < 20:
                self.problems.append(f"{kind}: {text}")


def job_request(pair: int, size: int, steps: int, client: str) -> pb.GenerateRequest:
    prompt, seed = PAIRS[pair]
    return pb.GenerateRequest(prompt=prompt, seed=seed, width=size, height=size, steps=steps,
                              previews=True, preview_max_size=32, client=client)


def pixels(image: pb.Image) -> np.ndarray:
    return np.frombuffer(image.data, np.uint8).reshape(image.height, image.width, 4).astype(np.int16)


def make_references(address: str, size: int, steps: int, pairs: int = len(PAIRS)) -> list[np.ndarray]:
    """Each pair's image, made alone (one job at a time)."""
    references = []
    with Client(address) as client:
        for pair in range(pairs):
            job = client.submit(job_request(pair, size, steps, "soak reference"))
            events = list(client.watch(job.id))
            [result] = [e.result for e in events if e.HasField("result")]
            references.append(pixels(result.image))
    return references


def _matching_pair(image: pb.Image, references: list[np.ndarray]) -> int | None:
    got = pixels(image)
    for pair, reference in enumerate(references):
        if got.shape == reference.shape and np.abs(got - reference).max() <= TOLERANCE:
            return pair
    return None


def _watch(client: Client, job_id: str, drop_after: int | None, tally: Tally) -> list[pb.JobEvent]:
    """The job's events; with drop_after, the stream is dropped after that many and resumed."""
    events: list[pb.JobEvent] = []
    if drop_after is not None:
        stream = client.stub.Watch(pb.WatchRequest(job_id=job_id), metadata=client._metadata)
        try:
            for event in stream:
                events.append(event)
                if len(events) >= drop_after or event.HasField("finished"):
                    break
        finally:
            stream.cancel()  # the client vanishes; the job goes on
        tally.add(dropped_streams=1)
        if events and events[-1].HasField("finished"):
            return events
    events += client.watch(job_id, after_seq=events[-1].seq if events else 0)
    return events


def run_client(address: str, index: int, jobs: int, references, size: int, steps: int, tally: Tally,
               cancel_rate: float, drop_rate: float, seed: int) -> None:
    rng = random.Random(seed * 1000 + index)
    with Client(address) as client:
        for n in range(jobs):
            pair = rng.randrange(len(references))
            job = client.submit(job_request(pair, size, steps, f"soak client {index}"))
            cancel = rng.random() < cancel_rate
            cancel_when = rng.choice(("queued", "running")) if cancel else None
            drop_after = rng.randint(1, 4) if rng.random() < drop_rate else None
            if cancel_when == "queued":
                client.cancel(job.id)
            if cancel_when == "running":
                events = []
                for event in client.watch(job.id):  # cancel on the first step, then read the rest
                    events.append(event)
                    if event.HasField("progress") and event.progress.step == 1:
                        client.cancel(job.id)
                    if event.HasField("finished"):
                        break
            else:
                events = _watch(client, job.id, drop_after, tally)
            _check(job, pair, events, cancel, references, tally, f"client {index} job {n}")


def _check(job: pb.Job, pair: int, events, cancelled: bool, references, tally: Tally, who: str) -> None:
    tally.add(jobs=1)
    seqs = [e.seq for e in events]
    if len(set(seqs)) != len(seqs):
        tally.problem("duplicated", f"{who}: an event arrived twice ({seqs})")
    elif seqs != list(range(1, len(seqs) + 1)):
        tally.problem("broken", f"{who}: seqs {seqs}")
    if any(e.job_id != job.id for e in events):
        tally.problem("crossed", f"{who}: another job's event in its stream")
    finals = [i for i, e in enumerate(events) if e.HasField("finished")]
    if finals != [len(events) - 1]:
        tally.problem("broken", f"{who}: final events at {finals} of {len(events)}")
        return
    tally.add(previews=sum(1 for e in events if e.progress.HasField("preview")))
    status = events[-1].finished.status
    results = [e.result for e in events if e.HasField("result")]
    if status == pb.JOB_STATUS_CANCELLED:
        if cancelled:
            tally.add(cancelled_by_owner=1)
        else:
            tally.problem("foreign", f"{who}: cancelled although its owner never asked")
        return
    if status != pb.JOB_STATUS_SUCCEEDED:
        tally.problem("lost", f"{who}: ended {pb.JobStatus.Name(status)}: {events[-1].finished.message}")
        return
    tally.add(succeeded=1, cancel_raced_the_end=int(cancelled))
    if len(results) != 1:
        kind = "lost" if not results else "duplicated"
        tally.problem(kind, f"{who}: {len(results)} results for one image")
        return
    matched = _matching_pair(results[0].image, references)
    if matched != pair:
        tally.problem("crossed", f"{who}: asked for pair {pair}, got "
                                 f"{'no reference' if matched is None else f'pair {matched}'}")


def soak(address: str, clients: int, jobs: int, size: int = 64, steps: int = 3, cancel_rate: float = 0.15,
         drop_rate: float = 0.3, seed: int = 0, pairs: int = len(PAIRS), on_warm=None) -> Tally:
    """Runs `clients` threads of `jobs` jobs each; returns the tally. on_warm() is called once the
    references are made (the daemon has loaded the model and run jobs): take a baseline there."""
    references = make_references(address, size, steps, pairs)
    if on_warm:
        on_warm()
    tally = Tally()
    errors: list[BaseException] = []

    def client_thread(i):
        try:
            run_client(address, i, jobs, references, size, steps, tally, cancel_rate, drop_rate, seed)
        except (grpc.RpcError, Exception) as error:  # reported, so a dead client is never silent
            errors.append(error)
            tally.problem("lost", f"client {i} stopped: {error}")

    threads = [threading.Thread(target=client_thread, args=(i,), name=f"soak-{i}") for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally
