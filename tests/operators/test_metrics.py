"""The channels' metrics through Airflow's StatsD backend, as a task process sets it up from
``[metrics]``: names per channel and table, counters from the commit's totals, the split timer
and the stream lag gauge, received by a real UDP socket."""

from __future__ import annotations

import time

import pytest
from airflow.sdk.observability import stats
from airflow.sdk.observability.metrics.stats_utils import get_stats_factory

from tablestore_channels.job import JobSpec
from tablestore_channels.operators.metrics import ChannelMetrics

STREAM_JOB = {"type": "job", "configuration": {
    "reader": {"plugin": "otsstream", "parameter": {"dataTable": "iot", "startTimestampMillis": 1_000,
                                                    "endTimestampMillis": 301_000}},
    "writer": {"plugin": "odps", "parameter": {"table": "iot_changes", "partition": "pt=1", "column": ["*"],
                                               "truncate": True}}}}
RESTORE_JOB = {"type": "job", "configuration": {
    "reader": {"plugin": "oss", "parameter": {"manifest": "tablestore/iot/"}},
    "writer": {"plugin": "ots", "parameter": {"table": "iot_restored", "primaryKey": [{"name": "k", "type": "string"}]}}}}


@pytest.fixture
def receiver(monkeypatch, statsd):
    for name, value in {"STATSD_ON": "True", "STATSD_HOST": "127.0.0.1", "STATSD_PORT": str(statsd.port),
                        "STATSD_PREFIX": "airflow"}.items():
        monkeypatch.setenv(f"AIRFLOW__METRICS__{name}", value)
    stats.initialize(factory=get_stats_factory(), export_legacy_names=False)  # what a task process does
    yield statsd
    monkeypatch.setenv("AIRFLOW__METRICS__STATSD_ON", "False")
    stats.initialize(factory=get_stats_factory(), export_legacy_names=False)  # back to no metrics


def _wait_for(receiver, name: str, kind: str, count: int = 1) -> list[float]:
    deadline = time.monotonic() + 5
    while len(values := receiver.values(name, kind)) < count:
        assert time.monotonic() < deadline, (name, receiver.lines)
        time.sleep(0.05)
    return values


def test_a_commit_sends_its_totals_per_channel_and_table_and_the_stream_lag(receiver):
    metrics = ChannelMetrics(JobSpec.from_dict(STREAM_JOB))
    metrics.split_done(1.5)
    metrics.committed({"rows": 465, "bytes": 12_345, "dirty": 0, "read": 465})
    base = "airflow.tablestore_channels.otsstream_odps.iot"
    assert _wait_for(receiver, f"{base}.rows", "c") == [465]
    assert _wait_for(receiver, f"{base}.bytes", "c") == [12_345]
    assert _wait_for(receiver, f"{base}.split", "ms") == [1500]
    (lag,) = _wait_for(receiver, f"{base}.stream_lag", "g")
    assert abs(lag - (time.time() - 301)) < 60  # seconds from the window's end (301 s after the epoch) to now
    assert not receiver.values(f"{base}.dirty", "c")  # nothing to count


def test_a_restore_is_counted_under_the_table_it_writes(receiver):
    ChannelMetrics(JobSpec.from_dict(RESTORE_JOB)).committed({"rows": 7, "dirty": 2})
    assert _wait_for(receiver, "airflow.tablestore_channels.oss_ots.iot_restored.rows", "c") == [7]
    assert _wait_for(receiver, "airflow.tablestore_channels.oss_ots.iot_restored.dirty", "c") == [2]
    assert not receiver.values("airflow.tablestore_channels.oss_ots.iot_restored.stream_lag", "g")
