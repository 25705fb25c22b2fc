"""A stream job file scheduled in UTC, Asia/Shanghai or America/New_York, run through its DAG
against the local servers: each exports exactly the changes committed in its run's window, named
in the schedule's zone. The window is shortened to 3 seconds (``windowMinutes`` 0.05, lag 0) so
changes can be written before, inside and after it; the zone must move neither edge (it read a
window hours away before the window became an instant)."""

from __future__ import annotations

import json
import time

import pendulum
import pytest

from devstack.connections import DirectConnections
from tablestore_channels.authoring.job_files import JOBS_DIR_ENV
from tests.support.airflow_runs import run_dag
from tests.support.exports import ROOT, cloud_connections, delimited_rows, manifests, oss_bucket, task_states
from tests.support.streams import at_second, create_stream_table, put

TABLE = "tz_stream"
ZONES = {  # zone -> (object prefix, writeMode): by the time of day where no clock goes back
    "UTC": ("tz/utc/${date}/${start_time}-${end_time}/", "truncate"),
    "Asia/Shanghai": ("tz/shanghai/${startTime}/", "truncate"),
    "America/New_York": ("tz/new_york/${date}/", "append"),  # DST: by day, each window adding its own
}


def _job(zone: str) -> dict:
    prefix, mode = ZONES[zone]
    return {"type": "job", "configuration": {
        "setting": {"speed": {"concurrent": 1}},
        "reader": {"plugin": "otsstream", "parameter": {
            "dataTable": TABLE, "startTimestampMillis": "${start_time}", "endTimestampMillis": "${end_time}",
            "windowMinutes": 0.05, "lagMinutes": 0, "mode": "single_version_and_update_only",
            "column": [{"name": "id"}, {"name": "n"}]}},
        "writer": {"plugin": "oss", "parameter": {"object": prefix, "writeMode": mode, "fileFormat": "csv"}}},
        "schedule": {"cron": "*/5 * * * *", "start_date": "2026-01-01", "timezone": zone, "depends_on_past": False}}


def _name(zone: str) -> str:
    return "tz_" + zone.lower().replace("/", "_")


@pytest.mark.timeout(300)
def test_a_stream_job_in_any_zone_exports_exactly_its_runs_window(localcloud, tmp_path, monkeypatch):
    endpoints = localcloud.endpoints
    client = DirectConnections(endpoints).tablestore(None)
    create_stream_table(client, TABLE)
    for zone in ZONES:
        (tmp_path / f"{_name(zone)}.json").write_text(json.dumps(_job(zone)), encoding="utf-8")
    monkeypatch.setenv(JOBS_DIR_ENV, str(tmp_path))
    bucket = oss_bucket(endpoints)
    for zone in ZONES:
        start = int(time.time()) + 1
        run_time = pendulum.from_timestamp(start + 4, tz="UTC")  # its window: [start + 1, start + 4)
        at_second(start)
        put(client, TABLE, f"{zone}-before", 1)
        at_second(start + 2)
        put(client, TABLE, f"{zone}-inside", 2)
        at_second(start + 4)
        time.sleep(0.2)
        put(client, TABLE, f"{zone}-after", 3)
        with cloud_connections(endpoints):
            dag_run = run_dag(ROOT / "dags" / "script_jobs.py", _name(zone), logical_date=run_time, run_after=run_time)
        assert dag_run.state == "success", (zone, task_states(dag_run))
        local = run_time.in_timezone(zone)
        window_start = local.subtract(seconds=3)
        prefix = ZONES[zone][0].replace("${date}", f"{local:%Y%m%d}").replace(
            "${start_time}", f"{window_start:%Y%m%d%H%M%S}").replace("${end_time}", f"{local:%Y%m%d%H%M%S}").replace(
            "${startTime}", f"{window_start:%Y%m%d%H%M%S}")
        [manifest] = manifests(bucket, prefix)
        assert [row[0] for row in delimited_rows(bucket, manifest)] == [f"{zone}-inside"], zone
