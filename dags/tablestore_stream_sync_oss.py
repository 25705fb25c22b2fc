"""Incremental sync of a Tablestore table's stream to OSS every 5 minutes (OTSStreamReader ->
OSSWriter), the seed's section 2.3: each run exports the changes committed in
[run time - 10 min, run time - 5 min)."""

from __future__ import annotations

import pendulum
from airflow.sdk import Param
from airflow.timetables.trigger import CronTriggerTimetable

from tablestore_channels.authoring import stream_window
from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.tasks import channel_tasks, wait_until_settled
from tablestore_channels.config import connection_ids

DAG_ID = "tablestore_stream_sync_oss"

DOC = """
### Incremental sync: Tablestore Stream -> OSS, every 5 minutes

Each run exports the changes the table's stream committed in the window
**[run time - lag - window, run time - lag)**: with the defaults (5 and 5 minutes) that is
[logical date - 10 min, logical date - 5 min), as the seed's `${start_time}` / `${end_time}`.
A change belongs to a window by its commit time; every change lands in exactly one window.

Output: `<instance>/<table>/<yyyymmdd>/<window start>-<window end>/` (UTC, `yyyyMMddHHmmss`),
`writeMode: truncate` and a manifest object as the commit point, so a rerun rewrites exactly its
own window. Mode multi-version (default): one record per cell change
`[pk..., column, timestamp, value, op_type(U/DO/DA/DR), sequence_info]`; replaying the windows in
order rebuilds the table.

Tasks: **wait_until_settled** (a sensor in reschedule mode: a run started before
`window end + lag` waits without holding a worker slot; scheduled runs pass at once) ->
**plan** (checks the stream, loads the checkpoints saved at the window start, groups the shards
so children follow their parents) -> **transfer** (one mapped task per shard group) ->
**commit** (manifest first, then the shard checkpoints keyed at the window end, in the
`statusTable`).

Scheduling: `CronTriggerTimetable("*/5 * * * *", timezone="UTC")` (what a bare cron string means
in Airflow 3, written out), `depends_on_past=True` (the seed's self-dependency: a window runs
only after the previous one succeeded), `max_active_runs=1`, retries 3 x 2 minutes.

Backfill (Airflow refuses a depends_on_past DAG without `--reprocess-behavior`, and runs it
forwards only):

    airflow backfill create --dag-id tablestore_stream_sync_oss \\
        --from-date 2026-01-01T00:00:00+00:00 --to-date 2026-01-01T01:00:00+00:00 \\
        --reprocess-behavior completed

A window older than the stream's retention fails with the lost range and the way out (a full
export), unless `allow_data_loss` is set.
"""

_WINDOW = {"window_minutes": "params.window_minutes", "lag_minutes": "params.lag_minutes"}
_PREFIX = ("{{ params.object_prefix or (conn.get(params.tablestore_conn_id).extra_dejson.instance_name ~ '/' ~ "
           "params.table) }}/" + stream_window.template("path", **_WINDOW))

JOB = {
    "type": "job",
    "version": "1.0",
    "configuration": {
        "setting": {
            "errorLimit": {"record": "{{ params.error_limit_record }}"},
            "speed": {"concurrent": "{{ params.concurrent }}"},
        },
        "reader": {
            "plugin": "otsstream",
            "parameter": {
                "datasource": "{{ params.tablestore_conn_id }}",
                "dataTable": "{{ params.table }}",
                "statusTable": "{{ params.status_table }}",
                "startTimestampMillis": stream_window.template("start_ms", **_WINDOW),
                "endTimestampMillis": stream_window.template("end_ms", **_WINDOW),
                "windowMinutes": "{{ params.window_minutes }}",
                "lagMinutes": "{{ params.lag_minutes }}",
                "isExportSequenceInfo": "{{ params.export_sequence_info }}",
                "allowDataLoss": "{{ params.allow_data_loss }}",
                "maxRetries": "{{ params.max_retries }}",
            },
        },
        "writer": {
            "plugin": "oss",
            "parameter": {
                "datasource": "{{ params.oss_conn_id }}",
                "object": _PREFIX,
                "writeMode": "truncate",
                "fileFormat": "{{ params.file_format }}",
                "suffix": "{{ params.suffix }}",
                "nullFormat": "{{ params.null_format }}",
            },
        },
    },
}

with channel_dag(
    DAG_ID,
    doc_md=DOC,
    schedule=CronTriggerTimetable("*/5 * * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args_overrides={"depends_on_past": True},
    tags=("oss", "stream", "incremental"),
    render_template_as_native_obj=True,
    params={
        "tablestore_conn_id": Param(connection_ids.TABLESTORE, type="string"),
        "table": Param("iot_readings", type="string", description="table whose stream is exported"),
        "status_table": Param("TableStoreStreamReaderStatusTable", type="string",
                              description="checkpoint table (created if absent)"),
        "window_minutes": Param(5, type="number", exclusiveMinimum=0),
        "lag_minutes": Param(5, type="number", minimum=0, description="changes settle this long before export"),
        "export_sequence_info": Param(True, type="boolean"),
        "allow_data_loss": Param(False, type="boolean",
                                 description="continue past changes lost to the stream's retention"),
        "max_retries": Param(30, type="integer", minimum=0),
        "oss_conn_id": Param(connection_ids.OSS, type="string"),
        "object_prefix": Param("", type="string", description="empty = <instance>/<table>"),
        "file_format": Param("csv", enum=["csv", "text", "parquet"]),
        "suffix": Param(".csv", type="string"),
        "null_format": Param("null", type="string"),
        "concurrent": Param(2, type="integer", minimum=1),
        "error_limit_record": Param(0, type="integer", minimum=0),
    },
) as dag:
    wait_until_settled(**_WINDOW) >> channel_tasks(JOB)
