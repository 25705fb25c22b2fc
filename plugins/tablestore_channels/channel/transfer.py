"""Move the records of one split from a reader to a writer: page by page when the reader reads
pages and the writer writes them (:class:`PagedReader`, :class:`PagedSplitSink`), else record
by record. Both ways count, throttle and report the same."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tablestore_channels.channel.dirty import DirtyRecords
from tablestore_channels.channel.progress import Progress
from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.contract import PagedReader, PagedSplitSink, Reader, Record, Rejected, SplitSink
from tablestore_channels.errors import DirtyRecord


@dataclass(frozen=True)
class TransferStats:
    read: int
    dirty: int
    bytes: int
    seconds: float


def move(reader: Reader, descriptor: dict, sink: SplitSink, dirty: DirtyRecords, throttle: ByteThrottle,
         progress: Progress) -> TransferStats:
    """Move the split ``descriptor`` of ``reader`` to ``sink``."""
    # A page of rows outlives a few young collections, so the cyclic collector's full runs come
    # every few thousand rows; each would scan all the task process holds (Airflow, the SDKs,
    # the clients), which outlives the split anyway: frozen, they cost the transfer nothing.
    gc.freeze()
    try:
        if isinstance(reader, PagedReader) and isinstance(sink, PagedSplitSink):
            return transfer_pages(reader.read_pages(descriptor), sink, dirty, throttle, progress)
        return transfer(reader.read(descriptor), sink, dirty, throttle, progress)
    finally:
        gc.unfreeze()


def transfer(records: Iterable[Record | Rejected], sink: SplitSink, dirty: DirtyRecords, throttle: ByteThrottle,
             progress: Progress) -> TransferStats:
    read = _write_each(records, sink, dirty, throttle, progress)
    return _done(read, dirty, progress)


def transfer_pages(pages: Iterable[Sequence[Record]], sink: PagedSplitSink, dirty: DirtyRecords,
                   throttle: ByteThrottle, progress: Progress) -> TransferStats:
    read = 0
    for page in pages:
        read += len(page)
        written, size = sink.write_page(page)
        if written:
            throttle.consume(size)
            progress.add(written, size)
        if written < len(page):
            # the rest of a page the sink did not take whole, one by one (a dirty record is rare,
            # and so is an object's end)
            _write_each(page[written:], sink, dirty, throttle, progress)
    return _done(read, dirty, progress)


def _write_each(records: Iterable[Record | Rejected], sink: SplitSink, dirty: DirtyRecords, throttle: ByteThrottle,
                progress: Progress) -> int:
    """Write the records one by one; how many there were."""
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
    return read


def _done(read: int, dirty: DirtyRecords, progress: Progress) -> TransferStats:
    progress.report("done")
    return TransferStats(read=read, dirty=dirty.count, bytes=progress.bytes, seconds=round(progress.elapsed, 3))
