"""The 5-minute incremental sync DAG (and its job-file form) through Airflow against the local
servers: scheduling settings, consecutive runs resuming at checkpoints, per-window prefixes."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pendulum
import pytest

from devstack.connections import DirectConnections
from tablestore_channels.authoring.job_files import load_job_dags
from tests.support.airflow_runs import EXAMPLE_DAGS, forget_run, load_dag, run_dag
from tests.support.exports import cloud_connections, delimited_rows, only_manifest, oss_bucket
from tests.support.streams import assert_stream_schedule, at_second, create_stream_table, delete, put, update

ROOT = Path(__file__).resolve().parents[2]
DAG_FILE = EXAMPLE_DAGS / "tablestore_stream_sync_oss.py"
DAG_ID = "tablestore_stream_sync_oss"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def endpoints(localcloud):
    with cloud_connections(localcloud.endpoints):
        yield localcloud.endpoints


def test_schedule_and_conventions():
    dag = load_dag(DAG_FILE, DAG_ID)
    assert_stream_schedule(dag)
    assert all((task.retries, task.retry_delay) == (3, timedelta(minutes=2)) for task in dag.tasks)
    assert {"channel.plan", "channel.transfer", "channel.commit"} <= set(dag.task_ids)


def test_example_job_file_imports_cleanly():
    dags, errors = load_job_dags(ROOT / "include" / "jobs")
    assert not [f for f in errors if "stream_sync" in f], errors
    dag = dags["tablestore_stream_sync_oss_job"]
    assert dag.timetable._expression == "*/5 * * * *"
    reader = dag.get_task("channel.plan").job["configuration"]["reader"]
    assert reader["plugin"] == "otsstream" and "stream_window(" in reader["parameter"]["startTimestampMillis"]


def test_consecutive_runs_export_each_window_once(endpoints):
    client = DirectConnections(endpoints).tablestore(None)
    create_stream_table(client, "dag_stream")
    s0 = int(time.time()) + 1
    at_second(s0)
    for i in range(5):
        put(client, "dag_stream", f"k{i}", i, v=i)
    s1 = at_second(s0 + 3)
    update(client, "dag_stream", "k1", 1, put={"v": 100})
    delete(client, "dag_stream", "k2", 2)
    s2 = at_second(s0 + 6)
    time.sleep(0.01)
    conf = {"table": "dag_stream", "window_minutes": 0.05, "lag_minutes": 0, "concurrent": 2}
    states = []
    for when in (s1, s2):
        run = run_dag(DAG_FILE, DAG_ID, run_conf=conf, logical_date=when, run_after=when)
        states.append(str(run.state))
    assert states == ["success", "success"]
    instance = endpoints["tablestore"]["instance"]
    bucket = oss_bucket(endpoints)
    start = pendulum.from_timestamp(s0, tz="UTC")
    first = only_manifest(bucket, f"{instance}/dag_stream/{start:%Y%m%d}/{start:%Y%m%d%H%M%S}-{s1:%Y%m%d%H%M%S}/")
    second = only_manifest(bucket, f"{instance}/dag_stream/{s1:%Y%m%d}/{s1:%Y%m%d%H%M%S}-{s2:%Y%m%d%H%M%S}/")
    assert sorted((r[0], r[5]) for r in delimited_rows(bucket, first)) == sorted(
        (f"k{i}", op) for i in range(5) for op in ("DR", "U"))
    assert sorted((r[0], r[5]) for r in delimited_rows(bucket, second)) == [("k1", "U"), ("k2", "DR")]


def test_the_seeds_mode_runs_from_the_dag_params_and_needs_its_columns(endpoints, capfd):
    client = DirectConnections(endpoints).tablestore(None)
    create_stream_table(client, "dag_single")
    s0 = int(time.time()) + 1
    at_second(s0)
    put(client, "dag_single", "a", 1, v=1)
    update(client, "dag_single", "a", 1, put={"v": 2})
    s1 = at_second(s0 + 3)
    time.sleep(0.01)
    conf = {"table": "dag_single", "window_minutes": 0.05, "lag_minutes": 0, "export_sequence_info": False,
            "mode": "single_version_and_update_only", "columns": ["id", "v"]}
    run = run_dag(DAG_FILE, DAG_ID, run_conf=conf, logical_date=s1, run_after=s1)
    assert str(run.state) == "success"
    start = pendulum.from_timestamp(s0, tz="UTC")
    instance = endpoints["tablestore"]["instance"]
    manifest = only_manifest(oss_bucket(endpoints),
                             f"{instance}/dag_single/{start:%Y%m%d}/{start:%Y%m%d%H%M%S}-{s1:%Y%m%d%H%M%S}/")
    assert sorted(delimited_rows(oss_bucket(endpoints), manifest)) == [["a", "1"], ["a", "2"]]

    capfd.readouterr()
    later = s1.add(seconds=3)
    at_second(int(later.timestamp()))
    run = run_dag(DAG_FILE, DAG_ID, run_conf={**conf, "columns": None}, logical_date=later, run_after=later)
    try:
        assert str(run.state) == "failed"
        [plan] = [ti for ti in run.get_task_instances() if ti.task_id == "channel.plan"]
        assert (str(plan.state), plan.try_number) == ("failed", 1)  # a configuration error: not retried
    finally:
        forget_run(run)
    assert "ConfigError: param 'columns' (configuration.reader.parameter.column): is required" in "".join(capfd.readouterr())
