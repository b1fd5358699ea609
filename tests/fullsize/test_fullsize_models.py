"""Full-size SD 1.5, SD 2.x and SDXL checkpoints, in the layout model sites publish, load through
the shipped configs in a real daemon (`serve --models`) and generate over gRPC.

Weights are zeros: the point is the names, the shapes and the configs, at real size. One daemon
per model, stopped before the next, so only one full-size model is ever in memory. They run in
CI (slow, never skipped); on a shared machine run them under `flock /tmp/underpaint-heavy.lock`.
"""

from __future__ import annotations

import time

import pytest

from tests.daemon.helpers import request
from underpaint.v1 import underpaint_pb2 as pb

pytestmark = pytest.mark.slow

CASES = [
    # file, daemon options, (architecture, native size, description fragment)
    ("sd15.safetensors", [], ("sd15", 512, "SD 1.x (single file)")),
    ("sd2-768-v.ckpt", ["--allow-pickle"],
     ("sd2", 768, "SD 2.x (v-prediction, told from its weights, pickle checkpoint, allowed by --allow-pickle)")),
    ("sdxl.safetensors", [], ("sdxl", 1024, "SDXL (single file)")),
]


def _peak_rss_gib(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return float("nan")


@pytest.mark.parametrize("name,options,expected", CASES, ids=[c[0] for c in CASES])
def test_fullsize_checkpoint_loads_and_generates(fullsize_checkpoint, tmp_path, name, options, expected):
    from underpaint.client import Client
    from underpaint.testing import DaemonProcess

    models = fullsize_checkpoint(name)
    model_id = name.rsplit(".", 1)[0]
    architecture, native, description = expected
    process = DaemonProcess(models, tmp_path, options).start()
    try:
        with Client(process.grpc) as client:
            [model] = client.models().models
            assert (model.id, model.architecture, model.kind) == (model_id, architecture, "single_file")
            assert (model.native_width, model.native_height) == (native, native)
            assert model.description == description and not model.is_demo

            started = time.monotonic()  # reported, never asserted
            job = client.submit(request(model=model_id, steps=1, guidance=2.0))
            events = list(client.watch(job.id))
            seconds = time.monotonic() - started
            finished = events[-1].finished
            assert finished.status == pb.JOB_STATUS_SUCCEEDED, f"{finished.message}\n{process.log()}"
            [result] = [e.result for e in events if e.HasField("result")]
            assert (result.image.width, result.image.height) == (64, 64)
            loading = [e.activity for e in events if e.HasField("activity")]
            assert loading[0].fraction == 0.0 and loading[-1].fraction == 1.0
            parts = {a.message.rsplit(": ", 1)[-1] for a in loading[1:-1]}
            components = {"unet", "vae", "text_encoder"} | ({"text_encoder_2"} if architecture == "sdxl" else set())
            assert {f"{c} loaded" for c in components} <= parts
            assert next(m for m in client.models().models if m.id == model_id).loaded
        print(f"\nfull-size {name}: load + 64x64 x1 step {seconds:.0f} s, daemon peak RSS "
              f"{_peak_rss_gib(process.proc.pid):.1f} GiB")
    finally:
        process.stop()
