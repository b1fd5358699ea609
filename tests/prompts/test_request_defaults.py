"""Clip skip and the mean restore resolved at submit: request > the model's sidecar > built-in."""

from __future__ import annotations

import json

import pytest

from underpaint.errors import InvalidArgument
from underpaint.jobs.request import Limits, resolve
from underpaint.pipelines.samplers import SAMPLERS
from underpaint.v1 import underpaint_pb2 as pb


def _resolve(demo_registry, **fields):
    req = pb.GenerateRequest(prompt="a fox", model="underpaint-demo", width=64, height=64, **fields)
    return resolve(req, demo_registry, dict(SAMPLERS), "euler_a", Limits())


def test_built_in_defaults(demo_registry):
    r = _resolve(demo_registry)
    assert (r.clip_skip, r.mean_restore) == (1, True)


def test_sidecar_defaults_and_the_request_winning(demo_registry, tmp_path):
    (tmp_path / "underpaint-demo" / "underpaint.json").write_text(json.dumps({"clip_skip": 2, "no_mean_restore": True}))
    r = _resolve(demo_registry)
    assert (r.clip_skip, r.mean_restore) == (2, False)
    assert _resolve(demo_registry, clip_skip=1).clip_skip == 1


def test_out_of_range_clip_skip_is_refused(demo_registry):
    with pytest.raises(InvalidArgument, match=r"^clip_skip: 13 is out of range; allowed 1 to 12"):
        _resolve(demo_registry, clip_skip=13)
    with pytest.raises(InvalidArgument, match=r"^clip_skip: -1 is out of range"):
        _resolve(demo_registry, clip_skip=-1)
