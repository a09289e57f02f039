"""The protobuf wire format, decoded by hand: enough to read the few fields a log reader needs.

TensorBoard's event files and Weights & Biases' run files hold protobuf messages; decoding the fields
that carry scalars needs neither protobuf nor the writers' packages. A message is a sequence of
fields, each a varint key (``field number << 3 | wire type``) then its value: a varint (wire type 0),
8 bytes (1), a varint length and that many bytes (2), or 4 bytes (5).
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["Malformed", "fields", "varint"]


class Malformed(Exception):
    """A protobuf message that cannot be decoded."""


def varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it.

    Examples
    --------
    >>> varint(bytes([0xAC, 0x02]), 0)
    (300, 2)
    """
    result, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise Malformed("truncated varint")
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield (field number, wire type, value) for each field of a protobuf message.

    Varints come as int, fixed64/fixed32 as their raw bytes, length-delimited as bytes.

    Examples
    --------
    >>> list(fields(bytes([0x08, 0x96, 0x01, 0x12, 0x02]) + b"hi"))
    [(1, 0, 150), (2, 2, b'hi')]
    """
    pos = 0
    while pos < len(data):
        key, pos = varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = varint(data, pos)
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        elif wire == 2:
            size, pos = varint(data, pos)
            value, pos = data[pos : pos + size], pos + size
        else:
            raise Malformed(f"unsupported wire type {wire}")
        if pos > len(data):
            raise Malformed("field runs past the end of the message")
        yield number, wire, value
