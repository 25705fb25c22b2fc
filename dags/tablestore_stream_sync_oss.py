"""Incremental sync of a Tablestore table's stream to OSS every 5 minutes (OTSStreamReader ->
OSSWriter), the seed's section 2.3: each run exports the changes committed in
[run time - 10 min, run time - 5 min)."""

from __future__ import annotations

import pendulum
from airflow.timetables.trigger import CronTriggerTimetable

from tablestore_channels.authoring import stream_window
from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.params import (
    choice,
    connection,
    job,
    optional,
    oss_format_params,
    oss_format_writer,
    param,
    setting_params,
    tablestore_params,
)
from tablestore_channels.authoring.tasks import channel_tasks, wait_until_settled
from tablestore_channels.config import connection_ids
from tablestore_channels.config.ots_stream_reader import MULTI_VERSION, SINGLE_VERSION

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
order rebuilds the table. Mode `single_version_and_update_only` (the seed's template): one record
per changed row with the listed `columns` (required; `export_sequence_info` must be off).

Triggered from the form, a run's time is when it was triggered: with the defaults it exports
[now - 10 min, now - 5 min), settled at once. For the changes of the last minute, set
`lag_minutes` 0 and `window_minutes` 1: the window [now - 1 min, now) settles immediately too.

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
_PREFIX = ("{{ params.object_prefix or (tablestore_instance(params.tablestore_conn_id) ~ '/' ~ params.table) }}/"
           + stream_window.template("path", **_WINDOW))

JOB = job(
    "otsstream",
    {
        "datasource": "{{ params.tablestore_conn_id }}",
        "dataTable": "{{ params.table }}",
        "statusTable": "{{ params.status_table }}",
        "startTimestampMillis": stream_window.template("start_ms", **_WINDOW),
        "endTimestampMillis": stream_window.template("end_ms", **_WINDOW),
        "windowMinutes": "{{ params.window_minutes }}",
        "lagMinutes": "{{ params.lag_minutes }}",
        "mode": "{{ params.mode }}",
        "column": "{{ params.columns or [] }}",
        "isExportSequenceInfo": "{{ params.export_sequence_info }}",
        "allowDataLoss": "{{ params.allow_data_loss }}",
        "maxRetries": "{{ params.max_retries }}",
    },
    "oss",
    {"datasource": "{{ params.oss_conn_id }}", "object": _PREFIX, "writeMode": "truncate", **oss_format_writer()},
)

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
        **tablestore_params("iot_readings", "Table whose stream is exported.", "reader"),
        "status_table": param("TableStoreStreamReaderStatusTable", "Table of the shard checkpoints (created if "
                              "absent).", "reader.parameter.statusTable", type="string", minLength=1),
        "window_minutes": param(5, "Length of each run's window in minutes.", "reader.parameter.windowMinutes",
                                type="number", exclusiveMinimum=0),
        "lag_minutes": param(5, "Changes settle this long before they are exported: a run at t exports "
                             "[t - lag - window, t - lag).", "reader.parameter.lagMinutes", type="number", minimum=0),
        "mode": choice(MULTI_VERSION, (MULTI_VERSION, SINGLE_VERSION), "multi_version: one record per cell change "
                       "(replayable); single_version_and_update_only: one record per changed row with the "
                       "columns listed in `columns` (the seed's mode).", "reader.parameter.mode"),
        "columns": optional(None, "array", "single_version_and_update_only: the output columns (primary-key or "
                            "attribute names), one per line; empty in multi_version.", "reader.parameter.column",
                            items={"type": "string"}),
        "export_sequence_info": param(True, "Add each change's sequence info (multi_version only).",
                                      "reader.parameter.isExportSequenceInfo", type="boolean"),
        "allow_data_loss": param(False, "Go on past changes the stream no longer holds (else the run fails and "
                                 "names the lost range).", "reader.parameter.allowDataLoss", type="boolean"),
        "max_retries": param(30, "Retries of each stream call.", "reader.parameter.maxRetries", type="integer",
                             minimum=0),
        "oss_conn_id": connection(connection_ids.OSS, "OSS bucket (the bucket in its schema field)",
                                  "writer.parameter.datasource"),
        "object_prefix": optional(None, "string", "Prefix of the windows' objects; empty = <instance>/<table>.",
                                  "writer.parameter.object"),
        **oss_format_params(),
        **setting_params(),
    },
) as dag:
    wait_until_settled(**_WINDOW) >> channel_tasks(JOB)
