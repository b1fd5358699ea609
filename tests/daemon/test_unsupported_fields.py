"""Protocol fields whose features this daemon lacks are refused by name, never silently ignored.

As features land, their fields leave jobs/unsupported.py and this table."""

from __future__ import annotations

import grpc
import pytest

from underpaint.jobs.unsupported import _NOT_YET
from underpaint.v1 import underpaint_pb2 as pb

from .helpers import request

EXAMPLES = {
    "type": dict(type=99),  # a job type from a newer protocol
}


@pytest.mark.parametrize("field", [f for f, _, _ in _NOT_YET])
def test_an_unsupported_field_is_refused_by_name(grpc_client, field):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(request(**EXAMPLES[field]))
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert err.value.details().startswith(f"{field}:")
    assert grpc_client.info().protocol_major == 1  # still serving
