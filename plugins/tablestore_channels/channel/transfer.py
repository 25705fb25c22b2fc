"""Move the records of one split from a reader to a writer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tablestore_channels.channel.dirty import DirtyRecords
from tablestore_channels.channel.progress import Progress
from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.errors import DirtyRecord


@dataclass(frozen=True)
class Rejected:
    """What a reader yields in place of a record it cannot decode (a malformed line, a value not
    of its column's type): the channel counts it as dirty and goes on with the next record."""

    record: Sequence[Any]
    reason: str
    column: int | None = None


class RecordSink(Protocol):
    def write(self, record: tuple) -> int:
        """Write one record, return the bytes it added; raise DirtyRecord if it cannot."""


@dataclass(frozen=True)
class TransferStats:
    read: int
    written: int
    dirty: int
    bytes: int
    seconds: float


def transfer(records: Iterable[tuple], sink: RecordSink, dirty: DirtyRecords, throttle: ByteThrottle,
             progress: Progress) -> TransferStats:
    read = written = 0
    for record in records:
        read += 1
        if type(record) is Rejected:
            dirty.add(record.record, record.reason, record.column)
            continue
        try:
            size = sink.write(record)
        except DirtyRecord as bad:
            dirty.add(record, bad.reason, bad.column)
            continue
        written += 1
        throttle.consume(size)
        progress.add(1, size)
    progress.report("done")
    return TransferStats(read=read, written=written, dirty=dirty.count, bytes=progress.bytes,
                         seconds=round(progress.elapsed, 3))
