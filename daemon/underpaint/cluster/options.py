"""`underpaint serve --cluster …` options, checked before anything starts."""

from __future__ import annotations

import argparse

from . import ClusterOptions


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("cluster (needs the 'underpaint[cluster]' extra; see docs/cluster.md)")
    g.add_argument("--cluster", metavar="ADDRESS",
                   help="run generation on a Ray Serve cluster: 'local' starts Ray on this machine (loopback "
                        "only, no dashboard); otherwise a Ray address such as 'auto' or 'HOST:6379'")
    g.add_argument("--cluster-min-replicas", type=int, default=1, metavar="N",
                   help="replicas kept running (default 1)")
    g.add_argument("--cluster-max-replicas", type=int, default=0, metavar="N",
                   help="replicas at most (default: one per GPU, or one per --cluster-cpus-per-replica CPUs)")
    g.add_argument("--cluster-cpus-per-replica", type=float, default=4.0, metavar="N",
                   help="CPUs (and torch threads) each replica takes when the cluster has no GPU (default 4)")
    g.add_argument("--cluster-gpus-per-replica", type=float, default=1.0, metavar="N",
                   help="GPUs each replica takes (default 1; 0.5 puts two replicas on one card)")
    g.add_argument("--cluster-memory-budget-mb", type=int, default=0, metavar="MB",
                   help="models each replica keeps loaded, in MiB (default: from its device's memory)")


def cluster_options_from(args) -> ClusterOptions | None:
    """The options, or None without --cluster; raises ValueError naming the option that is out of range."""
    if not args.cluster:
        return None
    if args.cluster_min_replicas < 1:
        raise ValueError(f"--cluster-min-replicas: must be 1 or more, got {args.cluster_min_replicas}")
    if args.cluster_max_replicas < 0:
        raise ValueError(f"--cluster-max-replicas: must be 0 (automatic) or more, got {args.cluster_max_replicas}")
    if args.cluster_max_replicas and args.cluster_max_replicas < args.cluster_min_replicas:
        raise ValueError(f"--cluster-max-replicas ({args.cluster_max_replicas}) is below --cluster-min-replicas "
                     f"({args.cluster_min_replicas})")
    for name in ("cpus", "gpus"):
        value = getattr(args, f"cluster_{name}_per_replica")
        if not 0 < value <= 1024:
            raise ValueError(f"--cluster-{name}-per-replica: must be more than 0 and at most 1024, got {value:g}")
    if args.cluster_memory_budget_mb < 0:
        raise ValueError(f"--cluster-memory-budget-mb: must be 0 (automatic) or more, got {args.cluster_memory_budget_mb}")
    return ClusterOptions(address=args.cluster, min_replicas=args.cluster_min_replicas,
                          max_replicas=args.cluster_max_replicas, cpus_per_replica=args.cluster_cpus_per_replica,
                          gpus_per_replica=args.cluster_gpus_per_replica,
                          memory_budget_bytes=args.cluster_memory_budget_mb * 1024**2 or None)
