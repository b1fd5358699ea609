"""Random seeds (-1) fit the 32-bit seed fields of GIMP and Blender, for every image of a batch,
so any result's seed can be typed back in (or reused from the history) in every host."""

from __future__ import annotations

from underpaint.jobs.noise_options import random_seed
from underpaint.jobs.request import MAX_COUNT, Limits, resolve
from underpaint.pipelines.samplers import SAMPLERS
from underpaint.v1 import underpaint_pb2 as pb

INT32_MAX = 2**31 - 1
DRAWS = 300  # with the old range (below 2**32) half the draws were over: 300 cannot all pass by luck


def test_the_last_seed_of_a_full_random_batch_fits_32_bits(demo_registry):
    req = pb.GenerateRequest(prompt="a fox", model="underpaint-demo", width=64, height=64, seed=-1,
                             count=MAX_COUNT, noise=pb.NoiseOptions(variation_seed=-1, variation_strength=0.2))
    resolved = [resolve(req, demo_registry, dict(SAMPLERS), "euler_a", Limits()) for _ in range(DRAWS)]
    assert max(r.seed + MAX_COUNT - 1 for r in resolved) <= INT32_MAX
    assert max(r.noise.variation_seed for r in resolved) <= INT32_MAX
    assert len({r.seed for r in resolved}) > DRAWS - 5, "still random"


def test_random_seed_leaves_room_for_the_batch():
    assert all(0 <= random_seed(16) <= INT32_MAX - 15 for _ in range(DRAWS))
    assert all(0 <= random_seed() <= INT32_MAX for _ in range(DRAWS))


def test_a_seed_asked_for_is_kept_even_beyond_32_bits(demo_registry):
    req = pb.GenerateRequest(prompt="a fox", model="underpaint-demo", width=64, height=64, seed=2**40)
    assert resolve(req, demo_registry, dict(SAMPLERS), "euler_a", Limits()).seed == 2**40
