"""Joining (or starting) a Ray cluster and deploying the generation replicas on it."""

from __future__ import annotations

import logging
import os

from . import ClusterOptions, ray_missing_message
from .board import BOARD_NAME, WorkersBoard

log = logging.getLogger("underpaint.cluster")

APP_NAME = "underpaint"
NAMESPACE = "underpaint"


class ClusterError(RuntimeError):
    """The cluster cannot be used (Ray missing, address unreachable, nothing to run replicas on)."""


def replica_count(options: ClusterOptions, resources: dict) -> tuple[int, int, bool]:
    """(min, max, on_gpu): one replica per GPU when the cluster has any, else one per
    cpus_per_replica CPUs; --cluster-max-replicas overrides, the minimum never exceeds the maximum."""
    gpus = resources.get("GPU", 0)
    if options.max_replicas > 0:
        most = options.max_replicas
    elif gpus:
        most = max(1, int(gpus // options.gpus_per_replica))
    else:
        most = max(1, int(resources.get("CPU", 1) // options.cpus_per_replica))
    return min(options.min_replicas, most), most, bool(gpus)


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """A HOST:PORT that answers nothing fails at once: Ray itself keeps retrying for minutes."""
    import socket

    host, sep, port = address.rpartition(":")
    if not sep or "://" in address or not port.isdigit():
        return  # "auto", "ray://…": Ray's own lookup
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(f"--cluster {address}: cannot connect to Ray ({exc}); is `ray start --head` "
                           f"running there?") from exc


def start(options: ClusterOptions, models_dir, allow_pickle: bool, samplers: dict):
    """Connects, deploys, waits until the replicas are up; returns (serve handle, board actor, max replicas)."""
    local = options.address == "local"
    if local:
        # Ray resolves 127.0.0.1 to the host's address on Linux unless it believes it runs as a
        # single-machine (desktop) instance; then every Ray process speaks over loopback. It is read
        # when ray is imported, so it must be set first (the replicas inherit it).
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
        from ray import serve
    except ImportError as exc:
        raise ClusterError(ray_missing_message()) from exc
    from .replica import GenerationReplica

    env = {"OMP_NUM_THREADS": str(max(1, int(options.cpus_per_replica)))}
    if local:
        env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        cpus = max(os.cpu_count() or 1, int(max(options.max_replicas, options.min_replicas) * options.cpus_per_replica))
        log.info("cluster: starting a local Ray instance on 127.0.0.1 (%d CPUs, no dashboard)", cpus)
        # address="local": always a new instance, never one a `ray start` left running here
        ray.init(address="local", num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1", namespace=NAMESPACE,
                 log_to_driver=False, configure_logging=False)
    else:
        log.info("cluster: connecting to Ray at %s", options.address)
        _check_reachable(options.address)
        try:
            ray.init(address=options.address, namespace=NAMESPACE, log_to_driver=False, configure_logging=False)
        except Exception as exc:  # ConnectionError, RuntimeError, ...: say which address failed
            raise ClusterError(f"--cluster {options.address}: cannot connect to Ray ({exc})") from exc
    least, most, on_gpu = replica_count(options, ray.cluster_resources())
    board = ray.remote(num_cpus=0)(WorkersBoard).options(name=BOARD_NAME, namespace=NAMESPACE,
                                                         get_if_exists=True).remote()
    actor_options = {"num_cpus": 1 if on_gpu else options.cpus_per_replica,
                     "num_gpus": options.gpus_per_replica if on_gpu else 0,
                     "runtime_env": {"env_vars": env}}
    scaling = ({"num_replicas": most} if least == most else
               {"autoscaling_config": {"min_replicas": least, "max_replicas": most, "target_ongoing_requests": 1}})
    settings = {"models_dir": str(models_dir), "allow_pickle": allow_pickle, "samplers": samplers,
                "threads": int(options.cpus_per_replica), "memory_budget_bytes": options.memory_budget_bytes}
    serve.start(proxy_location="Disabled")  # the daemon is the only way in: no Serve HTTP proxy
    log.info("cluster: deploying %s replica(s) on %s", least if least == most else f"{least}-{most}",
             "GPUs" if on_gpu else f"{options.cpus_per_replica:g} CPUs each")
    app = GenerationReplica.options(ray_actor_options=actor_options, **scaling).bind(settings)
    try:
        handle = serve.run(app, name=APP_NAME, route_prefix=None)
    except Exception as exc:  # a replica that cannot start (underpaint missing on a node, no device, ...)
        ray.shutdown()
        raise ClusterError(f"the generation replicas did not start: {str(exc).splitlines()[0]} (their logs: "
                           f"/tmp/ray/session_latest/logs/ on the machine that ran them)") from exc
    return handle, board, most


def stop(local: bool, timeout: float = 8.0) -> None:
    """Takes our replicas down (a shared cluster keeps running), then leaves Ray; a local Ray
    instance ends with us. Ctrl-C reaches Ray's own processes too (same process group), and Serve
    then waits for a raylet that is gone: so Serve gets `timeout` seconds, and Ray is left anyway."""
    import threading

    import ray
    from ray import serve

    def take_down() -> None:
        try:
            serve.shutdown() if local else serve.delete(APP_NAME)
        except Exception as exc:
            log.warning("cluster: could not take the replicas down cleanly: %s", exc)

    worker = threading.Thread(target=take_down, name="serve-shutdown", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        log.warning("cluster: Serve did not stop within %.0fs; leaving Ray anyway", timeout)
    ray.shutdown()
