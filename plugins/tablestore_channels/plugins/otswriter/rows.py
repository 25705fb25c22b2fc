"""Records to Tablestore rows: each field converted to its column's declared type.

A field already of the right Python type passes as it is; text (from a delimited file read
without column types) is parsed with :func:`parse_value`, so base64 becomes BINARY and
``1e-300`` a DOUBLE exactly. Anything else that would change the value is a dirty record.
Nulls: a primary-key null is dirty; an attribute null is simply absent from the row (Tablestore
has no null), and in UpdateRow mode leaves the stored column as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tablestore_channels.errors import DirtyRecord
from tablestore_channels.formats.values import INT64_MAX, INT64_MIN, parse_value, render_bool, render_float
from tablestore_channels.plugins.otswriter.config import OTSWriterConfig, TargetColumn

# Rough PlainBuffer + protobuf cost of a row and of a cell besides name and value, for keeping
# batches under BatchWriteRow's 4 MB.
ROW_OVERHEAD = 32
CELL_OVERHEAD = 20


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return render_bool(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return render_float(value)
    raise DirtyRecord(f"a {type(value).__name__} value cannot become a STRING")


def _to_integer(value: Any) -> int:
    if isinstance(value, str):
        return parse_value(value, "int")
    if isinstance(value, int) and not isinstance(value, bool):
        if not INT64_MIN <= value <= INT64_MAX:
            raise DirtyRecord(f"{value} is outside the 64-bit integer range")
        return int(value)
    raise DirtyRecord(f"a {type(value).__name__} value {value!r} cannot become an INTEGER")


def _to_double(value: Any) -> float:
    if isinstance(value, str):
        return parse_value(value, "double")
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int) and not isinstance(value, bool) and float(value) == value:
        return float(value)  # only integers a double holds exactly
    raise DirtyRecord(f"a {type(value).__name__} value {value!r} cannot become a DOUBLE exactly")


def _to_boolean(value: Any) -> bool:
    if isinstance(value, str):
        return parse_value(value, "bool")
    if isinstance(value, bool):
        return value
    raise DirtyRecord(f"a {type(value).__name__} value {value!r} cannot become a BOOLEAN")


def _to_binary(value: Any) -> bytearray:
    # the SDK sends bytes as STRING; only a bytearray travels as BINARY
    if isinstance(value, str):
        return bytearray(parse_value(value, "binary"))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytearray(value)
    raise DirtyRecord(f"a {type(value).__name__} value cannot become a BINARY")


# Tablestore type -> (the Python type that passes unchanged, the conversion of anything else).
# Every integer goes through its conversion: Python's are unbounded, Tablestore's 64-bit.
_CONVERSIONS: dict[str, tuple[type | None, Callable[[Any], Any]]] = {
    "STRING": (str, _to_string),
    "INTEGER": (None, _to_integer),
    "DOUBLE": (float, _to_double),
    "BOOLEAN": (bool, _to_boolean),
    "BINARY": (bytearray, _to_binary),
}


def value_size(value: Any) -> int:
    """Bytes a converted value takes on the wire (close enough for batching)."""
    if type(value) is str:
        return len(value) if value.isascii() else len(value.encode())
    if type(value) is bytearray:
        return len(value)
    return 8


@dataclass(frozen=True)
class _Field:
    position: int
    name: str
    exact: type | None
    convert: Callable[[Any], Any]

    @classmethod
    def of(cls, position: int, column: TargetColumn) -> _Field:
        exact, convert = _CONVERSIONS[column.type]
        return cls(position, column.name, exact, convert)

    def typed(self, value: Any) -> Any:
        try:
            return self.convert(value)
        except DirtyRecord as error:
            raise DirtyRecord(f"column {self.name!r}: {error.reason}", column=self.position) from None


class RowConverter:
    """Converts records (primary key fields first, then ``column``) for ``config``."""

    def __init__(self, config: OTSWriterConfig) -> None:
        self._pk = [_Field.of(i, c) for i, c in enumerate(config.primary_key)]
        self._attributes = [_Field.of(len(self._pk) + i, c) for i, c in enumerate(config.columns)]
        self._width = len(self._pk) + len(self._attributes)
        self._name_sizes = sum(len(f.name) + CELL_OVERHEAD for f in (*self._pk, *self._attributes))

    def convert(self, record: Sequence[Any]) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]], int]:
        """(primary key, attribute cells without nulls, estimated size in bytes).

        :raises DirtyRecord: (with ``column``) for a wrong field count, a null primary-key value or
            a value that cannot become its column's type.
        """
        if len(record) != self._width:
            raise DirtyRecord(f"the record has {len(record)} fields; the writer maps {self._width} "
                              "(primaryKey, then column)")
        size = ROW_OVERHEAD + self._name_sizes
        primary_key = []
        for field in self._pk:
            value = record[field.position]
            if value is None:
                raise DirtyRecord(f"primary-key column {field.name!r} is null", column=field.position)
            if type(value) is not field.exact:
                value = field.typed(value)
            primary_key.append((field.name, value))
            size += value_size(value)
        attributes = []
        for field in self._attributes:
            value = record[field.position]
            if value is None:
                continue
            if type(value) is not field.exact:
                value = field.typed(value)
            attributes.append((field.name, value))
            size += value_size(value)
        return primary_key, attributes, size
