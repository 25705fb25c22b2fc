"""Plan, run and commit a job, DataX style: the plan cuts the source into splits and prepares the
target; each split task moves one split through a channel; the commit checks the error limit
over all splits and makes the output visible. Plain Python: operators call these with clients
built from Airflow connections (:class:`Connections`), tests and benchmarks with their own.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from tablestore_channels.channel import read_period
from tablestore_channels.channel.dirty import DirtyRecords
from tablestore_channels.channel.progress import Progress
from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.channel.transfer import move
from tablestore_channels.contract import (
    BatchingSplitSink,
    CheckpointingReader,
    Connections,
    DescribedReader,
    DiscardingWriter,
    Reader,
    SchemaReader,
    SchemaWriter,
    SplitResult,
    TypedReader,
    Writer,
)
from tablestore_channels.errors import ErrorLimitExceeded
from tablestore_channels.job import JobSpec
from tablestore_channels.plugins.registry import READERS, WRITERS, implementation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunInfo:
    """Identity of the run, the same in every task and on every retry."""

    run_key: str
    details: dict[str, Any]


def _reader(job: JobSpec, connections: Connections, run: RunInfo) -> Reader:
    return implementation(READERS[job.reader_plugin]).from_connections(job.reader, connections, run.run_key)


def _writer(job: JobSpec, connections: Connections, run: RunInfo) -> Writer[Any]:
    return implementation(WRITERS[job.writer_plugin]).from_connections(job.writer, connections, run.run_key)


def plan(job: JobSpec, connections: Connections, run: RunInfo) -> list[dict]:
    """Check source and target, cut the source into splits; one JSON descriptor per split."""
    concurrent = job.setting.speed.concurrent
    reader = _reader(job, connections, run)
    descriptors, columns = reader.plan(concurrent)
    if len(descriptors) > concurrent:  # every split runs at once: more would break concurrent and mbps
        raise RuntimeError(f"reader {job.reader_plugin!r} planned {len(descriptors)} splits for concurrent={concurrent}; "
                           "a reader must pack its work into at most `concurrent` splits.")
    types = reader.field_types() if isinstance(reader, TypedReader) else None
    writer = _writer(job, connections, run)
    if isinstance(reader, SchemaReader) and isinstance(writer, SchemaWriter):
        writer.use_schema(reader.table_schema())
    context = writer.prepare(columns, types)
    planned_at = time.time()
    return [{"index": i, "splits": len(descriptors), "columns": columns, "reader": d, "writer": context,
             "planned_at": planned_at} for i, d in enumerate(descriptors)]


def run_split(job: JobSpec, connections: Connections, run: RunInfo, descriptor: dict) -> dict:
    """Move one split from the reader to the writer; returns the split's result for the commit."""
    index, splits, columns = descriptor["index"], descriptor["splits"], descriptor["columns"]
    reader = _reader(job, connections, run)
    sink = _writer(job, connections, run).open_split(index, columns, descriptor["writer"])
    dirty = DirtyRecords(job.setting.error_limit, sink.write_dirty, columns, index)
    if isinstance(sink, BatchingSplitSink):
        sink.collect_dirty(dirty)
    throttle = ByteThrottle(job.setting.speed.bytes_per_second_per_split(splits))
    progress = Progress(f"split {index + 1}/{splits}")
    started = read_period.now_ms()
    try:
        stats = move(reader, descriptor["reader"], sink, dirty, throttle, progress)
        finished = read_period.now_ms()
        closed: SplitResult = sink.close()
    except ErrorLimitExceeded as error:
        kept = sink.abort()
        raise ErrorLimitExceeded(f"{error} Dirty records kept in: {kept or 'the task log'}.") from error
    except BaseException:
        sink.abort()
        raise
    result: dict[str, Any] = {**closed, "read": stats.read, "written": stats.read - dirty.count,
                              "seconds": stats.seconds, read_period.SPLIT_STARTED: started,
                              read_period.SPLIT_FINISHED: finished}
    if isinstance(reader, CheckpointingReader):
        result["reader"] = reader.read_result()
    return result


def commit(job: JobSpec, connections: Connections, run: RunInfo, results: list[dict],
           context: dict | None = None) -> dict:
    """Check the error limit over all splits, commit the writer's output, then the reader's
    positions (a checkpointing reader): positions never move ahead of committed output. The
    writer gets the run's details with when it read (:mod:`read_period`) and, from a
    :class:`DescribedReader`, what it read (``source``): a manifest records both."""
    read = sum(r["read"] for r in results)
    dirty = sum(r["dirty"] for r in results)
    limit = job.setting.error_limit
    if not limit.allows(dirty, read):
        kept = ", ".join(r["dirty_object"] for r in results if r.get("dirty_object")) or "none"
        raise ErrorLimitExceeded(
            f"{dirty} dirty record(s) out of {read} exceed {limit.describe()}; nothing was committed and the "
            f"previous output is untouched. Dirty records kept in: {kept}.")
    reader = _reader(job, connections, run)
    details = {**run.details, "read": read, **read_period.of_splits(results)}
    if isinstance(reader, DescribedReader):
        details["source"] = reader.source()
    summary: dict[str, Any] = {**_writer(job, connections, run).commit(results, details, context or {})}
    if isinstance(reader, CheckpointingReader):
        summary.update(reader.commit([r["reader"] for r in results], run.details))
    return {**summary, "read": read, "dirty": dirty, "split_seconds": round(sum(r["seconds"] for r in results), 3)}


def discard(job: JobSpec, connections: Connections, run: RunInfo) -> dict:
    """After a run that did not commit: let the writer remove its uncommitted output (a writer
    that discards; others leave nothing visible). A committed run is left alone."""
    writer = _writer(job, connections, run)
    removed = writer.discard() if isinstance(writer, DiscardingWriter) else []
    return {"removed": len(removed)}
