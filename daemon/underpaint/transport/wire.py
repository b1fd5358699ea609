"""A protobuf message's encoding as a list of pieces, with large bytes fields (pixels) left where
they are instead of copied into one buffer.

upb's SerializeToString of a 64 MiB image grows its buffer, encodes into it and copies the result
into a Python bytes object: about 2.5 copies of the pixels (bench/RESULTS.md). Here each large
bytes field costs the one copy of reading it, and the gateway hands the pieces to the socket as
they are. Concatenated, the pieces are a valid encoding of the same message: fields may come in
another order, which every protobuf parser accepts (the last value of a singular field wins and
repeated elements keep their order). Unknown fields of a large message are not carried over.
"""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor

LARGE_BYTES = 1 << 20  # a bytes field this long is sent as it lies

_LENGTH_DELIMITED = 2


def encode_pieces(message) -> list:
    """(upb's ByteSize serializes the message to measure it, so sizes are learnt from the
    values themselves: a message type that cannot hold bytes is serialized in one go.)"""
    if not _holds_bytes(message.DESCRIPTOR):
        return [message.SerializeToString()]
    rest, out = type(message)(), []
    for field, value in message.ListFields():
        if field.type == FieldDescriptor.TYPE_BYTES and not field.is_repeated and len(value) >= LARGE_BYTES:
            out += [_key(field.number) + _varint(len(value)), value]
        elif field.type == FieldDescriptor.TYPE_MESSAGE and not _is_map(field) and _holds_bytes(field.message_type):
            for item in (value if field.is_repeated else [value]):
                inner = encode_pieces(item)
                out += [_key(field.number) + _varint(sum(len(p) for p in inner))] + inner
        elif field.is_repeated:
            getattr(rest, field.name).MergeFrom(value)  # repeated fields and maps
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            getattr(rest, field.name).CopyFrom(value)
        else:
            setattr(rest, field.name, value)
    return [rest.SerializeToString()] + out


_HOLDS_BYTES: dict[str, bool] = {}


def _holds_bytes(descriptor, seen=()) -> bool:
    """Whether messages of this type can carry a bytes field, directly or in a message field."""
    name = descriptor.full_name
    if name not in _HOLDS_BYTES:
        if name in seen:
            return False  # a recursive type: at worst a missed saving, never a wrong encoding
        _HOLDS_BYTES[name] = any(
            field.type == FieldDescriptor.TYPE_BYTES
            or (field.type == FieldDescriptor.TYPE_MESSAGE and not _is_map(field)
                and _holds_bytes(field.message_type, seen + (name,)))
            for field in descriptor.fields)
    return _HOLDS_BYTES[name]


def _is_map(field) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _key(number: int) -> bytes:
    return _varint(number << 3 | _LENGTH_DELIMITED)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
