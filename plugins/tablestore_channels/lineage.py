"""The datasets a committed job read and wrote, for Airflow assets and OpenLineage: each plugin's
parameter class declares its own (:mod:`tablestore_channels.datasets`).

An OSS output is named by its prefix without the per-run folders the full export and the stream
sync add (:func:`backup_layout.without_run_folders`): every day's export, every window of a table,
is an event of one asset, which downstream DAGs can be scheduled on. The run's own manifest,
totals, window or partition go in the event's extra.
"""

from __future__ import annotations

from typing import Any

from tablestore_channels.datasets import Dataset, Namespaces, ReadsDatasets, WritesDataset
from tablestore_channels.job import JobSpec

_TOTALS = ("rows", "bytes", "objects", "dirty", "changes", "read")


def inputs(job: JobSpec, namespaces: Namespaces) -> list[Dataset]:
    reader: ReadsDatasets = job.reader
    return reader.datasets(namespaces)


def output(job: JobSpec, summary: dict, namespaces: Namespaces) -> Dataset:
    writer: WritesDataset = job.writer
    return writer.dataset(summary, namespaces)


def event_extra(summary: dict, run: dict[str, Any]) -> dict:
    """What an asset event of the commit carries: the run, the manifest, the totals."""
    extra: dict[str, Any] = {"run_id": run.get("run_id"), "totals": {k: summary[k] for k in _TOTALS if k in summary}}
    for key in ("manifest", "window", "partition", "table"):
        if summary.get(key) is not None:
            extra[key] = summary[key]
    return extra
