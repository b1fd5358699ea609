"""Maps protobuf service descriptors onto service objects, once for every transport.

A service object implements each RPC as a method named in snake_case (GetInfo -> get_info) that
takes the request message and returns the response (or an async iterator for server streams).
"""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass

from google.protobuf.message_factory import GetMessageClass

from ..errors import Unauthenticated

log = logging.getLogger("underpaint.transport")


@dataclass
class Rpc:
    service: str          # full name, e.g. "underpaint.v1.Underpaint"
    name: str             # e.g. "GetInfo"
    handler: object       # bound method of the service object
    request_type: type
    response_type: type
    server_streaming: bool


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def rpcs(service_descriptor, implementation) -> list[Rpc]:
    out = []
    for method in service_descriptor.methods:
        handler = getattr(implementation, snake(method.name), None)
        if handler is None:
            raise TypeError(f"{type(implementation).__name__} lacks {snake(method.name)} for {method.full_name}")
        out.append(Rpc(service_descriptor.full_name, method.name, handler,
                       GetMessageClass(method.input_type), GetMessageClass(method.output_type),
                       method.server_streaming))
    return out


class TokenCheck:
    """Bearer-token check shared by both transports; disabled (None) on loopback-only daemons."""

    def __init__(self, token: str | None):
        self._token = token

    def check(self, authorization: str | None) -> None:
        if self._token is None:
            return
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not given or not hmac.compare_digest(given.encode(), self._token.encode()):
            raise Unauthenticated("this daemon listens beyond loopback and needs its token: send "
                                  "'authorization: Bearer <token>' (the token is in the daemon's "
                                  "config folder, file 'token')")


def unexpected_failure(rpc: Rpc, error: BaseException) -> str:
    """Logs a handler exception that no ServiceError explained and returns the short message the
    client gets with INTERNAL: bad input is refused with a precise error before it gets this far,
    so reaching here means the daemon itself is at fault."""
    log.error("%s/%s failed unexpectedly", rpc.service, rpc.name, exc_info=error)
    return (f"the daemon failed while handling {rpc.name} ({type(error).__name__}); this is a bug in "
            "the daemon, not in your request: its log has the details")
