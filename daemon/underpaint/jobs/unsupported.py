"""Request fields of the protocol whose features this daemon does not offer yet.

The protocol grows ahead of the code at times; a field the daemon cannot honour is refused with
UNIMPLEMENTED naming it, never silently ignored. Delete a line here when its feature lands.
"""

from __future__ import annotations

from ..errors import Unimplemented
from ..v1 import underpaint_pb2 as pb

# (field, is it set?, what the user gets from the refusal)
_NOT_YET = [
    # every JobType of v1.2 is served; a newer client's type number is refused by name
    ("type", lambda r: r.type not in (pb.JOB_TYPE_UNSPECIFIED, pb.JOB_TYPE_GENERATE, pb.JOB_TYPE_FINISH,
                                      pb.JOB_TYPE_KEYFRAMES, pb.JOB_TYPE_EDIT, pb.JOB_TYPE_TRAIN_EMBEDDING),
     "this job type"),
]


def refuse_unsupported(request: pb.GenerateRequest) -> None:
    for field, is_set, feature in _NOT_YET:
        if is_set(request):
            raise Unimplemented(f"{field}: this daemon does not support {feature} yet; "
                                "update the daemon or leave the field empty")
