"""Few-step samplers through the daemon: listed, few-step defaults, the step limit of LCM/TCD."""

from __future__ import annotations

import grpc
import pytest

from underpaint.v1 import underpaint_pb2 as pb

from .helpers import request, run_job


def test_few_step_samplers_are_listed(grpc_client):
    ids = {s.id for s in grpc_client.samplers().samplers}
    assert {"lcm", "tcd", "turbo", "lightning", "hyper"} <= ids


def test_a_few_step_sampler_gets_few_step_defaults(grpc_client):
    job, events, results, finished = run_job(grpc_client, request(sampler="lcm", steps=0, guidance=0))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    params = results[0].parameters
    assert (params.steps, params.guidance, params.sampler) == (4, 1.0, "lcm")
    assert [e.progress.step for e in events if e.HasField("progress")] == [1, 2, 3, 4]
    assert "Sampler: LCM" in params.infotext


def test_explicit_steps_and_guidance_are_kept(grpc_client):
    _, _, results, finished = run_job(grpc_client, request(sampler="turbo", steps=1, guidance=1.5))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    assert (results[0].parameters.steps, results[0].parameters.guidance) == (1, 1.5)


def test_lcm_refuses_more_steps_than_its_schedule_has(grpc_client):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(request(sampler="lcm", steps=60))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "steps" in err.value.details() and "1 to 50" in err.value.details() and "lcm" in err.value.details()
