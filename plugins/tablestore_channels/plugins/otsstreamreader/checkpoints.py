"""Stream checkpoints in the status table, laid out as DataX's OTSStreamReader does it.

Primary key ``StreamId, StatusType, StatusValue`` (all STRING), TTL 30 days. A checkpoint set is
keyed by a time: the end of the window that wrote it, which is the start of the next window.

- one row per shard: ``(stream, "CheckpointForDataxReader", "<time:016d>\\t<shard>")`` with
  ``Checkpoint`` (an iterator, or ``SHARD_END`` for a shard read to its end) and ``SkipCount``
  (records to skip after the iterator: the position may fall inside a batch);
- one marker row written last: ``(stream, "ShardCountForCheck", "<time:016d>")`` with
  ``ShardCount``. A set without its marker, or with a different number of shard rows, is
  incomplete (a commit died half-way) and is not used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import tablestore
from tablestore import OTSServiceError

from tablestore_channels.retrying import Retry

log = logging.getLogger(__name__)

SHARD_END = "SHARD_END"
CHECKPOINT_TYPE = "CheckpointForDataxReader"
MARKER_TYPE = "ShardCountForCheck"
TTL_SECONDS = 30 * 24 * 3600
_BATCH = 200  # rows per BatchWriteRow


@dataclass(frozen=True)
class ShardPosition:
    """Where a shard resumes: at ``iterator`` after skipping ``skip`` records; ``iterator`` None
    means the shard was read to its end."""

    iterator: str | None
    skip: int = 0

    @property
    def finished(self) -> bool:
        return self.iterator is None

    def to_json(self) -> list:
        return [self.iterator, self.skip]

    @classmethod
    def from_json(cls, data: list) -> ShardPosition:
        return cls(data[0], data[1])


FINISHED = ShardPosition(None)


class CheckpointStore:
    """Reads and writes checkpoint sets of one stream in the status table ``table``."""

    def __init__(self, client: tablestore.OTSClient, table: str, retry: Retry) -> None:
        self.client = client
        self.table = table
        self.retry = retry

    def ensure_table(self) -> None:
        """Create the status table if it is absent (another run may create it at the same time)."""
        if self._exists():
            return
        meta = tablestore.TableMeta(self.table, [("StreamId", "STRING"), ("StatusType", "STRING"),
                                                 ("StatusValue", "STRING")])
        try:
            self.retry.call(f"CreateTable {self.table}", self.client.create_table, meta,
                            tablestore.TableOptions(time_to_live=TTL_SECONDS, max_version=1),
                            tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)))
            log.info("Created the stream status table %s (TTL 30 days)", self.table)
        except OTSServiceError as error:
            if error.code != "OTSObjectAlreadyExist":
                raise

    def load(self, stream_id: str, time_ms: int) -> dict[str, ShardPosition] | None:
        """The complete checkpoint set keyed at ``time_ms``, or None."""
        _, marker, _ = self.retry.call("GetRow checkpoint marker", self.client.get_row, self.table,
                                       _key(stream_id, MARKER_TYPE, _time(time_ms)), max_version=1)
        if marker is None:
            return None
        expected = {n: v for n, v, *_ in marker.attribute_columns}.get("ShardCount")
        positions = {}
        for row in self._shard_rows(stream_id, time_ms):
            shard_id = dict(row.primary_key)["StatusValue"].split("\t", 1)[1]
            columns = {n: v for n, v, *_ in row.attribute_columns}
            iterator = columns.get("Checkpoint")
            positions[shard_id] = FINISHED if iterator == SHARD_END else ShardPosition(iterator, columns.get("SkipCount", 0))
        if len(positions) != expected:
            log.warning("Checkpoint set of stream %s at %d is incomplete (%d of %s shard rows); not using it",
                        stream_id, time_ms, len(positions), expected)
            return None
        return positions

    def newest_time(self, stream_id: str) -> int | None:
        """The time of the stream's newest complete-looking set (its marker), or None: where the
        newest committed window ended."""
        if not self._exists():
            return None
        start, end = _key(stream_id, MARKER_TYPE, "\x7f"), _key(stream_id, MARKER_TYPE, "")
        _, _, rows, _ = self.retry.call("GetRange newest checkpoint", self.client.get_range, self.table,
                                        tablestore.Direction.BACKWARD, start, end, max_version=1, limit=1)
        return int(dict(rows[0].primary_key)["StatusValue"]) if rows else None

    def _exists(self) -> bool:
        return self.table in self.retry.call("ListTable", self.client.list_table)

    def save(self, stream_id: str, time_ms: int, positions: dict[str, ShardPosition]) -> None:
        """Write the set keyed at ``time_ms``: shard rows first, the marker last."""
        rows = [tablestore.Row(_key(stream_id, CHECKPOINT_TYPE, f"{_time(time_ms)}\t{shard_id}"),
                               [("Checkpoint", position.iterator or SHARD_END), ("SkipCount", position.skip)])
                for shard_id, position in sorted(positions.items())]
        self._write(tablestore.PutRowItem, rows)
        marker = tablestore.Row(_key(stream_id, MARKER_TYPE, _time(time_ms)), [("ShardCount", len(positions))])
        self._write(tablestore.PutRowItem, [marker])

    def delete(self, stream_id: str, time_ms: int) -> int:
        """Remove the set keyed at ``time_ms`` (marker first); returns the shard rows removed."""
        self._write(tablestore.DeleteRowItem, [tablestore.Row(_key(stream_id, MARKER_TYPE, _time(time_ms)))])
        keys = [tablestore.Row(row.primary_key) for row in self._shard_rows(stream_id, time_ms)]
        self._write(tablestore.DeleteRowItem, keys)
        return len(keys)

    def _shard_rows(self, stream_id: str, time_ms: int) -> list:
        # "\n" sorts right after "\t": the range holds exactly the shard rows of this time
        start = _key(stream_id, CHECKPOINT_TYPE, f"{_time(time_ms)}\t")
        end = _key(stream_id, CHECKPOINT_TYPE, f"{_time(time_ms)}\n")
        rows = []
        while start:
            _, start, page, _ = self.retry.call("GetRange checkpoints", self.client.get_range, self.table,
                                                tablestore.Direction.FORWARD, start, end, max_version=1)
            rows += page
        return rows

    def _write(self, item: type, rows: list) -> None:
        for i in range(0, len(rows), _BATCH):
            request = tablestore.BatchWriteRowRequest()
            expect = tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE)
            request.add(tablestore.TableInBatchWriteRowItem(self.table, [item(row, expect) for row in rows[i:i + _BATCH]]))
            self.retry.call("BatchWriteRow checkpoints", self._batch_write, request)

    def _batch_write(self, request: tablestore.BatchWriteRowRequest) -> None:
        result = self.client.batch_write_row(request)
        failed = [r for r in (*result.get_failed_of_put(), *result.get_failed_of_delete()) if not r.is_ok]
        if failed:  # raised inside the retry: a throttled row is retried like a throttled call
            raise OTSServiceError(500, failed[0].error_code, failed[0].error_message)

def _key(stream_id: str, status_type: str, value: str) -> list[tuple[str, str]]:
    return [("StreamId", stream_id), ("StatusType", status_type), ("StatusValue", value)]


def _time(time_ms: int) -> str:
    return f"{time_ms:016d}"
