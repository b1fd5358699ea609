"""Noise options through the real daemon: parameters returned, A1111 infotext, refusals by name."""

from __future__ import annotations

import grpc
import pytest

from underpaint.v1 import underpaint_pb2 as pb

from .helpers import request, run_job


def image_of(client, **fields) -> bytes:
    _, _, results, finished = run_job(client, request(**fields))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED, finished.message
    return results[0]


def test_variation_strength_zero_and_one_match_the_two_seeds(grpc_client):
    base = image_of(grpc_client, seed=10, sampler="euler")
    other = image_of(grpc_client, seed=77, sampler="euler")
    zero = image_of(grpc_client, seed=10, sampler="euler", noise=pb.NoiseOptions(variation_seed=77))
    one = image_of(grpc_client, seed=10, sampler="euler",
                   noise=pb.NoiseOptions(variation_seed=77, variation_strength=1.0))
    half = image_of(grpc_client, seed=10, sampler="euler",
                    noise=pb.NoiseOptions(variation_seed=77, variation_strength=0.5))
    assert zero.image.data == base.image.data
    assert one.image.data == other.image.data
    assert half.image.data not in (base.image.data, other.image.data)
    assert half.seed == 10
    assert half.parameters.noise.variation_seed == 77
    assert half.parameters.noise.variation_strength == pytest.approx(0.5)
    assert "Variation seed: 77, Variation seed strength: 0.5" in half.parameters.infotext


def test_a_random_variation_seed_is_returned_and_reproduces_the_image(grpc_client):
    first = image_of(grpc_client, seed=3, noise=pb.NoiseOptions(variation_seed=-1, variation_strength=0.3))
    drawn = first.parameters.noise.variation_seed
    assert drawn >= 0
    again = image_of(grpc_client, seed=3, noise=first.parameters.noise)
    assert again.image.data == first.image.data


def test_resize_seed_from_and_freeze_are_recorded(grpc_client):
    result = image_of(grpc_client, seed=3, width=96, noise=pb.NoiseOptions(
        resize_seed_from_width=64, resize_seed_from_height=64, freeze=True))
    assert result.parameters.noise.resize_seed_from_width == 64
    assert result.parameters.noise.freeze
    assert "Seed resize from: 64x64" in result.parameters.infotext


@pytest.mark.parametrize("noise,field", [
    (pb.NoiseOptions(variation_strength=1.5), "noise.variation_strength"),
    (pb.NoiseOptions(variation_strength=-0.1), "noise.variation_strength"),
    (pb.NoiseOptions(variation_strength=float("nan")), "noise.variation_strength"),
    (pb.NoiseOptions(variation_seed=-5, variation_strength=0.5), "noise.variation_seed"),
    (pb.NoiseOptions(resize_seed_from_width=512), "noise.resize_seed_from_height"),
    (pb.NoiseOptions(resize_seed_from_width=-8, resize_seed_from_height=64), "noise.resize_seed_from_width"),
])
def test_bad_noise_options_are_refused_naming_the_field(grpc_client, noise, field):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(request(noise=noise))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in err.value.details()
    assert "0 to 1" in err.value.details() or "allowed" in err.value.details() or "invalid" in err.value.details()
    assert grpc_client.info().protocol_major == 1


def test_noise_is_a_capability(grpc_client):
    assert {"noise", "batched_count"} <= set(grpc_client.info().capabilities)
