"""Column types and table schemas: parsing, the names the service prints, and the Arrow types
committed data is stored with.

Type strings are parsed by :mod:`localcloud.maxcompute.types`. Storage uses the Arrow type pyodps
reads each column as, so an Arrow download is the stored data itself; DATETIME is stored as epoch
milliseconds, TIMESTAMP as epoch nanoseconds (UTC), DATE as days, exactly the values the tunnel
carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from localcloud.maxcompute.errors import MaxComputeError
from localcloud.maxcompute.types import INTEGER_KINDS, STRING_KINDS, DataType, parse_type

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")

PARTITION_KEY_KINDS = STRING_KINDS + INTEGER_KINDS


def check_name(kind: str, name: str) -> str:
    """A table or column name, lower-cased as the service stores it."""
    if not NAME_PATTERN.match(name or ""):
        raise MaxComputeError("InvalidArgument", f"invalid {kind} name {name!r}: use letters, "
                              "digits and underscores, starting with a letter or underscore")
    return name.lower()


def type_name(text: str) -> str:
    """The type as the service prints it in table metadata (``bigint``, ``decimal(10,2)``)."""
    return str(parse_type(text))


@dataclass(frozen=True)
class Column:
    """A data column or a partition key."""

    name: str
    type: str
    comment: str = ""
    nullable: bool = True

    @classmethod
    def create(cls, name: str, type_text: str, comment: str = "", nullable: bool = True) -> Column:
        return cls(check_name("column", name), type_name(type_text), comment or "", nullable)

    @property
    def data_type(self) -> DataType:
        return parse_type(self.type)

    @property
    def arrow_type(self) -> pa.DataType:
        return self.data_type.arrow_type

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
            if key.data_type.kind not in PARTITION_KEY_KINDS:
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

    def to_json(self) -> dict:
        return {"columns": [c.to_json() for c in self.columns],
                "partitionKeys": [k.to_json() for k in self.partition_keys]}

    @classmethod
    def from_json(cls, data: dict) -> TableSchema:
        return cls(tuple(Column.from_json(c) for c in data["columns"]),
                   tuple(Column.from_json(k) for k in data.get("partitionKeys", [])))
