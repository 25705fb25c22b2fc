"""Tablestore primary-key values and their order.

Keys are lists of ``(name, value)`` as the SDK takes them; a value is ``str`` (STRING), ``int``
(INTEGER), ``bytearray`` (BINARY: the SDK sends ``bytes`` as STRING) or the SDK's ``INF_MIN`` /
``INF_MAX``. Ordering follows the service: INF_MIN < every value < INF_MAX, strings and binaries
by their bytes, integers numerically.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tablestore

INF_MIN = tablestore.INF_MIN
INF_MAX = tablestore.INF_MAX


def is_infinite(value: Any) -> bool:
    return value is INF_MIN or value is INF_MAX


def value_type(value: Any) -> str | None:
    """The PK type a value has (None for INF_MIN/INF_MAX)."""
    if is_infinite(value):
        return None
    if isinstance(value, bool):
        raise TypeError(f"booleans are not primary-key values: {value!r}")
    if isinstance(value, int):
        return "INTEGER"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, (bytes, bytearray)):
        return "BINARY"
    raise TypeError(f"not a primary-key value: {value!r}")


def sort_key(value: Any) -> tuple:
    """A key that orders one PK column's values as the service does."""
    if value is INF_MIN:
        return (0,)
    if value is INF_MAX:
        return (2,)
    if isinstance(value, str):
        return (1, value.encode("utf-8"))
    if isinstance(value, (bytes, bytearray)):
        return (1, bytes(value))
    return (1, value)


def row_key(values: Sequence[Any]) -> tuple:
    """Sort key of a whole primary key (values only, in PK order)."""
    return tuple(sort_key(v) for v in values)


def pad(values: Sequence[Any], width: int, filler: Any) -> list[Any]:
    """Complete a PK prefix to ``width`` columns with ``filler`` (INF_MIN or INF_MAX)."""
    return list(values) + [filler] * (width - len(values))


def with_names(names: Sequence[str], values: Sequence[Any]) -> list[tuple[str, Any]]:
    return list(zip(names, values, strict=True))


def render(value: Any) -> str:
    """A short human form for messages."""
    if value is INF_MIN:
        return "INF_MIN"
    if value is INF_MAX:
        return "INF_MAX"
    if isinstance(value, (bytes, bytearray)):
        return f"binary({bytes(value).hex()})"
    return repr(value)


def to_json(value: Any) -> Any:
    """A JSON form of a PK value (for XCom): infinities and binaries are tagged objects."""
    if value is INF_MIN:
        return {"inf": "min"}
    if value is INF_MAX:
        return {"inf": "max"}
    if isinstance(value, (bytes, bytearray)):
        return {"binary": bytes(value).hex()}
    return value


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "inf" in value:
            return INF_MIN if value["inf"] == "min" else INF_MAX
        return bytearray.fromhex(value["binary"])
    return value
