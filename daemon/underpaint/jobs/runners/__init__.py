"""One runner per job type: a function (JobContext) -> None that emits progress and results.

The worker picks the runner by the request's JobType; a feature adds its runner module here.
"""

from __future__ import annotations

from ...v1 import underpaint_pb2 as pb


def runner_for(job_type: int):
    from . import edit, finish, generate, keyframes, train  # torch-heavy: loaded on the worker thread, on first use

    runners = {pb.JOB_TYPE_UNSPECIFIED: generate.run, pb.JOB_TYPE_GENERATE: generate.run,
               pb.JOB_TYPE_FINISH: finish.run, pb.JOB_TYPE_KEYFRAMES: keyframes.run, pb.JOB_TYPE_EDIT: edit.run,
               pb.JOB_TYPE_TRAIN_EMBEDDING: train.run}
    return runners[job_type]
