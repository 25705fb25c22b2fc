"""Tablestore primary-key values and their order.

Keys are lists of ``(name, value)`` as the SDK takes them; a value is ``str`` (STRING), ``int``
(INTEGER), ``bytearray`` (BINARY: the SDK sends ``bytes`` as STRING) or the SDK's ``INF_MIN`` /
``INF_MAX``. Ordering follows the service: INF_MIN < every value < INF_MAX, strings and binaries
by their bytes, integers numerically.

A job's configuration holds its open bounds as ``OPEN_MIN`` / ``OPEN_MAX`` instead: it is built
when a DAG file is parsed, where importing the SDK (its client, protobuf, numpy...) would cost
more than the rest of the parse. :func:`sdk_values` turns them into the SDK's when a task runs
(the SDK tells ``INF_MIN`` / ``INF_MAX`` by identity), and ``INF_MIN`` / ``INF_MAX`` of this module
import the SDK on first use (PEP 562). The functions below take either form.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Sequence
from typing import Any


class OpenBound(enum.Enum):
    """An open bound as a configuration holds it, the SDK not imported; its value is its name in
    messages."""

    MIN = "INF_MIN"
    MAX = "INF_MAX"


OPEN_MIN, OPEN_MAX = OpenBound.MIN, OpenBound.MAX


@functools.cache
def _sdk_bounds() -> dict[OpenBound, Any]:
    import tablestore

    return {OPEN_MIN: tablestore.INF_MIN, OPEN_MAX: tablestore.INF_MAX}


def __getattr__(name: str) -> Any:
    """``INF_MIN`` / ``INF_MAX``: the SDK's, which imports it."""
    if name in ("INF_MIN", "INF_MAX"):
        return _sdk_bounds()[OpenBound(name)]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_bound(value: Any) -> OpenBound | None:
    """Which open bound ``value`` is, in either form; None for a concrete value."""
    if isinstance(value, OpenBound):
        return value
    if isinstance(value, type):  # the SDK's INF_MIN / INF_MAX are classes, no concrete value is: only then the SDK
        return next((bound for bound, sdk in _sdk_bounds().items() if value is sdk), None)
    return None


def sdk_values(values: Sequence[Any]) -> list[Any]:
    """``values`` with ``OPEN_MIN`` / ``OPEN_MAX`` replaced by the SDK's ``INF_MIN`` / ``INF_MAX``."""
    return [_sdk_bounds()[v] if isinstance(v, OpenBound) else v for v in values]


def is_infinite(value: Any) -> bool:
    return open_bound(value) is not None


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
    bound = open_bound(value)
    if bound is not None:
        return (0,) if bound is OPEN_MIN else (2,)
    if isinstance(value, str):
        return (1, value.encode("utf-8"))
    if isinstance(value, (bytes, bytearray)):
        return (1, bytes(value))
    return (1, value)


def row_key(values: Sequence[Any]) -> tuple:
    """Sort key of a whole primary key (values only, in PK order)."""
    return tuple(sort_key(v) for v in values)


def pad(values: Sequence[Any], width: int, filler: Any) -> list[Any]:
    """Complete a PK prefix to ``width`` columns with ``filler`` (an open bound)."""
    return list(values) + [filler] * (width - len(values))


def with_names(names: Sequence[str], values: Sequence[Any]) -> list[tuple[str, Any]]:
    return list(zip(names, values, strict=True))


def render(value: Any) -> str:
    """A short human form for messages."""
    bound = open_bound(value)
    if bound is not None:
        return bound.value
    if isinstance(value, (bytes, bytearray)):
        return f"binary({bytes(value).hex()})"
    return repr(value)


def to_json(value: Any) -> Any:
    """A JSON form of a PK value (for XCom): infinities and binaries are tagged objects."""
    bound = open_bound(value)
    if bound is not None:
        return {"inf": "min" if bound is OPEN_MIN else "max"}
    if isinstance(value, (bytes, bytearray)):
        return {"binary": bytes(value).hex()}
    return value


def from_json(value: Any) -> Any:
    """The PK value of :func:`to_json`'s form: infinities are the SDK's."""
    if isinstance(value, dict):
        if "inf" in value:
            return _sdk_bounds()[OPEN_MIN if value["inf"] == "min" else OPEN_MAX]
        return bytearray.fromhex(value["binary"])
    return value
