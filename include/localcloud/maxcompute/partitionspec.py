"""Partition specs: ``ds='20240101',hr='08'`` (REST, SQL) or ``ds=20240101,hr=08`` (tunnel).

A spec resolves against a table's partition keys into the tuple of values in key order, which is
how the catalog names a partition.
"""

from __future__ import annotations

from localcloud.maxcompute.errors import invalid_partition_spec
from localcloud.maxcompute.schema import TableSchema

MAX_VALUE_LENGTH = 255
_FORBIDDEN = set("/\\=,'\"") | {chr(c) for c in range(32)}


def parse(text: str) -> list[tuple[str, str]]:
    """Split a spec string into (key, value) pairs; values may be quoted with ' or "."""
    pairs: list[tuple[str, str]] = []
    for part in _split_unquoted(text or "", ","):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise invalid_partition_spec(f"{text!r} should look like key1='v1',key2='v2'")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        pairs.append((key, value))
    if not pairs:
        raise invalid_partition_spec("the spec is empty")
    return pairs


def _split_unquoted(text: str, sep: str) -> list[str]:
    parts, current, quote = [], [], None
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == sep:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        parts.append("".join(current))
    return [p for p in parts if p.strip()]


def resolve(schema: TableSchema, pairs: list[tuple[str, str]], table: str,
            prefix: bool = False) -> tuple[str, ...]:
    """The partition values in key order. ``prefix`` accepts the leading keys only (listing)."""
    keys = [k.name for k in schema.partition_keys]
    if not keys:
        raise invalid_partition_spec(f"table {table} is not partitioned")
    given = {}
    for key, value in pairs:
        key = key.lower()
        if key not in keys:
            raise invalid_partition_spec(f"{key!r} is not a partition key of {table} (keys: {keys})")
        if key in given:
            raise invalid_partition_spec(f"partition key {key!r} given twice")
        given[key] = check_value(schema, key, value)
    values = []
    for key in keys:
        if key not in given:
            if prefix:
                break
            raise invalid_partition_spec(f"missing partition key {key!r} of {table} (keys: {keys})")
        values.append(given.pop(key))
    if given:
        raise invalid_partition_spec(f"keys {sorted(given)} follow a missing key; give keys in "
                                     f"order {keys}")
    return tuple(values)


def check_value(schema: TableSchema, key: str, value: str) -> str:
    if not value or len(value) > MAX_VALUE_LENGTH or _FORBIDDEN & set(value):
        raise invalid_partition_spec(f"value {value!r} of {key!r} must be 1-{MAX_VALUE_LENGTH} "
                                     "characters without quotes, '/', '\\', '=', ',' or control characters")
    if schema.column(key).type in ("bigint", "int", "smallint", "tinyint"):
        try:
            return str(int(value))
        except ValueError:
            raise invalid_partition_spec(f"value {value!r} of integer key {key!r} is not an integer") from None
    return value


def format_spec(schema: TableSchema, values: tuple[str, ...], quoted: bool = True) -> str:
    """``ds='v1',hr='v2'`` (quoted) or ``ds=v1,hr=v2``."""
    quote = "'" if quoted else ""
    return ",".join(f"{k.name}={quote}{v}{quote}" for k, v in zip(schema.partition_keys, values))
