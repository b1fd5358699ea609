"""Without --cluster the daemon is its own single worker, and says so in GetInfo and `underpaint info`."""

from __future__ import annotations

import subprocess
import sys

from tests.daemon.helpers import request, run_job
from underpaint.v1 import underpaint_pb2 as pb


def test_a_daemon_without_a_cluster_lists_itself_as_its_one_worker(grpc_client, daemon):
    _, _, _, finished = run_job(grpc_client, request(seed=3))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED
    info = grpc_client.info()
    assert "workers" in info.capabilities and "cluster" not in info.capabilities
    assert len(info.workers) == 1
    worker = info.workers[0]
    assert (worker.id, worker.device, worker.state, worker.queue_length) == ("local", info.device, "ready", 0)
    assert "underpaint-demo" in worker.loaded_models

    shown = subprocess.run([sys.executable, "-m", "underpaint.cli.main", "info", "--server", daemon.grpc],
                           capture_output=True, text=True, timeout=60, env=daemon.env)
    assert shown.returncode == 0, shown.stderr
    assert "workers   1\n" in shown.stdout
    assert "  local " in shown.stdout and "underpaint-demo" in shown.stdout
