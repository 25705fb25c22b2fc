"""Row writes of one split in BatchWriteRow requests: what OTSWriter and the replay writer share.

Batches stay within the service's limits (``batchWriteCount`` <= 200 rows, 4 MB) and one batch
is in flight while the next is converted; batches go out one after the other, in the order they
were added, so a later write of a row never overtakes an earlier one. A failed request is
retried by :class:`Retry`; rows the answer marks as failed are retried on their own when waiting
can cure their error, and are dirty records when it cannot (a value too large, a wrong key):
counted against ``errorLimit``, never dropped silently. A request refused as a whole for a row's
sake is split up to find that row. A batch may mix PutRow, UpdateRow and DeleteRow items.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import tablestore
from tablestore import OTSServiceError

from tablestore_channels.contract import BatchingSplitSink, DirtySink, SplitResult
from tablestore_channels.errors import ChannelError
from tablestore_channels.retrying import OTS_NON_RETRIABLE_CODES, Retry

log = logging.getLogger(__name__)

MAX_BATCH_BYTES = 4 * 1024 * 1024 - 64 * 1024  # BatchWriteRow's 4 MB, less room for our estimate's error
MAX_BATCHES_IN_FLIGHT = 1
# Row errors that retrying cannot cure and that concern the row itself: the row is dirty. Other
# hopeless row errors (no table, no permission) fail the task.
DIRTY_ROW_CODES = frozenset({
    "OTSParameterInvalid", "OTSInvalidPK", "OTSOutOfColumnCountLimit", "OTSOutOfRowSizeLimit",
    "OTSRequestBodyTooLarge", "OTSRequestTooLarge", "OTSConditionCheckFail",
})
IGNORE = tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE)

@dataclass(frozen=True)
class _PendingRow:
    record: Sequence[Any]
    item: tablestore.RowItem


class RowBatchResult(SplitResult):
    """A split's row writes: rows written, requests sent, rows sent again (its dirty records
    stay in the task log)."""

    split: int
    rows: int
    batches: int
    retried_rows: int


RowBatchResultT_co = TypeVar("RowBatchResultT_co", bound=RowBatchResult, covariant=True)


class RowBatchSink(BatchingSplitSink[RowBatchResultT_co]):
    """The batches of one split's row writes (a subclass's :meth:`write` turns records into
    items and :meth:`add` s them); rows that fail after :meth:`write` returned go to the
    split's :class:`~tablestore_channels.contract.DirtySink` (handed over by :meth:`collect_dirty`).
    A subclass's :meth:`close` returns :meth:`finish`'s counts, with its own if it has some."""

    def __init__(self, client: tablestore.OTSClient, table: str, retry: Retry, batch_write_count: int,
                 split: int) -> None:
        self.client = client
        self.table = table
        self.retry = retry
        self.batch_write_count = batch_write_count
        self.split = split
        self.sender = ThreadPoolExecutor(max_workers=MAX_BATCHES_IN_FLIGHT, thread_name_prefix="ots-write")
        self.dirty: DirtySink | None = None
        self.dirty_count = 0
        self._batch: list[_PendingRow] = []
        self._batch_bytes = 0
        self._in_flight: deque[Future] = deque()
        self.rows = self.batches = self.retried_rows = 0

    def collect_dirty(self, dirty: DirtySink) -> None:
        self.dirty = dirty

    def add(self, record: Sequence[Any], item: tablestore.RowItem, size: int) -> None:
        """Queue one row write (``record``: what is reported if the row is refused)."""
        if self._batch_bytes + size > MAX_BATCH_BYTES:
            self.flush()
        self._batch.append(_PendingRow(record, item))
        self._batch_bytes += size
        if len(self._batch) >= self.batch_write_count:
            self.flush()

    def write_dirty(self, line: bytes) -> None:
        # The target is a table: the dirty records stay in the task log (the first ones are
        # logged by the channel, every one here) and are counted in the result.
        self.dirty_count += 1
        log.info("dirty record (split %d): %s", self.split, line.decode().rstrip())

    def flush(self) -> None:
        """Send what is queued (behind the batches already sent)."""
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
        table = self.table
        rejected: list[tuple[Sequence[Any], str]] = []
        attempt = 0
        last_error = ""
        while rows:
            request = tablestore.BatchWriteRowRequest()
            request.add(tablestore.TableInBatchWriteRowItem(table, [r.item for r in rows]))
            try:
                response = self.retry.call(f"BatchWriteRow({table}, {len(rows)} rows)",
                                           self.client.batch_write_row, request)
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
            items = _in_request_order(response, table)
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
                if attempt > self.retry.max_retries:
                    raise ChannelError(f"{len(rows)} row(s) of table {table} still fail after "
                                       f"{self.retry.max_retries} retries (last: {last_error}).")
                self.retried_rows += len(rows)
                pause = self.retry.delay(attempt)
                log.warning("%d row(s) of a batch failed with retriable errors; retry %d in %.1fs",
                            len(rows), attempt, pause)
                self.retry.sleep(pause)
        return rejected

    def finish(self) -> RowBatchResult:
        """Send what is queued and wait for every batch; the split's counts."""
        self.flush()
        while self._in_flight:
            self._settle(self._in_flight.popleft())
        self.sender.shutdown()
        return {"split": self.split, "rows": self.rows, "batches": self.batches,
                "retried_rows": self.retried_rows, "dirty": self.dirty_count}

    def abort(self) -> str | None:
        for future in self._in_flight:
            future.cancel()
        self._in_flight.clear()
        self.sender.shutdown(cancel_futures=True)
        return None


def _in_request_order(response: tablestore.BatchWriteRowResponse, table: str) -> list:
    """The answer's row items in the order of the request's rows, whatever their kinds."""
    items = [*response.get_put_by_table(table), *response.get_update_by_table(table),
             *response.get_delete_by_table(table)]
    return sorted(items, key=lambda item: item.index)
