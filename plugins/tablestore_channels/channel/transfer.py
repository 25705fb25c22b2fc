"""Move the records of one split from a reader to a writer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tablestore_channels.channel.dirty import DirtyRecords
from tablestore_channels.channel.progress import Progress
from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.contract import Record, Rejected, SplitSink
from tablestore_channels.errors import DirtyRecord


@dataclass(frozen=True)
class TransferStats:
    read: int
    dirty: int
    bytes: int
    seconds: float


def transfer(records: Iterable[Record | Rejected], sink: SplitSink, dirty: DirtyRecords, throttle: ByteThrottle,
             progress: Progress) -> TransferStats:
    read = 0
    for record in records:
        read += 1
        if isinstance(record, Rejected):
            dirty.add(record.record, record.reason, record.column)
            continue
        try:
            size = sink.write(record)
        except DirtyRecord as bad:
            dirty.add(record, bad.reason, bad.column)
            continue
        throttle.consume(size)
        progress.add(1, size)
    progress.report("done")
    return TransferStats(read=read, dirty=dirty.count, bytes=progress.bytes,
                         seconds=round(progress.elapsed, 3))
