"""OTSWriter: records into a Tablestore table with BatchWriteRow (PutRow or UpdateRow).

Batches stay within the service's limits (``batchWriteCount`` <= 200 rows, 4 MB) and one batch
is in flight while the next is converted. A failed request is retried by :class:`Retry`; rows the
answer marks as failed are retried on their own when waiting can cure their error, and are dirty
records when it cannot (a value too large, a wrong key): counted against ``errorLimit``, never
dropped silently. A request refused as a whole for a row's sake is split up to find that row.
PutRow writes whole rows, so a rerun rewrites the same rows and doubles nothing; there is
nothing to make visible at commit.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import tablestore
from tablestore import OTSServiceError

from tablestore_channels.config.ots_writer import PUT_ROW, OTSWriterConfig
from tablestore_channels.contract import BatchingSplitSink, Connections, DirtySink, Writer
from tablestore_channels.errors import ChannelError, ConfigError, DirtyRecord, PreconditionError
from tablestore_channels.retrying import OTS_NON_RETRIABLE_CODES, Retry, ots_retriable
from tablestore_channels.writers.ots_rows import RowConverter

log = logging.getLogger(__name__)

MAX_BATCH_BYTES = 4 * 1024 * 1024 - 64 * 1024  # BatchWriteRow's 4 MB, less room for our estimate's error
MAX_BATCHES_IN_FLIGHT = 1
# Row errors that retrying cannot cure and that concern the row itself: the row is dirty. Other
# hopeless row errors (no table, no permission) fail the task.
DIRTY_ROW_CODES = frozenset({
    "OTSParameterInvalid", "OTSInvalidPK", "OTSOutOfColumnCountLimit", "OTSOutOfRowSizeLimit",
    "OTSRequestBodyTooLarge", "OTSRequestTooLarge", "OTSConditionCheckFail",
})
_IGNORE = tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE)


class OTSWriter(Writer):
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
            raise ConfigError("writer.parameter.column",
                              f"the reader gives {len(column_names)} fields ({', '.join(column_names)}) but "
                              f"primaryKey and column name {len(wanted)} ({', '.join(wanted)}).",
                              "give one writer column per reader field, primary key first.")
        try:
            meta = self.retry.call("DescribeTable", self.client.describe_table, self.config.table).table_meta
        except OTSServiceError as error:
            if error.code != "OTSObjectNotExist":
                raise
            if not self.config.create_table_if_missing:
                raise PreconditionError(
                    f"Tablestore table {self.config.table!r} does not exist in this instance. Fix: create it, or "
                    "set createTableIfMissing to true.", key="configuration.writer.parameter.table") from error
            self._create_table()
            return {}
        self._check_primary_key([(name, kind) for name, kind, *_ in meta.schema_of_primary_key])
        return {}

    def _create_table(self) -> None:
        config = self.config
        meta = tablestore.TableMeta(config.table, [(c.name, c.type) for c in config.primary_key],
                                    defined_columns=[(c.name, c.type) for c in config.columns])
        try:
            self.retry.call(f"CreateTable {config.table}", self.client.create_table, meta,
                            tablestore.TableOptions(time_to_live=-1, max_version=1),
                            tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)))
        except OTSServiceError as error:
            if error.code != "OTSObjectAlreadyExist":  # created meanwhile: check it as any other
                raise
            meta = self.retry.call("DescribeTable", self.client.describe_table, config.table).table_meta
            self._check_primary_key([(name, kind) for name, kind, *_ in meta.schema_of_primary_key])
            return
        log.info("Created table %s with primary key %s", config.table,
                 ", ".join(f"{c.name} {c.type}" for c in config.primary_key))

    def _check_primary_key(self, actual: list[tuple[str, str]]) -> None:
        expected = [(c.name, c.type) for c in self.config.primary_key]
        if actual == expected:
            return
        table = self.config.table
        for i in range(max(len(actual), len(expected))):
            have = actual[i] if i < len(actual) else None
            want = expected[i] if i < len(expected) else None
            if have == want:
                continue
            if have is not None and want is None:
                problem = f"table {table!r} has primary-key column {have[0]!r} ({have[1]}) at position {i + 1}, " \
                          "which writer.parameter.primaryKey does not list"
            elif want is not None and have is None:
                problem = f"writer.parameter.primaryKey lists {want[0]!r} at position {i + 1}, but table {table!r} " \
                          f"has only {len(actual)} primary-key column(s)"
            elif have is not None and want is not None:
                problem = f"primary-key column {i + 1} of table {table!r} is {have[0]!r} {have[1]}, but " \
                          f"writer.parameter.primaryKey says {want[0]!r} {want[1]}"
            raise PreconditionError(f"{problem}. Fix: list the table's primary key in order: "
                                    f"{', '.join(f'{n} {t}' for n, t in actual)}.",
                                    key="configuration.writer.parameter.primaryKey")

    def open_split(self, split: int, column_names: Sequence[str], context: dict | None = None) -> OTSSplitWriter:
        return OTSSplitWriter(self, split)

    def commit(self, results: Sequence[dict], run: dict[str, Any], context: dict | None = None) -> dict:
        """Nothing to make visible (every batch is durable once answered): the summary."""
        return {"table": self.config.table, "write_mode": self.config.write_mode,
                "rows": sum(r["rows"] for r in results), "batches": sum(r["batches"] for r in results),
                "retried_rows": sum(r["retried_rows"] for r in results)}


@dataclass(frozen=True)
class _PendingRow:
    record: Sequence[Any]
    item: tablestore.RowItem


class OTSSplitWriter(BatchingSplitSink):
    """Writes the records of one split in batches; rows that fail after :meth:`write` returned
    go to the split's :class:`~tablestore_channels.contract.DirtySink` (handed over by :meth:`collect_dirty`)."""

    def __init__(self, job: OTSWriter, split: int) -> None:
        self.job = job
        self.config = job.config
        self.split = split
        self.converter = RowConverter(job.config)
        self.put = job.config.write_mode == PUT_ROW
        self.sender = ThreadPoolExecutor(max_workers=MAX_BATCHES_IN_FLIGHT, thread_name_prefix="ots-write")
        self.dirty: DirtySink | None = None
        self.dirty_count = 0
        self._batch: list[_PendingRow] = []
        self._batch_bytes = 0
        self._in_flight: deque[Future] = deque()
        self.rows = self.batches = self.retried_rows = 0

    def collect_dirty(self, dirty: DirtySink) -> None:
        self.dirty = dirty

    def write(self, record: Sequence[Any]) -> int:
        primary_key, attributes, size = self.converter.convert(record)
        if size > MAX_BATCH_BYTES:
            raise DirtyRecord(f"the row takes about {size} bytes, more than a BatchWriteRow request may carry")
        if self.put:
            item = tablestore.PutRowItem(tablestore.Row(primary_key, attributes), _IGNORE)
        else:
            item = tablestore.UpdateRowItem(tablestore.Row(primary_key, {"PUT": attributes}), _IGNORE)
        if self._batch_bytes + size > MAX_BATCH_BYTES:
            self._flush()
        self._batch.append(_PendingRow(record, item))
        self._batch_bytes += size
        if len(self._batch) >= self.config.batch_write_count:
            self._flush()
        return size

    def write_dirty(self, line: bytes) -> None:
        # The target is a table: the dirty records stay in the task log (the first ones are
        # logged by the channel, every one here) and are counted in the result.
        self.dirty_count += 1
        log.info("dirty record (split %d): %s", self.split, line.decode().rstrip())

    def _flush(self) -> None:
        if not self._batch:
            return
        self._in_flight.append(self.sender.submit(self._send, self._batch))
        self._batch, self._batch_bytes = [], 0
        while len(self._in_flight) > MAX_BATCHES_IN_FLIGHT:
            self._settle(self._in_flight.popleft())

    def _settle(self, future: Future) -> None:
        """Wait for a batch and record its rows that cannot be written (in this thread: the
        error limit may stop the split here)."""
        for record, reason in future.result():
            if self.dirty is None:
                raise ChannelError(f"row rejected and no dirty-record collector to count it: {reason}")
            self.dirty.add(record, reason)

    def _send(self, rows: list[_PendingRow]) -> list[tuple[Sequence[Any], str]]:
        """Write ``rows``; returns the rows that cannot be written, with the reason."""
        table = self.config.table
        rejected: list[tuple[Sequence[Any], str]] = []
        attempt = 0
        last_error = ""
        while rows:
            request = tablestore.BatchWriteRowRequest()
            request.add(tablestore.TableInBatchWriteRowItem(table, [r.item for r in rows]))
            try:
                response = self.job.retry.call(f"BatchWriteRow({table}, {len(rows)} rows)",
                                               self.job.client.batch_write_row, request)
            except OTSServiceError as error:
                if error.code not in DIRTY_ROW_CODES:
                    raise
                if len(rows) == 1:
                    return [*rejected, (rows[0].record, f"Tablestore refused the row: {error.code}: {error.message}")]
                # refused as a whole for the sake of some row: one request per row finds it
                for row in rows:
                    rejected += self._send([row])
                return rejected
            self.batches += 1
            items = response.get_put_by_table(table) if self.put else response.get_update_by_table(table)
            retry: list[_PendingRow] = []
            for row, item in zip(rows, items):
                if item.is_ok:
                    self.rows += 1
                elif item.error_code in DIRTY_ROW_CODES:
                    rejected.append((row.record, f"Tablestore refused the row: {item.error_code}: "
                                                 f"{item.error_message}"))
                elif item.error_code not in OTS_NON_RETRIABLE_CODES:
                    retry.append(row)
                    last_error = f"{item.error_code}: {item.error_message}"
                else:
                    raise ChannelError(f"BatchWriteRow on {table}: {item.error_code}: {item.error_message}")
            rows = retry
            if rows:
                attempt += 1
                if attempt > self.job.retry.max_retries:
                    raise ChannelError(f"{len(rows)} row(s) of table {table} still fail after "
                                       f"{self.job.retry.max_retries} retries (last: {last_error}).")
                self.retried_rows += len(rows)
                pause = self.job.retry.delay(attempt)
                log.warning("%d row(s) of a batch failed with retriable errors; retry %d in %.1fs",
                            len(rows), attempt, pause)
                self.job.retry.sleep(pause)
        return rejected

    def close(self) -> dict:
        self._flush()
        while self._in_flight:
            self._settle(self._in_flight.popleft())
        self.sender.shutdown()
        return {"split": self.split, "rows": self.rows, "batches": self.batches,
                "retried_rows": self.retried_rows, "dirty": self.dirty_count}

    def abort(self) -> None:
        for future in self._in_flight:
            future.cancel()
        self._in_flight.clear()
        self.sender.shutdown(cancel_futures=True)
