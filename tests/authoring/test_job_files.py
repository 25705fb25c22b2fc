"""Job-file DAGs and the seed's scheduling: a job file with a cron schedule is self-dependent
(one run at a time, each after the previous one succeeded; the cleanup teardown exempt) unless
its ``schedule`` block says ``depends_on_past: false``, and an ``otsstream`` job run early waits
until its window has settled instead of failing."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag

from devstack.connections import DirectConnections
from tablestore_channels.authoring.job_files import JOBS_DIR_ENV, JobFile, load_job_dags
from tablestore_channels.errors import ConfigError
from tests.support.airflow_runs import EXAMPLE_DAGS, run_dag
from tests.support.exports import ROOT, cloud_connections, only_manifest, oss_bucket, task_states
from tests.support.streams import create_stream_table, put

CRON_JOBS = ("iot_readings_to_maxcompute", "tablestore_stream_sync_oss_job")
CRON = {"cron": "*/5 * * * *", "start_date": "2026-01-01"}


def _stream_job_file(folder: Path, name: str, schedule: dict | None) -> None:
    """A job file of the seed's incremental template (``${start_time}`` .. ``${end_time}``)."""
    job = {"type": "job", "version": "1.0", "configuration": {
        "setting": {"speed": {"concurrent": 1}},
        "reader": {"plugin": "otsstream", "parameter": {
            "dataTable": "jf_stream", "startTimestampMillis": "${start_time}", "endTimestampMillis": "${end_time}"}},
        "writer": {"plugin": "oss", "parameter": {
            "object": "jf/${date}/${start_time}-${end_time}/", "writeMode": "truncate", "fileFormat": "csv"}}}}
    if schedule is not None:
        job["schedule"] = schedule
    (folder / f"{name}.json").write_text(json.dumps(job), encoding="utf-8")


def test_cron_job_files_are_self_dependent_but_their_cleanup():
    dags, _ = load_job_dags(ROOT / "include" / "jobs")
    for dag_id in CRON_JOBS:
        dag = dags[dag_id]
        assert dag.max_active_runs == 1, dag_id
        assert {t.task_id: t.depends_on_past for t in dag.tasks} == {
            t.task_id: not t.is_teardown for t in dag.tasks}, dag_id
        assert "self-dependent" in dag.doc_md
    assert not any(t.depends_on_past for t in dags["restore_iot_readings_oss"].tasks)  # not scheduled


def test_the_schedule_block_turns_self_dependency_off(tmp_path):
    _stream_job_file(tmp_path, "dependent", CRON)
    _stream_job_file(tmp_path, "independent", {**CRON, "depends_on_past": False})
    _stream_job_file(tmp_path, "bad", {**CRON, "depends_on_past": "sometimes"})
    _stream_job_file(tmp_path, "triggered", None)
    dags, errors = load_job_dags(tmp_path)
    assert all(t.depends_on_past is not t.is_teardown for t in dags["dependent"].tasks)
    assert not any(t.depends_on_past for t in dags["independent"].tasks)
    assert dags["independent"].max_active_runs == 1
    assert not any(t.depends_on_past for t in dags["triggered"].tasks)  # no cron: nothing to depend on
    [message] = errors.values()
    assert "schedule.depends_on_past" in message and "'sometimes'" in message
    with pytest.raises(ConfigError, match="schedule.depends_on_past"):
        JobFile.load(tmp_path / "bad.json")


def test_a_stream_job_file_waits_for_its_window_like_the_stream_dag():
    dags, _ = load_job_dags(ROOT / "include" / "jobs")
    sensor = dags["tablestore_stream_sync_oss_job"].get_task("wait_until_settled")
    parsed = DagBag(dag_folder=str(EXAMPLE_DAGS / "tablestore_stream_sync_oss.py"))  # parsed only: no metadata DB
    stream_dag = parsed.dags["tablestore_stream_sync_oss"]
    stream_dag_sensor = stream_dag.get_task("channel.wait_until_settled")
    assert sensor.downstream_task_ids == {"channel.plan"}
    assert (sensor.mode, sensor.poke_interval) == (stream_dag_sensor.mode, stream_dag_sensor.poke_interval)
    assert "stream_window(" in sensor.target_time and "settled_at" in sensor.target_time
    assert dags["iot_readings_to_maxcompute"].get_task("wait_until_settled").downstream_task_ids == {"channel.plan"}


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_stream_job_file_run_early_waits_until_its_window_settled(localcloud, tmp_path, monkeypatch):
    """Run at a logical date 20 s ahead: the window ${start_time}..${end_time} settles then, so the
    reader would refuse it now; the sensor waits (rescheduling) and the run succeeds."""
    endpoints = localcloud.endpoints
    with cloud_connections(endpoints):
        client = DirectConnections(endpoints).tablestore(None)
        create_stream_table(client, "jf_stream")
        put(client, "jf_stream", "k1", 1, v=1)
        # not self-dependent: earlier runs of this DAG id in the metadata DB must not hold this one
        _stream_job_file(tmp_path, "jf_early", {**CRON, "depends_on_past": False})
        monkeypatch.setenv(JOBS_DIR_ENV, str(tmp_path))
        when = pendulum.now("UTC").add(seconds=20).replace(microsecond=0)
        dag_run = run_dag(ROOT / "dags" / "script_jobs.py", "jf_early", logical_date=when, run_after=when)
    assert dag_run.state == "success", task_states(dag_run)
    plan = next(ti for ti in dag_run.get_task_instances() if ti.task_id == "channel.plan")
    assert plan.start_date >= when and plan.try_number == 1
    start, end = when.subtract(minutes=10), when.subtract(minutes=5)
    manifest = only_manifest(oss_bucket(endpoints), f"jf/{when:%Y%m%d}/{start:%Y%m%d%H%M%S}-{end:%Y%m%d%H%M%S}/")
    assert manifest["totals"]["rows"] == 0  # the window is before the stream began


def test_a_job_file_with_inline_credentials_is_refused_at_parse_time_without_the_secret(tmp_path):
    _stream_job_file(tmp_path, "inline", CRON)
    path = tmp_path / "inline.json"
    job = json.loads(path.read_text())
    job["configuration"]["reader"]["parameter"].update(
        endpoint="https://i.cn-hangzhou.ots.aliyuncs.com", instanceName="i", accessId="LTAIexample", accessKey="s3cr3t-v4lue")
    path.write_text(json.dumps(job))
    dags, errors = load_job_dags(tmp_path)
    assert "inline" not in dags
    [message] = errors.values()
    assert message.startswith(f"{path}: configuration.reader.parameter.endpoint: credentials written into the job")
    assert "Fix: remove endpoint/accessId/accessKey/instanceName and set 'datasource'" in message
    assert "s3cr3t-v4lue" not in message and "LTAIexample" not in message
