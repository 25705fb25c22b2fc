"""OTSWriter parameters (``writer.plugin: ots``), with DataX's names and meanings.

The reader's fields map by position onto ``primaryKey`` and then ``column``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tablestore_channels.config import connection_ids
from tablestore_channels.config.ots_credentials import INLINE_CREDENTIAL_KEYS, refuse_inline_credentials
from tablestore_channels.config.parameters import JobKeys, Parameters
from tablestore_channels.datasets import Dataset, Namespaces, tablestore_table
from tablestore_channels.errors import ConfigError

PUT_ROW, UPDATE_ROW = "PutRow", "UpdateRow"
MAX_BATCH_ROWS = 200  # BatchWriteRow's limit
# Type names of the job (DataX's and Tablestore's spellings) -> Tablestore's.
_TYPES = {"string": "STRING", "int": "INTEGER", "integer": "INTEGER", "long": "INTEGER", "double": "DOUBLE",
          "bool": "BOOLEAN", "boolean": "BOOLEAN", "binary": "BINARY", "bytes": "BINARY"}
PK_TYPES = ("STRING", "INTEGER", "BINARY")


@dataclass(frozen=True)
class TargetColumn:
    """A Tablestore column: ``name`` and ``type`` (STRING, INTEGER, DOUBLE, BOOLEAN, BINARY)."""

    name: str
    type: str


@dataclass(frozen=True)
class OTSWriterConfig(JobKeys):
    """Validated OTSWriter parameters.

    ``create_table_if_missing``: create ``table`` in prepare with ``primary_key`` (and ``columns``
    as predefined columns) instead of failing when it does not exist.
    """

    table: str
    primary_key: tuple[TargetColumn, ...]
    columns: tuple[TargetColumn, ...] = ()
    write_mode: str = PUT_ROW
    max_retry_time: int = 18
    retry_pause_ms: int = 100
    batch_write_count: int = 100
    create_table_if_missing: bool = False
    datasource: str = connection_ids.TABLESTORE
    path: str = field(default="writer.parameter", compare=False)  # where the job holds it

    ALLOWED = ("datasource", "table", "primaryKey", "column", "writeMode", "maxRetryTime",
               "retryPauseInMillisecond", "batchWriteCount", "createTableIfMissing", *INLINE_CREDENTIAL_KEYS)

    def dataset(self, summary: dict, namespaces: Namespaces) -> Dataset:
        return tablestore_table(namespaces, self, self.table)

    @classmethod
    def from_parameter(cls, raw: Mapping[str, Any], path: str = "writer.parameter") -> OTSWriterConfig:
        p = Parameters(raw, path, allowed=cls.ALLOWED)
        refuse_inline_credentials(p)
        primary_key = tuple(_column(e, f"{p.key('primaryKey')}[{i}]") for i, e in enumerate(p.list("primaryKey")))
        if not 1 <= len(primary_key) <= 4:
            raise ConfigError(p.key("primaryKey"), f"has {len(primary_key)} columns; a table has 1 to 4.",
                              "list the table's primary-key columns in order.")
        for i, pk in enumerate(primary_key):
            if pk.type not in PK_TYPES:
                raise ConfigError(f"{p.key('primaryKey')}[{i}].type", f"{pk.type} cannot be a primary-key type.",
                                  "use string, int or binary.")
        columns = tuple(_column(e, f"{p.key('column')}[{i}]") for i, e in enumerate(p.list("column", [])))
        names = [c.name for c in (*primary_key, *columns)]
        duplicate = next((n for i, n in enumerate(names) if n in names[:i]), None)
        if duplicate:
            raise ConfigError(p.key("column"), f"names {duplicate!r} twice (primaryKey and column together).",
                              "give each column once.")
        write_mode = p.choice("writeMode", (PUT_ROW, UPDATE_ROW), PUT_ROW)
        return cls(
            path=path,
            table=p.string("table"), primary_key=primary_key, columns=columns, write_mode=write_mode,
            max_retry_time=p.integer("maxRetryTime", 18, minimum=0),
            retry_pause_ms=p.integer("retryPauseInMillisecond", 100, minimum=1),
            batch_write_count=batch_count(p),
            create_table_if_missing=p.boolean("createTableIfMissing", False),
            datasource=p.string("datasource", connection_ids.TABLESTORE),
        )

    @property
    def names(self) -> list[str]:
        """Column names in record order: the primary key, then the attribute columns."""
        return [c.name for c in (*self.primary_key, *self.columns)]


def batch_count(p: Parameters, default: int = 100) -> int:
    """``batchWriteCount``: rows per BatchWriteRow, within the service's limit."""
    count = p.integer("batchWriteCount", default, minimum=1)
    if count > MAX_BATCH_ROWS:
        raise ConfigError(p.key("batchWriteCount"), f"is {count}; BatchWriteRow takes at most {MAX_BATCH_ROWS} rows.",
                          f"use 1..{MAX_BATCH_ROWS}.")
    return count


def _column(entry: Any, key: str) -> TargetColumn:
    if not isinstance(entry, Mapping) or set(entry) != {"name", "type"}:
        raise ConfigError(key, f"must be {{\"name\": ..., \"type\": ...}}, got {entry!r}.")
    name = entry["name"]
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{key}.name", f"must be a non-empty string, got {name!r}.")
    kind = _TYPES.get(str(entry["type"]).lower())
    if kind is None:
        raise ConfigError(f"{key}.type", f"unknown type {entry['type']!r}.",
                          "use string, int, double, bool or binary.")
    return TargetColumn(name, kind)
