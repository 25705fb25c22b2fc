"""Move the records of one split from a reader to a writer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from tablestore_channels.channel.dirty import DirtyRecords
from tablestore_channels.channel.progress import Progress
from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.errors import DirtyRecord


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
