"""Plan, run and commit a job, DataX style: the plan cuts the source into splits and prepares the
target; each split task moves one split through a channel; the commit checks the error limit
over all splits and makes the output visible. Plain Python: operators call these with clients
built from Airflow connections (:class:`Connections`), tests and benchmarks with their own.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import oss2
import tablestore

from tablestore_channels.channel.dirty import DirtyRecords
from tablestore_channels.channel.progress import Progress
from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.channel.transfer import transfer
from tablestore_channels.config.job import JobSpec
from tablestore_channels.errors import ErrorLimitExceeded
from tablestore_channels.readers.ots_range import OTSRangeReader, RangeSplit, TableInfo
from tablestore_channels.writers.oss import OSSWriter

log = logging.getLogger(__name__)


class Connections(Protocol):
    """Where clients come from: Airflow connections in production."""

    def tablestore(self, reader_config) -> tablestore.OTSClient:
        """A client (with NoRetryPolicy: the channel retries) for the reader's datasource."""

    def oss_bucket(self, writer_config) -> oss2.Bucket:
        """The target bucket of the writer's datasource."""


@dataclass(frozen=True)
class RunInfo:
    """Identity of the run, the same in every task and on every retry."""

    run_key: str
    details: dict[str, Any]


def _reader(job: JobSpec, connections: Connections) -> OTSRangeReader:
    return OTSRangeReader(connections.tablestore(job.reader), job.reader)


def _writer(job: JobSpec, connections: Connections, run: RunInfo) -> OSSWriter:
    return OSSWriter(connections.oss_bucket(job.writer), job.writer, run.run_key)


def plan(job: JobSpec, connections: Connections, run: RunInfo) -> list[dict]:
    """Check source and target, cut the source into splits; one JSON descriptor per split."""
    reader = _reader(job, connections)
    table = reader.describe()
    splits = reader.plan(table, job.setting.speed.concurrent)
    _writer(job, connections, run).prepare()
    columns = reader.output_columns(table)
    table_json = {"name": table.name, "primary_key": [list(c) for c in table.primary_key],
                  "defined_columns": list(table.defined_columns)}
    log.info("Planned %d split(s) of table %s", len(splits), table.name)
    return [{"split": s.to_json(), "splits": len(splits), "table": table_json, "columns": columns} for s in splits]


def run_split(job: JobSpec, connections: Connections, run: RunInfo, descriptor: dict) -> dict:
    """Move one split from the reader to the writer; returns the split's result for the commit."""
    table_json = descriptor["table"]
    table = TableInfo(table_json["name"], tuple(tuple(c) for c in table_json["primary_key"]),
                      tuple(table_json["defined_columns"]))
    split = RangeSplit.from_json(descriptor["split"])
    reader = _reader(job, connections)
    writer = _writer(job, connections, run)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="oss-upload") as uploader:
        sink = writer.open_split(split.index, descriptor["columns"], uploader)
        dirty = DirtyRecords(job.setting.error_limit, sink.write_dirty, descriptor["columns"], split.index)
        throttle = ByteThrottle(job.setting.speed.bytes_per_second_per_split(descriptor["splits"]))
        progress = Progress(f"split {split.index}/{descriptor['splits']}")
        try:
            stats = transfer(reader.read(table, split), sink, dirty, throttle, progress)
            result = sink.close()
        except BaseException:
            sink.abort()
            raise
    result.update(read=stats.read, written=stats.written, seconds=stats.seconds)
    return result


def commit(job: JobSpec, connections: Connections, run: RunInfo, results: list[dict]) -> dict:
    """Check the error limit over all splits, then commit the writer's output."""
    read = sum(r["read"] for r in results)
    dirty = sum(r["dirty"] for r in results)
    limit = job.setting.error_limit
    if not limit.allows(dirty, read):
        raise ErrorLimitExceeded(
            f"{dirty} dirty record(s) out of {read} exceed {limit.describe()}; nothing was committed and the "
            "previous output is untouched. The dirty records are kept beside the output "
            f"({', '.join(r['dirty_object'] for r in results if r.get('dirty_object'))}).")
    writer = _writer(job, connections, run)
    manifest = writer.commit(results, {**run.details, "read": read})
    totals = manifest["totals"]
    return {"rows": totals["rows"], "bytes": totals["bytes"], "objects": totals["objects"], "dirty": dirty,
            "manifest": f"oss://{manifest['bucket']}/{writer.layout.manifest_key}",
            "split_seconds": round(sum(r["seconds"] for r in results), 3)}
