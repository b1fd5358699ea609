"""`serve --cluster` options and errors that need no running cluster."""

from __future__ import annotations

import sys

import pytest

from underpaint.cluster import ClusterOptions
from underpaint.cluster.connect import ClusterError, replica_count, start


@pytest.mark.parametrize("args, message", [
    (["--cluster-min-replicas", "0"], "--cluster-min-replicas: must be 1 or more, got 0"),
    (["--cluster-min-replicas", "3", "--cluster-max-replicas", "2"], "--cluster-max-replicas (2) is below --cluster-min-replicas (3)"),
    (["--cluster-cpus-per-replica", "0"], "--cluster-cpus-per-replica: must be more than 0 and at most 1024, got 0"),
    (["--cluster-memory-budget-mb", "-1"], "--cluster-memory-budget-mb: must be 0 (automatic) or more, got -1"),
])
def test_bad_cluster_options_are_refused_before_anything_starts(args, message, capsys, tmp_path):
    from underpaint.cli.main import main

    assert main(["serve", "--port", "0", "--data-dir", str(tmp_path), "--cluster", "local", *args]) == 2
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing was started or written


def test_replica_count_follows_gpus_then_cpus():
    assert replica_count(ClusterOptions("x"), {"CPU": 16.0, "GPU": 3.0}) == (1, 3, True)
    assert replica_count(ClusterOptions("x", gpus_per_replica=0.5), {"CPU": 16.0, "GPU": 2.0}) == (1, 4, True)
    assert replica_count(ClusterOptions("x", cpus_per_replica=4), {"CPU": 16.0}) == (1, 4, False)
    assert replica_count(ClusterOptions("x", min_replicas=2, max_replicas=5), {"CPU": 2.0}) == (2, 5, False)
    assert replica_count(ClusterOptions("x", min_replicas=3), {"CPU": 2.0}) == (1, 1, False)


def test_without_ray_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    with pytest.raises(ClusterError, match=r"pip install 'underpaint\[cluster\]'"):
        start(ClusterOptions("ray.example:6379"), tmp_path, False, {})


def test_an_address_where_nothing_listens_fails_at_once_naming_it(tmp_path):
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ClusterError, match=rf"--cluster 127.0.0.1:{port}: cannot connect to Ray"):
        start(ClusterOptions(f"127.0.0.1:{port}"), tmp_path, False, {})
