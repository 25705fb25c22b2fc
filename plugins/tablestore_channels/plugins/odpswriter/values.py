"""Record values -> MaxCompute column values: exactly, or not at all.

A reader gives Python values (Tablestore: str, int, float, bool, bytes/bytearray; other readers
also datetime, date, Decimal). Each column type accepts the values that convert without loss,
as DataX's column casts do (a bool is 1/0 in an integer column, "true"/"false" in a string
one), and rejects the rest with a reason: a fraction into BIGINT, an integer out of range, text
that is no number, a string longer than VARCHAR(n), a DECIMAL with more fractional digits than
its scale (pyodps would round it), a DATETIME with sub-millisecond digits (MaxCompute keeps
milliseconds). A rejected value makes its record dirty; nothing is ever silently changed.

Naive datetimes (and text without an offset) are the worker's local time, as pyodps reads
them; an integer into DATETIME is epoch milliseconds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from odps import types as odps_types

from tablestore_channels.errors import DirtyRecord

Converter = Callable[[Any], Any]

MAX_FIELD_BYTES = 8 * 1024 * 1024  # the tunnel's default limit for a STRING or BINARY value
_FLOAT32_MAX = 3.4028234663852886e38
_INTEGER_BITS = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class UnsupportedType(ValueError):
    """A column type records cannot be converted to."""


def _kind(value: Any) -> str:
    return type(value).__name__


def _integer(bits: int) -> Converter:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def in_range(number: int) -> int:
        if low <= number <= high:
            return number
        raise ValueError(f"{number} is out of range [{low}, {high}]")

    def convert(value: Any) -> int:
        if type(value) is int:
            return value if low <= value <= high else in_range(value)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"{value!r} is not a whole number")
            return in_range(int(value))
        if isinstance(value, (str, Decimal)):
            number = _decimal(value)
            whole, fraction = _digits(number)
            if fraction:
                raise ValueError(f"{value!r} is not a whole number")
            if whole > 19:  # checked before int(): '1e999999999' must not build a huge integer
                raise ValueError(f"{value!r} is out of range [{low}, {high}]")
            return in_range(int(number))
        raise ValueError(f"a {_kind(value)} is not an integer")

    return convert


def _decimal(value: str | Decimal) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _double(value: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is int:
        number = float(value)
        if number != value:  # beyond 2**53 a double cannot hold every integer
            raise ValueError(f"{value} has no exact DOUBLE")
        return number
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if isinstance(value, Decimal):
        return float(value)
    raise ValueError(f"a {_kind(value)} is not a number")


def _float(value: Any) -> float:
    number = _double(value)
    if math.isfinite(number) and abs(number) > _FLOAT32_MAX:
        raise ValueError(f"{value!r} is out of FLOAT range")
    return number


def _boolean(value: Any) -> bool:
    if type(value) is bool:
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"{value!r} is not a boolean (true/false)")


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("the bytes are not UTF-8 text") from None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    raise ValueError(f"a {_kind(value)} has no text form")


def _string(value: Any) -> str:
    if type(value) is str and len(value) <= MAX_FIELD_BYTES // 4:
        return value
    text = _text(value)
    # 4 bytes per character at most: encode only strings that could be too long
    if len(text) * 4 > MAX_FIELD_BYTES and len(text.encode("utf-8")) > MAX_FIELD_BYTES:
        raise ValueError(f"the text has more than {MAX_FIELD_BYTES} bytes")
    return text


def _sized_string(limit: int) -> Converter:
    def convert(value: Any) -> str:
        text = _text(value)
        if len(text) > limit:
            raise ValueError(f"the text has {len(text)} characters, more than {limit}")
        return text

    return convert


def _binary(value: Any) -> bytes:
    if type(value) is bytes and len(value) <= MAX_FIELD_BYTES:
        return value
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    elif isinstance(value, str):
        data = value.encode("utf-8")
    else:
        raise ValueError(f"a {_kind(value)} is not binary")
    if len(data) > MAX_FIELD_BYTES:
        raise ValueError(f"the value has more than {MAX_FIELD_BYTES} bytes")
    return data


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif type(value) is int:
        try:
            moment = _EPOCH + dt.timedelta(milliseconds=value)
        except OverflowError:
            raise ValueError(f"{value} ms since the epoch is out of DATETIME range") from None
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date-time like 2024-01-31 12:00:00") from None
    else:
        raise ValueError(f"a {_kind(value)} is not a date-time")
    if moment.microsecond % 1000:
        raise ValueError(f"{value!r} has digits below the millisecond DATETIME keeps")
    return moment


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueError(f"{value!r} has a time of day")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date like 2024-01-31") from None
    raise ValueError(f"a {_kind(value)} is not a date")


def _digits(number: Decimal) -> tuple[int, int]:
    """(digits before the point, digits after it) of a finite number, trailing zeros aside."""
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # a finite number's; 'n', 'N', 'F' mark NaN and infinity
    count = len(digits)
    while exponent < 0 and count > 1 and digits[count - 1] == 0:
        count -= 1
        exponent += 1
    if not any(digits):
        return 0, 0
    return max(0, count + exponent), max(0, -exponent)


def _decimal_column(precision: int, scale: int) -> Converter:
    def convert(value: Any) -> Decimal:
        if isinstance(value, bool):
            raise ValueError("a bool is not a number")
        if isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = _decimal(repr(value))  # the shortest text of the double: what it reads as
        elif isinstance(value, (str, Decimal)):
            number = _decimal(value)
        else:
            raise ValueError(f"a {_kind(value)} is not a number")
        whole, fraction = _digits(number)
        if fraction > scale:
            raise ValueError(f"{value!r} has more than {scale} digits after the point")
        if whole > precision - scale:
            raise ValueError(f"{value!r} has more than {precision - scale} digits before the point")
        return number

    return convert


def converter_for(data_type: odps_types.DataType) -> Converter:
    """The converter of one column type; UnsupportedType for types records do not reach."""
    name = data_type.name.split("(")[0].split("<")[0].lower()
    if name in _INTEGER_BITS:
        return _integer(_INTEGER_BITS[name])
    if isinstance(data_type, odps_types.Decimal):
        return _decimal_column(data_type.precision or data_type._default_precision,
                               data_type.scale if data_type.scale is not None else data_type._default_scale)
    if isinstance(data_type, (odps_types.Varchar, odps_types.Char)):
        return _sized_string(data_type.size_limit)
    simple = {"double": _double, "float": _float, "boolean": _boolean, "string": _string, "binary": _binary,
              "datetime": _datetime, "date": _date}
    if name in simple:
        return simple[name]
    if name.startswith("timestamp"):
        raise UnsupportedType(f"{data_type.name} needs pandas in pyodps's record writer, which is not "
                              "installed; use a DATETIME column (millisecond precision)")
    raise UnsupportedType(f"{data_type.name} is not a type records can be converted to")


class RecordConverter:
    """Converts reader records into a row of the table's columns, in place.

    :param types: the column type of each record position.
    :param positions: the table column each record position goes to.
    :param nullable: whether each record position's column accepts null.
    :param names: the column names, for the reasons of dirty records.
    """

    def __init__(self, types: Sequence[odps_types.DataType], positions: Sequence[int], nullable: Sequence[bool],
                 names: Sequence[str], empty_as_null: bool = False) -> None:
        self._columns = list(zip(range(len(types)), [converter_for(t) for t in types], positions))
        self._nullable = list(nullable)
        self._names = list(names)
        self._types = [t.name for t in types]
        self._empty_as_null = empty_as_null

    def fill(self, record: Sequence[Any], row: list) -> None:
        """Write ``record``'s values into ``row`` (one slot per table column); DirtyRecord if a
        value does not convert. Slots of unmapped columns are never touched (they stay null)."""
        if len(record) != len(self._columns):
            raise DirtyRecord(f"the record has {len(record)} values, the writer maps {len(self._columns)} columns")
        empty_as_null = self._empty_as_null
        for (i, convert, position), value in zip(self._columns, record):
            if value is None or (empty_as_null and value == ""):
                if not self._nullable[i]:
                    raise DirtyRecord(f"column {self._names[i]!r} is NOT NULL but the value is null", column=i)
                row[position] = None
                continue
            try:
                row[position] = convert(value)
            except (ValueError, OverflowError) as error:
                raise DirtyRecord(f"column {self._names[i]!r} ({self._types[i]}): {error}", column=i) from None
