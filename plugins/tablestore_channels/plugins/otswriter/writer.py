"""OTSWriter: records into a Tablestore table with BatchWriteRow (PutRow or UpdateRow).

Batching, retries and rows the service refuses: :mod:`tablestore_channels.plugins.otswriter.batches`.
PutRow writes whole rows, so a rerun rewrites the same rows and doubles nothing; there is
nothing to make visible at commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import tablestore

from tablestore_channels.contract import CommitSummary, Connections, Writer
from tablestore_channels.errors import ConfigError, DirtyRecord
from tablestore_channels.plugins.otswriter.batches import IGNORE, MAX_BATCH_BYTES, RowBatchResult, RowBatchSink
from tablestore_channels.plugins.otswriter.config import PUT_ROW, OTSWriterConfig
from tablestore_channels.plugins.otswriter.rows import RowConverter
from tablestore_channels.plugins.otswriter.target import TargetTable
from tablestore_channels.retrying import Retry, ots_retriable

log = logging.getLogger(__name__)


class OTSCommitSummary(CommitSummary):
    """The table, the write mode and the splits' counts."""

    table: str
    write_mode: str
    batches: int
    retried_rows: int


class OTSWriter(Writer[RowBatchResult]):
    """The job side: checks (or creates) the table before the run; nothing to commit after it.

    :param client: a TablestoreClient with NoRetryPolicy (the writer retries).
    """

    def __init__(self, client: tablestore.OTSClient, config: OTSWriterConfig, retry: Retry | None = None) -> None:
        self.client = client
        self.config = config
        self.retry = retry or Retry(ots_retriable, config.max_retry_time, config.retry_pause_ms)

    @classmethod
    def from_connections(cls, config: OTSWriterConfig, connections: Connections, run_key: str) -> OTSWriter:
        return cls(connections.tablestore(config), config)

    def prepare(self, column_names: Sequence[str], column_types: Sequence[str | None] | None = None) -> dict:
        """Fail before anything is written if the reader's fields do not map onto the writer's
        columns, or the table is missing (unless ``createTableIfMissing``) or has another
        primary key. Returns the context the splits get (none)."""
        wanted = self.config.names
        if column_names and len(column_names) != len(wanted):
            raise ConfigError(self.config.key("column"),
                              f"the reader gives {len(column_names)} fields ({', '.join(column_names)}) but "
                              f"primaryKey and column name {len(wanted)} ({', '.join(wanted)}).",
                              "give one writer column per reader field, primary key first.")
        config = self.config
        TargetTable(config.table, [(c.name, c.type) for c in config.primary_key],
                    [(c.name, c.type) for c in config.columns], keys=config).ensure(
            self.client, self.retry, config.create_table_if_missing)
        return {}

    def open_split(self, split: int, column_names: Sequence[str], context: dict | None = None) -> OTSSplitWriter:
        return OTSSplitWriter(self, split)

    def commit(self, results: Sequence[RowBatchResult], run: dict[str, Any],
               context: dict | None = None) -> OTSCommitSummary:
        """Nothing to make visible (every batch is durable once answered): the summary."""
        return {"table": self.config.table, "write_mode": self.config.write_mode,
                "rows": sum(r["rows"] for r in results), "batches": sum(r["batches"] for r in results),
                "retried_rows": sum(r["retried_rows"] for r in results)}


class OTSSplitWriter(RowBatchSink[RowBatchResult]):
    """Writes the records of one split as PutRow or UpdateRow items of the shared batches."""

    def __init__(self, job: OTSWriter, split: int) -> None:
        super().__init__(job.client, job.config.table, job.retry, job.config.batch_write_count, split)
        self.converter = RowConverter(job.config)
        self.put = job.config.write_mode == PUT_ROW

    def write(self, record: Sequence[Any]) -> int:
        primary_key, attributes, size = self.converter.convert(record)
        if size > MAX_BATCH_BYTES:
            raise DirtyRecord(f"the row takes about {size} bytes, more than a BatchWriteRow request may carry")
        if self.put:
            item = tablestore.PutRowItem(tablestore.Row(primary_key, attributes), IGNORE)
        else:
            item = tablestore.UpdateRowItem(tablestore.Row(primary_key, {"PUT": attributes}), IGNORE)
        self.add(record, item, size)
        return size

    def close(self) -> RowBatchResult:
        return self.finish()
