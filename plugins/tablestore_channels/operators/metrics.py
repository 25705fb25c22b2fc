"""The channels' metrics, sent through Airflow's own metrics: StatsD or OpenTelemetry, as the
deployment's ``[metrics]`` section configures them (nothing is sent when both are off).

Names, under Airflow's prefix (``[metrics] statsd_prefix`` / ``otel_prefix``, ``airflow`` by
default), ``<channel>`` being ``<reader>_<writer>`` (``ots_oss``, ``otsstream_odps``, ...) and
``<table>`` the job's Tablestore table:

=================================================== ======= ==================================
``tablestore_channels.<channel>.<table>.rows``       counter records committed (at the commit)
``tablestore_channels.<channel>.<table>.bytes``      counter bytes committed
``tablestore_channels.<channel>.<table>.objects``    counter objects committed (OSS)
``tablestore_channels.<channel>.<table>.dirty``      counter dirty records of a committed run
``tablestore_channels.<channel>.<table>.split``      timer   duration of one split's transfer
``tablestore_channels.<channel>.<table>.stream_lag`` gauge   seconds from a committed window's
                                                             end to its commit
``tablestore_channels.stream_guard.<table>.lag``     gauge   seconds from the newest committed
                                                             window's end to the retention
                                                             guard's check
=================================================== ======= ==================================

The channel and table are in the name, since plain StatsD drops tags; OpenTelemetry and the
StatsD dialects with tags also get them as the tags ``channel`` and ``table``. Counters are sent
by the commit, once per committed run, so they add up to the manifests' totals however often a
split was retried.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from airflow.sdk.observability.stats import Stats, normalize_name_for_stats

from tablestore_channels.job import JobSpec

PREFIX = "tablestore_channels"
COUNTERS = ("rows", "bytes", "objects", "dirty")  # numbers in every writer's summary: contract.CommitSummary


def tablestore_table(job: JobSpec) -> str:
    """The Tablestore table of a job: the one its reader reads (exports, the stream, a
    point-in-time restore's source), else the one its writer writes (a restore from OSS)."""
    reader, writer = job.reader, job.writer
    return str(getattr(reader, "data_table", None) or getattr(reader, "table", None) or getattr(writer, "table", ""))


class ChannelMetrics:
    """The metrics of one job."""

    def __init__(self, job: JobSpec) -> None:
        self.channel = f"{job.reader_plugin}_{job.writer_plugin}"
        self.table = tablestore_table(job)
        self.window_end_ms: int | None = getattr(job.reader, "end_ms", None)

    def _name(self, metric: str) -> str:
        return normalize_name_for_stats(f"{PREFIX}.{self.channel}.{self.table}.{metric}", log_warning=False)

    @property
    def _tags(self) -> dict[str, Any]:
        return {"channel": self.channel, "table": self.table}

    def split_done(self, seconds: float) -> None:
        Stats.timing(self._name("split"), dt.timedelta(seconds=seconds), tags=self._tags)

    def committed(self, summary: dict[str, Any]) -> None:
        for counter in COUNTERS:
            if summary.get(counter):
                Stats.incr(self._name(counter), count=int(summary[counter]), tags=self._tags)
        if self.window_end_ms is not None:
            lag = time.time() - self.window_end_ms / 1000
            Stats.gauge(self._name("stream_lag"), round(lag, 3), tags=self._tags)


def guard_lag(table: str, seconds: float) -> None:
    """The retention guard's view of a table's stream sync: how long ago its newest window ended."""
    name = normalize_name_for_stats(f"{PREFIX}.stream_guard.{table}.lag", log_warning=False)
    Stats.gauge(name, round(seconds, 3), tags={"table": table})
