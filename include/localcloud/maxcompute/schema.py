"""Column types and table schemas: parsing, the names the service prints, and the Arrow types
committed data is stored with.

Type strings are parsed with pyodps's own ``validate_data_type`` so the server accepts exactly
what the client can read back. Storage uses pyodps's ODPS -> Arrow mapping, so an Arrow download
is the stored data itself; DATETIME is stored as epoch milliseconds, TIMESTAMP as epoch nanoseconds
(UTC), DATE as days, exactly the values the tunnel carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
from odps import types as odps_types
from odps.tunnel.io.types import odps_type_to_arrow_type

from localcloud.maxcompute.errors import MaxComputeError

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")

_PRIMITIVES = (
    odps_types.Bigint, odps_types.Int, odps_types.Smallint, odps_types.Tinyint,
    odps_types.Double, odps_types.Float, odps_types.Boolean, odps_types.String,
    odps_types.Binary, odps_types.Datetime, odps_types.Date, odps_types.Timestamp,
    odps_types.TimestampNTZ, odps_types.Decimal, odps_types.Varchar, odps_types.Char,
)
PARTITION_KEY_TYPES = (odps_types.String, odps_types.Varchar, odps_types.Char, odps_types.Bigint,
                       odps_types.Int, odps_types.Smallint, odps_types.Tinyint)


def check_name(kind: str, name: str) -> str:
    """A table or column name, lower-cased as the service stores it."""
    if not NAME_PATTERN.match(name or ""):
        raise MaxComputeError("InvalidArgument", f"invalid {kind} name {name!r}: use letters, "
                              "digits and underscores, starting with a letter or underscore")
    return name.lower()


def parse_type(text: str) -> odps_types.DataType:
    """Parse a type string; raise InvalidArgument for unknown or unsupported types."""
    try:
        data_type = odps_types.validate_data_type(text)
    except (ValueError, TypeError, KeyError) as exc:
        raise MaxComputeError("InvalidArgument", f"unknown column type {text!r}") from exc
    _check_supported(data_type, text)
    return data_type


def _check_supported(data_type: odps_types.DataType, text: str) -> None:
    if isinstance(data_type, odps_types.Array):
        _check_supported(data_type.value_type, text)
    elif isinstance(data_type, odps_types.Map):
        _check_supported(data_type.key_type, text)
        _check_supported(data_type.value_type, text)
    elif isinstance(data_type, odps_types.Struct):
        for field_type in data_type.field_types.values():
            _check_supported(field_type, text)
    elif not isinstance(data_type, _PRIMITIVES):
        raise MaxComputeError("InvalidArgument", f"column type {text!r} is not supported by the "
                              "local MaxCompute server")


def type_name(data_type: odps_types.DataType) -> str:
    """The type as the service prints it in table metadata (``bigint``, ``decimal(10,2)``)."""
    return str(data_type).lower().replace("`", "")


@dataclass(frozen=True)
class Column:
    """A data column or a partition key."""

    name: str
    type: str
    comment: str = ""
    nullable: bool = True

    @classmethod
    def create(cls, name: str, type_text: str, comment: str = "", nullable: bool = True) -> Column:
        return cls(check_name("column", name), type_name(parse_type(type_text)), comment or "", nullable)

    @property
    def odps_type(self) -> odps_types.DataType:
        return odps_types.validate_data_type(self.type)

    @property
    def arrow_type(self) -> pa.DataType:
        return odps_type_to_arrow_type(self.odps_type)

    def to_json(self) -> dict:
        return {"name": self.name, "type": self.type, "comment": self.comment,
                "isNullable": self.nullable}

    @classmethod
    def from_json(cls, data: dict) -> Column:
        return cls(data["name"], data["type"], data.get("comment", ""), data.get("isNullable", True))


@dataclass(frozen=True)
class TableSchema:
    """Data columns and partition keys of a table."""

    columns: tuple[Column, ...]
    partition_keys: tuple[Column, ...] = ()

    def __post_init__(self) -> None:
        if not self.columns:
            raise MaxComputeError("InvalidArgument", "a table needs at least one column")
        names = [c.name for c in self.columns + self.partition_keys]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise MaxComputeError("InvalidArgument", f"duplicate column name(s) {duplicates}")
        for key in self.partition_keys:
            if not isinstance(key.odps_type, PARTITION_KEY_TYPES):
                raise MaxComputeError("InvalidArgument", f"partition key {key.name} has type "
                                      f"{key.type}; use string, varchar, char or an integer type")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column | None:
        name = name.lower()
        return next((c for c in self.columns + self.partition_keys if c.name == name), None)

    def arrow_schema(self, names: list[str] | None = None) -> pa.Schema:
        """The storage schema of the data columns (all, or ``names`` in that order)."""
        columns = self.columns if names is None else [self.column(n) for n in names]
        return pa.schema([pa.field(c.name, c.arrow_type) for c in columns])

    def odps_schema(self) -> odps_types.OdpsSchema:
        """The schema as pyodps models it (the codecs encode and decode with it)."""
        return odps_types.OdpsSchema(
            [odps_types.Column(c.name, c.odps_type) for c in self.columns],
            [odps_types.Partition(k.name, k.odps_type) for k in self.partition_keys] or None)

    def to_json(self) -> dict:
        return {"columns": [c.to_json() for c in self.columns],
                "partitionKeys": [k.to_json() for k in self.partition_keys]}

    @classmethod
    def from_json(cls, data: dict) -> TableSchema:
        return cls(tuple(Column.from_json(c) for c in data["columns"]),
                   tuple(Column.from_json(k) for k in data.get("partitionKeys", [])))
