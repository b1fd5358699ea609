"""Turning request bytes into messages, with bad bytes answered as INVALID_ARGUMENT on both transports.

grpcio answers a request_deserializer that raises with UNKNOWN, and connectrpc 0.10.1 answers a
codec that raises with HTTP 500 `unknown`: both blame the daemon for the client's bytes. Here a
request that cannot be parsed becomes INVALID_ARGUMENT carrying the parser's own reason, and
gzip bodies are inflated only up to the message limit (a 1 MB bomb must not become 1 GB).
"""

from __future__ import annotations

import zlib

from connectrpc.code import Code
from connectrpc.errors import ConnectError
from google.protobuf import json_format

from ..errors import InvalidArgument
from .heap import note_message


def parse_failure(message_type, error: BaseException) -> str:
    """The parser's reason, one line, naming the message type that was expected."""
    reason = " ".join(str(error).split()) or type(error).__name__
    if len(reason) > 300:  # unknown-field errors list every field of the message
        reason = reason[:300] + " ..."
    return f"cannot be parsed as {message_type.DESCRIPTOR.full_name}: {reason}"


class Unparsable:
    """What the gRPC deserializer hands the handler instead of raising (see module doc)."""

    def __init__(self, reason: str):
        self.reason = reason

    def refuse(self):
        raise InvalidArgument("request", self.reason)


def grpc_deserializer(message_type):
    def deserialize(data: bytes):
        note_message(len(data))
        message = message_type()
        try:
            message.ParseFromString(data)
        except Exception as error:  # DecodeError, RecursionError on absurd nesting, ...
            return Unparsable(parse_failure(message_type, error))
        return message
    return deserialize


# --- Connect ------------------------------------------------------------------------------------

class _StrictProtoCodec:
    def name(self) -> str:
        return "proto"

    def encode(self, message) -> bytes:
        return message.SerializeToString()

    def decode(self, data, message):
        try:
            message.ParseFromString(bytes(data))
        except Exception as error:
            raise ConnectError(Code.INVALID_ARGUMENT, "request: " + parse_failure(type(message), error)) from None
        return message


class _StrictJsonCodec:
    def name(self) -> str:
        return "json"

    def encode(self, message) -> bytes:
        return json_format.MessageToJson(message).encode()

    def decode(self, data, message):
        try:
            json_format.Parse(bytes(data), message)
        except Exception as error:  # ParseError, and RecursionError for deeply nested JSON
            raise ConnectError(Code.INVALID_ARGUMENT, "request: " + parse_failure(type(message), error)) from None
        return message


class _BoundedGzip:
    """gzip whose decompression stops at the message limit instead of filling memory."""

    def __init__(self, max_bytes: int, level: int = 6):
        self._max_bytes = max_bytes
        self._level = level

    def name(self) -> str:
        return "gzip"

    def compress(self, data) -> bytes:
        compressor = zlib.compressobj(self._level, zlib.DEFLATED, 31)
        return compressor.compress(bytes(data)) + compressor.flush()

    def decompress(self, data) -> bytes:
        inflater = zlib.decompressobj(47)  # 32 + 15: gzip or zlib header, largest window
        try:
            out = inflater.decompress(bytes(data), self._max_bytes + 1)
        except zlib.error as error:
            raise ConnectError(Code.INVALID_ARGUMENT, f"request: the gzip body is corrupt ({error})") from None
        if len(out) > self._max_bytes:
            raise ConnectError(Code.RESOURCE_EXHAUSTED, f"request: the gzip body inflates past the limit of "
                                                        f"{self._max_bytes} bytes; send a smaller region")
        if not inflater.eof:
            raise ConnectError(Code.INVALID_ARGUMENT, "request: the gzip body is truncated")
        return out


def connect_codecs() -> list:
    return [_StrictProtoCodec(), _StrictJsonCodec()]


def connect_compressions(max_bytes: int) -> list:
    return [_BoundedGzip(max_bytes)]
