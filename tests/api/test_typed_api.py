"""The typed Python API without servers: each class writes its plugin's job parameters, a wrong
argument is refused when the DAG is built (naming the class, the argument, the fix and the DAG
file's line), templates wait for the run, and the task groups wire, bound and pass through."""

from __future__ import annotations

import datetime as dt
import textwrap

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import DAG

from tablestore_channels import (
    ODPSWriter,
    OSSReader,
    OSSWriter,
    OTSReader,
    OTSStreamReader,
    OTSWriter,
    Setting,
    TablestoreChannel,
    TablestoreStreamChannel,
    TablestoreTransferOperator,
)
from tablestore_channels.api.channel import typed_job
from tablestore_channels.errors import ConfigError
from tablestore_channels.job import JobSpec
from tablestore_channels.operators.channel import split_label
from tests.support.templates import render

START = pendulum.datetime(2026, 1, 1, tz="UTC")


def _dag(dag_id: str = "typed", **kwargs) -> DAG:
    return DAG(dag_id, schedule=None, start_date=START, **kwargs)


def test_each_class_writes_its_plugin_with_datax_names():
    assert OTSReader(table="orders", columns=["id", {"name": "v"}], mode="multiVersion",
                     max_version=2).to_plugin() == {
        "plugin": "ots", "parameter": {
            "datasource": "tablestore_default", "table": "orders", "column": ["id", {"name": "v"}],
            "mode": "multiVersion", "maxVersion": 2, "maxRetryTime": 18, "retryPauseInMillisecond": 100}}
    assert OTSReader(table="o", columns=[{"type": "string", "value": "x"}]).to_parameter()["column"] == [
        {"type": "string", "value": "x"}]
    stream = OTSStreamReader(data_table="orders", mode="single_version_and_update_only", columns=["id"],
                             window_minutes=1, lag_minutes=0).to_parameter()
    assert stream["dataTable"] == "orders" and stream["column"] == ["id"]
    assert (stream["windowMinutes"], stream["lagMinutes"]) == (1, 0)
    assert OSSWriter(object="exports/", write_mode="truncate", file_format="parquet", max_file_size_mb=64,
                     oss_conn_id="oss_backup").to_parameter() == {
        "datasource": "oss_backup", "object": "exports/", "writeMode": "truncate", "fileFormat": "parquet",
        "maxFileSize": 64}
    assert ODPSWriter(table="t", partition="pt=1", truncate=False, block_size_mb=8).to_parameter() == {
        "datasource": "maxcompute_default", "table": "t", "column": ["*"], "partition": "pt=1", "truncate": False,
        "emptyAsNull": False, "blockSizeInMB": 8}
    assert OSSReader(manifest="exports/").to_parameter() == {"datasource": "oss_default", "manifest": "exports/"}
    pk = [{"name": "id", "type": "string"}]
    assert OTSWriter(table="t", primary_key=pk, write_mode="UpdateRow").to_parameter()["primaryKey"] == pk


def test_a_job_built_in_python_is_the_job_a_job_file_would_give():
    job = {"type": "job", "version": "1.0", "configuration": {
        "setting": Setting(concurrent=3, mbps=2.5, error_limit_record=5).to_setting(),
        "reader": OTSReader(table="orders").to_plugin(),
        "writer": OSSWriter(object="x/", write_mode="append", file_format="csv").to_plugin()}}
    spec = JobSpec.from_dict(job)
    assert (spec.setting.speed.concurrent, spec.setting.speed.mbps, spec.setting.error_limit.record) == (3, 2.5, 5)
    assert (spec.reader.table, spec.writer.write_mode, spec.writer.file_format) == ("orders", "append", "csv")
    reader, writer = typed_job(job)
    assert reader == OTSReader(table="orders") and writer.write_mode == "append"


@pytest.mark.parametrize(("build", "names"), [
    (lambda: OTSReader(tabel="orders"), ["OTSReader(tabel=...)", "unknown argument", "did you mean 'table'?"]),
    (OTSReader, ["OTSReader(table=...)", "is required"]),
    (lambda: OTSReader(table=5), ["OTSReader(table=...)", "must be str or a template, got 5"]),
    (lambda: OTSReader(table="t", mode="multi"), ["OTSReader(mode=...)", "one of 'normal', 'multiVersion'"]),
    (lambda: OTSReader(table="t", max_version=2), ["OTSReader(max_version)", "multiVersion only"]),
    (lambda: OTSStreamReader(data_table="t", mode="single_version_and_update_only"),
     ["OTSStreamReader(columns)", "is required in mode single_version_and_update_only"]),
    (lambda: OSSWriter(object="/x", write_mode="truncate"), ["OSSWriter(object)", "must not start with '/'"]),
    (lambda: OSSWriter(object="x", write_mode="truncate", file_format="parquet", compress="gzip"),
     ["OSSWriter(compress)", "parquet compresses its pages itself"]),
    (lambda: Setting(concurrent=0), ["setting.speed.concurrent", "at least 1"]),
])
def test_a_wrong_argument_is_refused_when_built_naming_it_and_the_line(build, names):
    with pytest.raises(ConfigError) as refused:
        build()
    message = str(refused.value)
    for name in names:
        assert name in message
    assert f"{__file__}:" in message  # the DAG file's line that built it


def test_templated_values_wait_for_the_run_and_the_rest_is_still_checked():
    reader = OTSReader(table="{{ params.table }}", mode="{{ params.mode }}", max_retry_time="{{ params.n }}")
    assert reader.to_parameter()["table"] == "{{ params.table }}"
    # a templated manifest, and the exactly-one-of-object-and-manifest rule does not misfire
    assert OSSReader(manifest="exports/{{ ds_nodash }}/").manifest.startswith("exports/")
    with pytest.raises(ConfigError, match=r"OTSReader\(columns\[0\]\)"):
        OTSReader(table="{{ params.table }}", columns=[{"bogus": 1}])
    with pytest.raises(ConfigError, match="must be int or a template"):
        OTSReader(table="t", max_retry_time="many")


@pytest.mark.parametrize(("group", "reader", "writer", "problem"), [
    (TablestoreChannel, lambda: OSSReader(manifest="x/"), lambda: OSSWriter(object="y/", write_mode="truncate"),
     "OSSReader restores into Tablestore"),
    (TablestoreChannel, lambda: OTSReader(table="t"), lambda: OTSWriter(table="t", primary_key=[{"name": "id", "type": "string"}]),
     "OTSWriter restores objects of OSS"),
    (TablestoreChannel, lambda: OTSStreamReader(data_table="t"), lambda: OSSWriter(object="y/", write_mode="truncate"),
     "use TablestoreStreamChannel"),
    (TablestoreStreamChannel, lambda: OTSReader(table="t"), lambda: OSSWriter(object="y/", write_mode="truncate"),
     "reads a stream, got OTSReader"),
    (TablestoreStreamChannel, lambda: OTSStreamReader(data_table="t", date="20260101"),
     lambda: OSSWriter(object="y/", write_mode="truncate"), "derives each run's window"),
])
def test_a_combination_that_cannot_work_is_refused_when_built(group, reader, writer, problem):
    with _dag(), pytest.raises(ConfigError, match=problem) as refused:
        group(reader=reader(), writer=writer())
    assert f"{__file__}:" in str(refused.value)


def test_a_bad_dag_file_is_an_import_error_naming_the_file_the_argument_and_the_fix(tmp_path):
    path = tmp_path / "orders_export.py"
    path.write_text(textwrap.dedent("""
        import pendulum
        from airflow.sdk import DAG
        from tablestore_channels import OSSWriter, OTSReader, TablestoreChannel

        with DAG("orders_export", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
            TablestoreChannel(reader=OTSReader(table="orders", colums=["id"]),
                              writer=OSSWriter(object="x/", write_mode="truncate"))
    """))
    bag = DagBag(dag_folder=str(path))
    assert not bag.dags
    error = bag.import_errors[str(path)]
    assert "OTSReader(colums=...): unknown argument" in error and "did you mean 'columns'?" in error
    assert f"{path}:7" in error


def test_the_channel_wires_bounds_and_passes_task_arguments_through():
    def alert(context):  # pragma: no cover - never called here
        pass

    with _dag(default_args={"pool": "tablestore", "on_failure_callback": alert}) as dag:
        TablestoreChannel(reader=OTSReader(table="t"), writer=OSSWriter(object="x/", write_mode="truncate"),
                          setting=Setting(concurrent=4), operator_args={"queue": "exports", "priority_weight": 7})
        TablestoreChannel(group_id="bounded", reader=OTSReader(table="t"),
                          writer=OSSWriter(object="y/", write_mode="truncate"),
                          default_args={"execution_timeout": dt.timedelta(hours=9)})
    tasks = {t.task_id: t for t in dag.tasks}
    assert set(tasks) == {f"{g}.{t}" for g in ("channel", "bounded") for t in ("plan", "transfer", "commit", "cleanup")}
    assert tasks["channel.plan"].downstream_task_ids == {"channel.transfer", "channel.commit", "channel.cleanup"}
    for task_id in ("channel.plan", "channel.transfer", "channel.commit", "channel.cleanup"):
        task = tasks[task_id]
        assert (task.pool, task.queue, task.priority_weight) == ("tablestore", "exports", 7)
        assert alert in task.on_failure_callback if isinstance(task.on_failure_callback, list) \
            else task.on_failure_callback is alert
    assert tasks["channel.transfer"].execution_timeout == dt.timedelta(hours=4)
    assert tasks["channel.plan"].execution_timeout == dt.timedelta(minutes=15)
    # the user's timeout is not replaced by ours
    assert {tasks[f"bounded.{t}"].execution_timeout for t in ("plan", "transfer", "commit", "cleanup")} == {
        dt.timedelta(hours=9)}
    assert tasks["channel.transfer"].map_index_template == "{{ split_label }}"
    assert tasks["channel.plan"].template_fields_renderers == {"job": "json"}
    spec = JobSpec.from_dict(tasks["channel.plan"].job)
    assert spec.setting.speed.concurrent == 4


def test_the_stream_channel_derives_the_window_waits_for_it_and_is_self_dependent():
    with DAG("stream", schedule="*/5 * * * *", start_date=START) as dag:
        TablestoreStreamChannel(reader=OTSStreamReader(data_table="orders", window_minutes=2, lag_minutes=1),
                                writer=OSSWriter(object="streams/orders", write_mode="truncate"))
        TablestoreStreamChannel(group_id="to_odps", reader=OTSStreamReader(data_table="orders"),
                                writer=ODPSWriter(table="changes", partition="pt=${window_start},region=hz",
                                                  truncate=True))
    assert dag.max_active_runs == 1
    tasks = {t.task_id: t for t in dag.tasks}
    assert tasks["stream_channel.wait_until_settled"].downstream_task_ids == {"stream_channel.plan"}
    assert all(t.depends_on_past and t.ignore_first_depends_on_past for k, t in tasks.items() if not k.endswith("cleanup"))
    assert not tasks["stream_channel.cleanup"].depends_on_past
    assert tasks["stream_channel.transfer"].execution_timeout == dt.timedelta(minutes=30)
    run = pendulum.datetime(2026, 3, 1, 12, 0, tz="UTC")
    for logical in (True, False):  # also a run without a logical date
        job = tasks["stream_channel.plan"].job["configuration"]
        reader = job["reader"]["parameter"]
        window = [int(render(reader[k], run, logical=logical)) for k in ("startTimestampMillis", "endTimestampMillis")]
        assert window == [int(run.subtract(minutes=3).timestamp() * 1000), int(run.subtract(minutes=1).timestamp() * 1000)]
        assert render(job["writer"]["parameter"]["object"], run, logical=logical) == \
            "streams/orders/20260301/20260301115700-20260301115900/"
        settled = render(tasks["stream_channel.wait_until_settled"].target_time, run, logical=logical)
        assert pendulum.parse(settled) == run
        partition = tasks["to_odps.plan"].job["configuration"]["writer"]["parameter"]["partition"]
        assert render(partition, run, logical=logical) == "pt=20260301115000,region=hz"


def test_a_templated_window_and_partition_render_from_the_params():
    with DAG("stream_params", schedule=None, start_date=START) as dag:
        TablestoreStreamChannel(
            reader=OTSStreamReader(data_table="{{ params.table }}", window_minutes="{{ params.window_minutes }}",
                                   lag_minutes="{{ params.lag_minutes }}"),
            writer=ODPSWriter(table="c", partition="{{ params.partition }}", truncate=True))
    plan = dag.get_task("stream_channel.plan")
    params = {"table": "t", "window_minutes": 1, "lag_minutes": 0, "partition": "pt=${window_start}"}
    run = pendulum.datetime(2026, 3, 1, 12, 0, tz="UTC")
    reader = plan.job["configuration"]["reader"]["parameter"]
    assert int(render(reader["startTimestampMillis"], run, params=params)) == int(run.subtract(minutes=1).timestamp() * 1000)
    assert render(plan.job["configuration"]["writer"]["parameter"]["partition"], run, params=params) == "pt=20260301115900"


def test_the_one_task_operator_takes_the_same_classes():
    with _dag() as dag:
        TablestoreTransferOperator(task_id="orders_to_oss", reader=OTSReader(table="orders"),
                                   writer=OSSWriter(object="x/", write_mode="truncate"), pool="small")
    task = dag.get_task("orders_to_oss")
    assert task.pool == "small" and JobSpec.from_dict(task.job).reader.table == "orders"
    with _dag(), pytest.raises(ConfigError, match="use TablestoreStreamChannel"):
        TablestoreTransferOperator(task_id="x", reader=OTSStreamReader(data_table="t"),
                                   writer=OSSWriter(object="x/", write_mode="truncate"))


def test_a_split_is_named_by_what_it_reads():
    ranges = {"index": 1, "splits": 4, "reader": {"ranges": [
        {"index": 1, "start": ["a", {"inf": "min"}], "end": ["m", {"inf": "min"}]}]}}
    assert split_label(ranges) == "2/4 ['a', MIN .. 'm', MIN)"
    packed = {"index": 0, "splits": 2, "reader": {"ranges": [{"index": 0, "start": [{"inf": "min"}], "end": [5]},
                                                             {"index": 2, "start": [9], "end": [{"inf": "max"}]}]}}
    assert split_label(packed) == "1/2 [MIN .. MAX) in 2 ranges"
    shards = {"index": 0, "splits": 1, "reader": {"shards": [{"shard_id": s} for s in "abcde"]}}
    assert split_label(shards) == "1/1 shards a, b, c +2"
    assert split_label({"index": 2, "splits": 3, "reader": {"objects": [{}, {}]}}) == "3/3 2 objects"
