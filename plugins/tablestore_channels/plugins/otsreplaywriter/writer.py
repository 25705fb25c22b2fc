"""The replay writer: multi-version change records ``[pk..., column, timestamp, value, op_type]``
(``U`` / ``DO`` / ``DA`` / ``DR``, in commit order per row) applied to a Tablestore table with
their cell timestamps, through BatchWriteRow (PutRow, UpdateRow, DeleteRow).

A split folds consecutive changes of a row into one effect (:mod:`row_effects`) and writes a
buffer of effects at a time, each row once per batch round, rounds one after the other: a row's
changes reach the table in their order. Replaying is idempotent: a rerun leaves the table as it
is. The target's key, predefined columns and versions come from the source
(:meth:`use_schema`); a new target is created without TTL (cells keep their original
timestamps, which a TTL would expire) and with a time deviation that admits them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import tablestore

from tablestore_channels.contract import CommitSummary, Connections, SchemaWriter, TableSchema
from tablestore_channels.errors import ConfigError, DirtyRecord, PreconditionError
from tablestore_channels.plugins.otsreplaywriter.config import OTSReplayWriterConfig
from tablestore_channels.plugins.otsreplaywriter.row_effects import RowEffect
from tablestore_channels.plugins.otsstreamreader.output_records import MULTI_VERSION_FIELDS
from tablestore_channels.plugins.otswriter.batches import MAX_BATCH_BYTES, RowBatchResult, RowBatchSink
from tablestore_channels.plugins.otswriter.target import TargetTable
from tablestore_channels.retrying import Retry, ots_retriable

log = logging.getLogger(__name__)

CHANGE_FIELDS = MULTI_VERSION_FIELDS  # after the primary key
MAX_CELLS_PER_WRITE = 1024
# A restored cell keeps its timestamp, however old: the service refuses timestamps further from
# now than the table's deviation (one day by default).
RESTORE_TIME_DEVIATION_SECONDS = 2**31 - 1
_VALUE_TYPES = (str, int, float, bool, bytearray)


class ReplaySplitResult(RowBatchResult):
    """A split's row writes, and the change records they came from."""

    changes: int


class ReplayCommitSummary(CommitSummary):
    """The table, the change records replayed and the splits' counts."""

    table: str
    changes: int
    batches: int
    retried_rows: int


class OTSReplayWriter(SchemaWriter[ReplaySplitResult]):
    """Checks or creates the target before the run; nothing to commit after it (every batch is
    durable once answered)."""

    def __init__(self, client: tablestore.OTSClient, config: OTSReplayWriterConfig, retry: Retry | None = None) -> None:
        self.client = client
        self.config = config
        self.retry = retry or Retry(ots_retriable, config.max_retry_time, config.retry_pause_ms)
        self.schema: TableSchema | None = None

    @classmethod
    def from_connections(cls, config: OTSReplayWriterConfig, connections: Connections,
                         run_key: str) -> OTSReplayWriter:
        return cls(connections.tablestore(config), config)

    def use_schema(self, schema: TableSchema) -> None:
        self.schema = schema

    def prepare(self, column_names: Sequence[str], column_types: Sequence[str | None] | None = None) -> dict:
        """Fail before anything is written unless the records are change records of the source's
        key and the target can hold them (its key, the versions it keeps); create it if missing
        and allowed. The context: the primary key."""
        schema = self.schema
        if schema is None:
            raise ConfigError("writer.plugin", "otsreplay needs the source table's shape from its reader.",
                              "use it with reader plugin pointintime.")
        names = [name for name, _ in schema.primary_key]
        if list(column_names) != [*names, *CHANGE_FIELDS]:
            raise ConfigError("writer.plugin", f"otsreplay takes change records [{', '.join(names)}, "
                              f"{', '.join(CHANGE_FIELDS)}]; the reader gives {list(column_names)}.",
                              "use it with reader plugin pointintime.")
        options = tablestore.TableOptions(time_to_live=-1, max_version=schema.max_versions,
                                          max_time_deviation=RESTORE_TIME_DEVIATION_SECONDS)
        target = TargetTable(self.config.table, schema.primary_key, schema.defined_columns, options,
                             keys=self.config, key_from="table", expected_from="the source table",
                             fix="restore into a new table, or one with the source's primary key")
        existing = target.ensure(self.client, self.retry, self.config.create_table_if_missing)
        if existing is not None and existing.max_version < schema.max_versions:
            raise PreconditionError(
                f"Tablestore table {self.config.table!r} keeps {existing.max_version} version(s) of a cell, the "
                f"source {schema.max_versions}: restored versions would be dropped. Fix: restore into a new table "
                f"(createTableIfMissing), or raise its max versions to {schema.max_versions} (UpdateTable).",
                key=self.config.key("table"))
        return {"primary_key": [list(c) for c in schema.primary_key]}

    def open_split(self, split: int, column_names: Sequence[str], context: dict) -> ReplaySplitWriter:
        return ReplaySplitWriter(self, split, [(name, kind) for name, kind in context["primary_key"]])

    def commit(self, results: Sequence[ReplaySplitResult], run: dict[str, Any],
               context: dict) -> ReplayCommitSummary:
        return {"table": self.config.table, "changes": sum(r["changes"] for r in results),
                "rows": sum(r["rows"] for r in results), "batches": sum(r["batches"] for r in results),
                "retried_rows": sum(r["retried_rows"] for r in results)}


class ReplaySplitWriter(RowBatchSink[ReplaySplitResult]):
    """Folds one split's change records into row effects and writes them in batch rounds."""

    def __init__(self, job: OTSReplayWriter, split: int, primary_key: list[tuple[str, str]]) -> None:
        super().__init__(job.client, job.config.table, job.retry, job.config.batch_write_count, split)
        self.primary_key = primary_key
        self.width = len(primary_key)
        self._effects: dict[tuple, tuple[Sequence[Any], RowEffect]] = {}
        self._effect_bytes = 0
        self.changes = 0

    def write(self, record: Sequence[Any]) -> int:
        width = self.width
        if len(record) != width + len(CHANGE_FIELDS):
            raise DirtyRecord(f"the record has {len(record)} fields; a change record has {width + len(CHANGE_FIELDS)}")
        key = tuple(record[:width])
        if any(v is None for v in key):
            raise DirtyRecord("a primary-key value is null")
        column, timestamp, value, op = record[width:]
        if isinstance(value, bytes):
            value = bytearray(value)  # the SDK sends bytes as STRING, a bytearray as BINARY
        elif value is not None and not isinstance(value, _VALUE_TYPES):
            raise DirtyRecord(f"a {type(value).__name__} value cannot be written to Tablestore", column=width + 2)
        entry = self._effects.get(key)
        effect = entry[1] if entry else RowEffect()
        before = effect.size if entry else 0
        effect.apply(op, column, timestamp, value)
        self._effects[key] = (record, effect)
        self._effect_bytes += effect.size - before
        self.changes += 1
        if len(self._effects) >= self.batch_write_count or self._effect_bytes >= MAX_BATCH_BYTES // 2:
            self._write_effects()
        return effect.size - before

    def _write_effects(self) -> None:
        """Every buffered row's writes, round by round: its first write in the first round..."""
        rounds: list[list[tuple[Sequence[Any], tablestore.RowItem, int]]] = []
        for key, (record, effect) in self._effects.items():
            pk = [(name, bytearray(v) if kind == "BINARY" else v) for (name, kind), v in zip(self.primary_key, key)]
            writes = effect.writes(pk, MAX_CELLS_PER_WRITE)
            for i, item in enumerate(writes):
                if i == len(rounds):
                    rounds.append([])
                rounds[i].append((record, item, effect.size // len(writes) + 1))
        for writes_of_round in rounds:
            for record, item, size in writes_of_round:
                self.add(record, item, size)
            self.flush()  # the next round's write of a row never shares a batch with this one's
        self._effects.clear()
        self._effect_bytes = 0

    def close(self) -> ReplaySplitResult:
        self._write_effects()
        return {**self.finish(), "changes": self.changes}
