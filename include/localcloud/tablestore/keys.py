"""Order-preserving byte keys for primary keys: comparing two keys as bytes orders the rows as
Tablestore does (column by column; INTEGER as signed numbers, STRING and BINARY byte-wise,
INF_MIN before and INF_MAX after every value). Rows are kept sorted by these keys."""

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
