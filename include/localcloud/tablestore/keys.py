"""Order-preserving byte keys for primary keys, and back: comparing two keys as bytes orders the
rows as Tablestore does (column by column; INTEGER as signed numbers, STRING and BINARY
byte-wise, INF_MIN before and INF_MAX after every value). Rows are kept sorted by these keys,
and the key is the only copy of a stored row's primary key."""

from __future__ import annotations

from localcloud.tablestore.plainbuffer import INF_MAX, INF_MIN

_BELOW, _VALUE, _ABOVE = b"\x00", b"\x01", b"\x02"
_TERMINATOR = b"\x00\x00"  # below the escape b"\x00\xff" and below every other byte


def encode_key(values: tuple) -> bytes:
    """The sort key of a primary key given as its column values in schema order."""
    parts = []
    for value in values:
        if value is INF_MIN:
            parts.append(_BELOW)
        elif value is INF_MAX:
            parts.append(_ABOVE)
        elif type(value) is int:
            parts.append(_VALUE + (value + (1 << 63)).to_bytes(8, "big"))
        else:
            data = value.encode("utf-8") if type(value) is str else value
            parts.append(_VALUE + data.replace(b"\x00", b"\x00\xff") + _TERMINATOR)
    return b"".join(parts)


def _decode_value(key: bytes, pos: int, kind: type) -> tuple[object, int]:
    marker = key[pos]
    if marker != _VALUE[0]:
        return (INF_MIN if marker == _BELOW[0] else INF_MAX), pos + 1
    if kind is int:
        return int.from_bytes(key[pos + 1:pos + 9], "big") - (1 << 63), pos + 9
    end = pos + 1
    while True:  # the terminator is the first 00 not followed by the escape's ff
        end = key.index(b"\x00", end)
        if key[end + 1] != 0xFF:
            break
        end += 2
    data = key[pos + 1:end].replace(b"\x00\xff", b"\x00")
    return (data.decode("utf-8") if kind is str else data), end + 2


def decode_key(key: bytes, kinds: list[type]) -> tuple:
    """The column values of a sort key, given the columns' Python types (int, str, bytes)."""
    values, pos = [], 0
    for kind in kinds:
        value, pos = _decode_value(key, pos, kind)
        values.append(value)
    return tuple(values)


def first_key_value(key: bytes, kind: type) -> object:
    """The first column's value of a sort key."""
    return _decode_value(key, 0, kind)[0]
