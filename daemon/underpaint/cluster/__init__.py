"""Scale-out on a Ray Serve cluster (`underpaint serve --cluster ADDRESS`, extra `underpaint[cluster]`).

The daemon stays the front: protocol, queue, board, archive and content policy live in this process.
GENERATE jobs travel to a Ray Serve deployment (replica.py) whose replicas run the daemon's own job
runners and stream the job's events back; the front's dispatcher (dispatcher.py) re-emits them as
the same job events, retries a job once when its replica dies, and carries cancels across.
Replicas report what they hold to a small board actor (board.py) that GetInfo reads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ClusterOptions:
    address: str                      # "local" (a Ray head on this machine, loopback only) or a Ray address
    min_replicas: int = 1
    max_replicas: int = 0             # 0: one per GPU in the cluster, else one per cpus_per_replica CPUs
    cpus_per_replica: float = 4.0     # CPU replicas: threads each (OMP_NUM_THREADS) and Ray CPUs reserved
    gpus_per_replica: float = 1.0     # used when the cluster has GPUs
    memory_budget_bytes: int | None = None  # each replica's model LRU; None = from its device's memory


def ray_missing_message() -> str:
    return ("--cluster needs Ray Serve, which is not installed: pip install 'underpaint[cluster]' "
            "(or pip install 'ray[serve]==2.60.0')")
