"""The datasets a committed job read and wrote, named for Airflow assets and OpenLineage:
``tablestore://<instance>/<table>``, ``oss://<bucket>/<prefix>``, ``maxcompute://<project>/<table>``.

An OSS output is named by its prefix without the date folder (``yyyymmdd/``) and the run's folder
(``HHmmss/`` of a full export, ``<start>-<end>/`` of a stream window) that the full export and the
stream sync add per run: every day's export,
every window of a table, is an event of one asset, which downstream DAGs can be scheduled on.
The run's own manifest, totals, window or partition go in the event's extra.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tablestore_channels.backup_layout import without_run_folders
from tablestore_channels.config.job import JobSpec

_TOTALS = ("rows", "bytes", "objects", "dirty", "changes", "read")


@dataclass(frozen=True)
class Dataset:
    namespace: str  # scheme://instance, bucket or project
    name: str

    @property
    def uri(self) -> str:
        return f"{self.namespace}/{self.name}".rstrip("/")


class Namespaces(Protocol):
    """Where the connections of a job point (Airflow connections in production)."""

    def tablestore_instance(self, config: Any) -> str: ...

    def oss_bucket(self, config: Any) -> str: ...


def _oss(bucket: str, prefix: str) -> Dataset:
    return Dataset(f"oss://{bucket}", prefix)


def inputs(job: JobSpec, namespaces: Namespaces) -> list[Dataset]:
    reader = job.reader
    if job.reader_plugin in ("ots", "otsstream"):
        table = reader.table if job.reader_plugin == "ots" else reader.data_table
        return [Dataset(f"tablestore://{namespaces.tablestore_instance(reader)}", table)]
    bucket = namespaces.oss_bucket(reader)
    if job.reader_plugin == "pointintime":
        return [_oss(bucket, reader.export_prefix), _oss(bucket, reader.stream_prefix)]
    return [_oss(bucket, reader.manifest or reader.objects[0])]


def output(job: JobSpec, summary: dict, namespaces: Namespaces) -> Dataset:
    writer = job.writer
    if job.writer_plugin == "oss":
        bucket = summary["manifest"].split("/")[2] if summary.get("manifest") else namespaces.oss_bucket(writer)
        return _oss(bucket, without_run_folders(writer.object))
    if job.writer_plugin == "odps":
        project, _, table = summary["table"].partition(".")
        return Dataset(f"maxcompute://{project}", table)
    return Dataset(f"tablestore://{namespaces.tablestore_instance(writer)}", writer.table)


def event_extra(summary: dict, run: dict[str, Any]) -> dict:
    """What an asset event of the commit carries: the run, the manifest, the totals."""
    extra: dict[str, Any] = {"run_id": run.get("run_id"), "totals": {k: summary[k] for k in _TOTALS if k in summary}}
    for key in ("manifest", "window", "partition", "table"):
        if summary.get(key) is not None:
            extra[key] = summary[key]
    return extra
