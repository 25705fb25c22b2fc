"""Airflow DAG: a Tablestore table as it was at a moment T, from its full exports and stream
windows in OSS (pointintime reader -> otsreplay writer), triggered from the UI."""

from __future__ import annotations

import pendulum

from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.params import COLUMN_ITEM, connection, job, optional, param, setting_params
from tablestore_channels.authoring.tasks import channel_tasks
from tablestore_channels.config import connection_ids

DOC = """
### Point-in-time restore: full export + stream windows -> Tablestore, the table as it was at T

Picks the latest committed **full export** (`tablestore_full_export_oss`, mode `multiVersion`)
that finished reading at or before T, restores its cells with their timestamps, then replays in
commit order every committed **stream window** (`tablestore_stream_sync_oss`, mode
`multi_version`) from the export's *start* up to T, the last one cut at T by each change's
commit time (its sequence info). Changes made while the export read are covered by replaying
from its start: every change is an assignment to cells, versions or rows, so replaying it onto a
row that already has it changes nothing. For the same reason a rerun changes nothing.

An export that finished reading after T may hold changes made after T, which no replay undoes:
it is not used. A row-mode export (`normal`) cannot serve: its cells would get new timestamps
that hide the replayed versions.

T `latest` (the default) is the newest moment the backups reach: the end of the unbroken run of
committed windows after the newest export that they reach past; the first plan resolves it and
the second phase keeps it.

Refused **before anything is written**, with the gap and the fix: a window missing or not
committed between the export and T, windows that do not reach T yet, a T before the oldest
usable export, a window exported in mode `single_version_and_update_only` (or, for the window
holding T, without sequence info).

Tasks: **export** (plan: the whole restore is checked, the target created if missing ->
transfer, one mapped task per group of the export's objects -> commit) then **windows** (plan ->
transfer, one mapped task per share of the rows, each reading every window in order -> commit:
the restored table's asset event). A new target keeps the source's key, predefined columns and
versions, without TTL. Restore into a new (or empty) table: rows it has that the source did not
have at T stay.

Connections: `oss_default` (the exports' bucket), `tablestore_default` (the source's instance,
for the default stream prefix, and the target).
"""

_EXPORT_PLAN = "export.plan"
_READER = {
    "datasource": "{{ params.oss_conn_id }}",
    "bucket": "{{ params.bucket }}",
    "table": "{{ params.table }}",
    "exportPrefix": "{{ params.export_prefix or export_prefix(params.table) }}",
    "streamPrefix": "{{ params.stream_prefix or stream_prefix(tablestore_instance(params.tablestore_conn_id), "
                    "params.table) }}",
    "pointInTime": "{{ params.point_in_time }}",
    "column": "{{ params.columns or [] }}",
}
_WRITER = {
    "datasource": "{{ params.target_conn_id }}",
    "table": "{{ params.target_table }}",
    "createTableIfMissing": "{{ params.create_table_if_missing }}",
    "batchWriteCount": "{{ params.batch_write_count }}",
}
EXPORT_JOB = job("pointintime", {**_READER, "phase": "export"}, "otsreplay", _WRITER)
# the windows after the export and up to the T that the first plan chose (pinned: a later export
# or window never sneaks in)
_CHOSEN = "{{ ti.xcom_pull(task_ids='" + _EXPORT_PLAN + "')[0]['reader']['%s'] }}"
WINDOWS_JOB = job("pointintime", {**_READER, "phase": "windows", "exportManifest": _CHOSEN % "export_manifest",
                                  "pointInTime": _CHOSEN % "point_in_time"}, "otsreplay", _WRITER)

with channel_dag(
    "tablestore_restore_point_in_time",
    doc_md=DOC,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    tags=("oss", "restore", "point-in-time"),
    max_active_runs=1,
    render_template_as_native_obj=True,
    params={
        "point_in_time": param("latest", "The moment T to restore the table to, ISO 8601 with a UTC offset (Z or "
                               "+08:00); changes committed at or before it are kept. latest: the newest moment the "
                               "backups reach (the end of the committed stream windows after the newest export).",
                               "reader.parameter.pointInTime", type="string", minLength=1),
        "table": param("iot_readings", "The source table (its exports and windows record it).",
                       "reader.parameter.table", type="string", minLength=1),
        "tablestore_conn_id": connection(connection_ids.TABLESTORE, "source Tablestore instance (its name makes the "
                                         "default stream prefix)", "reader.parameter.streamPrefix"),
        "oss_conn_id": connection(connection_ids.OSS, "OSS bucket of the exports (the bucket in its schema field)",
                                  "reader.parameter.datasource"),
        "bucket": optional(None, "string", "Bucket of the exports; empty = the connection's bucket.",
                           "reader.parameter.bucket"),
        "export_prefix": optional(None, "string", "Prefix of the table's full exports; empty = tablestore/<table>/ "
                                  "(tablestore_full_export_oss's default).", "reader.parameter.exportPrefix"),
        "stream_prefix": optional(None, "string", "Prefix of the table's stream windows; empty = <instance>/<table>/ "
                                  "(tablestore_stream_sync_oss's default).", "reader.parameter.streamPrefix"),
        "columns": optional(None, "array", "Types of attribute columns the source does not predefine, as JSON: "
                            "[{\"name\": ..., \"type\": string | int | double | bool | binary}]; empty = only "
                            "predefined ones.", "reader.parameter.column", items={"type": "object", **COLUMN_ITEM}),
        "target_conn_id": connection(connection_ids.TABLESTORE, "Tablestore instance of the target",
                                     "writer.parameter.datasource"),
        "target_table": param("iot_readings_at_t", "The table to restore into (a new or empty one).",
                              "writer.parameter.table", type="string", minLength=1),
        "create_table_if_missing": param(True, "Create the target with the source's primary key, predefined "
                                         "columns and versions if it does not exist.",
                                         "writer.parameter.createTableIfMissing", type="boolean"),
        "batch_write_count": param(200, "Rows per BatchWriteRow request.", "writer.parameter.batchWriteCount",
                                   type="integer", minimum=1, maximum=200),
        **setting_params(),
    },
) as dag:
    channel_tasks(EXPORT_JOB, group_id="export", emits_asset=False) >> channel_tasks(WINDOWS_JOB, group_id="windows")
