"""Shared pieces of the stream-sync tests: a stream-enabled table, otsstream jobs run window by
window through :mod:`tablestore_channels.jobrun` (plan, every split, commit: what the DAG's tasks
do) with clients to the local servers, and reading the window outputs back."""

from __future__ import annotations

import time

import pendulum
import tablestore

from devstack.connections import DirectConnections
from tablestore_channels import jobrun
from tablestore_channels.channel.stream_window import StreamWindow
from tablestore_channels.job import JobSpec
from tablestore_channels.ots_client.client import TablestoreClient
from tablestore_channels.ots_client.models import StreamSpec
from tests.support.exports import delimited_rows, only_manifest, oss_bucket


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def at_second(second: int) -> pendulum.DateTime:
    """Sleep until the whole epoch second ``second``; returns it as a UTC datetime (a DAG run's
    time, whose window edges then fall on whole seconds)."""
    time.sleep(max(0.0, second - time.time()))
    return pendulum.from_timestamp(second, tz="UTC")


def boundary() -> int:
    """A window edge strictly between the changes written before and after it."""
    time.sleep(0.003)
    edge = now_ms()
    time.sleep(0.003)
    return edge


def create_stream_table(client: TablestoreClient, name: str, *, max_version: int = 1, hours: int = 24) -> None:
    if name in client.list_table():
        client.delete_table(name)
    client.create_table(tablestore.TableMeta(name, [("id", "STRING"), ("n", "INTEGER")]),
                        tablestore.TableOptions(time_to_live=-1, max_version=max_version),
                        tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)),
                        stream_spec=StreamSpec(enable=True, expiration_time_hours=hours))


def stream_job(table: str, start_ms: int, end_ms: int, *, concurrent: int = 2, writer: dict | None = None,
               **reader) -> dict:
    """An otsstream -> oss job for the window; output under ``stream/<table>/<start>-<end>/``."""
    parameter = {"dataTable": table, "startTimestampMillis": start_ms, "endTimestampMillis": end_ms,
                 "lagMinutes": 0, "isExportSequenceInfo": True, **reader}
    if parameter.get("mode") == "single_version_and_update_only":
        parameter.pop("isExportSequenceInfo")
    return {"type": "job", "version": "1.0", "configuration": {
        "setting": {"speed": {"concurrent": concurrent}},
        "reader": {"plugin": "otsstream", "parameter": parameter},
        "writer": {"plugin": "oss", "parameter": {"object": window_prefix(table, start_ms, end_ms),
                                                  "writeMode": "truncate", "fileFormat": "csv", **(writer or {})}}}}


def sync_window_path(start_ms: int, end_ms: int) -> str:
    """The folder ``tablestore_stream_sync_oss`` writes the window ``[start_ms, end_ms)`` to."""
    return StreamWindow(*(pendulum.from_timestamp(t / 1000, tz="UTC") for t in (start_ms, end_ms, end_ms))).path


def window_prefix(table: str, start_ms: int, end_ms: int) -> str:
    return f"stream/{table}/{start_ms}-{end_ms}/"


def run_window(endpoints: dict, job: dict, run_key: str = "run") -> dict:
    """Plan, every split, commit; returns the commit summary."""
    spec, connections, run = JobSpec.from_dict(job), DirectConnections(endpoints), jobrun.RunInfo(run_key, {})
    descriptors = jobrun.plan(spec, connections, run)
    results = [jobrun.run_split(spec, connections, run, d) for d in descriptors]
    return jobrun.commit(spec, connections, run, results, descriptors[0]["writer"])


def window_output(endpoints: dict, table: str, start_ms: int, end_ms: int) -> list[list[str]]:
    """The committed rows of one window (csv fields), in object order."""
    bucket = oss_bucket(endpoints)
    return delimited_rows(bucket, only_manifest(bucket, window_prefix(table, start_ms, end_ms)))


def put(client: TablestoreClient, table: str, key: str, n: int, **columns) -> None:
    client.put_row(table, tablestore.Row([("id", key), ("n", n)], list(columns.items())))


def update(client: TablestoreClient, table: str, key: str, n: int, put: dict | None = None,
           delete_all: tuple = (), delete: tuple = ()) -> None:
    """UpdateRow: ``put`` columns, ``delete_all`` column names, ``delete`` (name, version) pairs."""
    changes: dict = {}
    if put:
        changes["put"] = list(put.items())
    if delete_all:
        changes["delete_all"] = list(delete_all)
    if delete:
        changes["delete"] = [(name, None, version) for name, version in delete]
    client.update_row(table, tablestore.Row([("id", key), ("n", n)], changes),
                      tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE))


def delete(client: TablestoreClient, table: str, key: str, n: int) -> None:
    client.delete_row(table, tablestore.Row([("id", key), ("n", n)]),
                      tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE))


def assert_stream_schedule(dag) -> None:
    """The stream syncs' scheduling: every 5 minutes in UTC, one run at a time, each task but the
    cleanup teardown self-dependent, the settle sensor before the plan."""
    from airflow.timetables.trigger import CronTriggerTimetable

    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable._expression == "*/5 * * * *" and str(dag.timetable._timezone) == "UTC"
    assert dag.max_active_runs == 1 and dag.catchup is False
    for task in dag.tasks:
        assert task.depends_on_past is not task.is_teardown, task.task_id
    assert dag.get_task("channel.wait_until_settled").downstream_task_ids == {"channel.plan"}
