"""Incremental sync of a Tablestore table's stream to OSS every 5 minutes (OTSStreamReader ->
OSSWriter), the seed's section 2.3: each run exports the changes committed in
[run time - 10 min, run time - 5 min)."""

from __future__ import annotations

from tablestore_channels.api.channel import TablestoreStreamChannel
from tablestore_channels.api.writers import OSSWriter
from tablestore_channels.authoring.conventions import stream_dag
from tablestore_channels.authoring.params import (
    OTS_STREAM_READER,
    SETTING,
    connection,
    optional,
    oss_format_params,
    oss_format_writer,
    ots_stream_params,
    setting_params,
)
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
A run whose window is not committed within 3 window lengths of its end (15 minutes with the
defaults) alerts by e-mail and webhook while it runs (a deadline); each transfer fails after 30
minutes and is retried.

Backfill (Airflow refuses a depends_on_past DAG without `--reprocess-behavior`, and runs it
forwards only):

    airflow backfill create --dag-id tablestore_stream_sync_oss \\
        --from-date 2026-01-01T00:00:00+00:00 --to-date 2026-01-01T01:00:00+00:00 \\
        --reprocess-behavior completed

A window older than the stream's retention fails with the lost range and the way out (a full
export), unless `allow_data_loss` is set.
"""

# each window goes into <prefix>/<yyyymmdd>/<start>-<end>/ (the stream channel adds the folder)
WRITER = OSSWriter(
    oss_conn_id="{{ params.oss_conn_id }}",
    # one '/' before the window folder, whether or not the prefix given ends with one
    object="{{ (params.object_prefix or stream_prefix(tablestore_instance(params.tablestore_conn_id), "
           "params.table)).rstrip('/') }}/",
    write_mode="truncate",
    **oss_format_writer(),
)

with stream_dag(
    DAG_ID,
    doc_md=DOC,
    tags=("oss",),
    render_template_as_native_obj=True,
    params={
        **ots_stream_params(),
        "oss_conn_id": connection(connection_ids.OSS, "OSS bucket (the bucket in its schema field)",
                                  "writer.parameter.datasource"),
        "object_prefix": optional(None, "string", "Prefix of the windows' objects; empty = <instance>/<table>.",
                                  "writer.parameter.object"),
        **oss_format_params(),
        **setting_params(),
    },
) as dag:
    TablestoreStreamChannel(group_id="channel", reader=OTS_STREAM_READER, writer=WRITER, setting=SETTING)
