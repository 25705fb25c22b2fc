"""Airflow DAG: full export of a Tablestore table to OSS (OTSReader -> OSSWriter), triggered from the UI.

The DAG's params are the job's parameters; the same job can be written as a script-mode job
file in include/jobs/ instead.
"""

from __future__ import annotations

import pendulum

from tablestore_channels.api.channel import TablestoreChannel
from tablestore_channels.api.writers import OSSWriter
from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.params import (
    SETTING,
    choice,
    connection,
    optional,
    oss_format_params,
    oss_format_writer,
    ots_export_params,
    ots_export_reader,
    param,
    setting_params,
)
from tablestore_channels.channel import stream_window
from tablestore_channels.config import connection_ids
from tablestore_channels.plugins.osswriter.config import WRITE_MODES
from tablestore_channels.plugins.otsreader.config import MULTI_VERSION, NORMAL

DOC = """
### Full export: Tablestore -> OSS

Reads a table (or a primary-key range of it) with **OTSReader** and writes CSV / text / Parquet
objects with **OSSWriter** under `object` (default `tablestore/<table>/<yyyymmdd>/<HHmmss>/`, the
run's time in UTC: each run its own prefix, so two exports of one day both stay).

Tasks: **plan** (checks the table and bucket, cuts the table into `concurrent` splits at real
partition boundaries) -> **transfer** (one mapped task per split) -> **commit** (error limit,
then a manifest object: the commit point). `truncate` removes the previous objects under the
prefix only after the manifest is written; a failed run leaves the previous export readable.
A rerun of the same run rewrites the same object names: no duplicates.

The manifest records when the export began and finished reading (`read_started_at`,
`read_finished_at`) and what it read (`source`: the table's key, columns, versions kept, the
mode). Mode `multiVersion` keeps every version with its timestamp: the exports that
`tablestore_restore_point_in_time` restores from.

Connections: `tablestore_default` (type *tablestore*), `oss_default` (type *oss*, bucket in
*schema*). Failed task instances alert through the `alert_smtp` / `alert_webhook` connections.
"""

READER = ots_export_reader(mode="{{ params.mode }}")
WRITER = OSSWriter(
    oss_conn_id="{{ params.oss_conn_id }}",
    # one prefix per run: two exports of a day both stay (truncate replaces only a rerun's objects)
    object="{{ params.object or export_prefix(params.table) ~ export_folder(" + stream_window.RUN_TIME + ") }}",
    write_mode="{{ params.write_mode }}",
    max_file_size_mb="{{ params.max_file_size_mb }}",
    **oss_format_writer(),
)

with channel_dag(
    "tablestore_full_export_oss",
    doc_md=DOC,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    tags=("oss", "full-export"),
    max_active_runs=1,
    render_template_as_native_obj=True,
    params={
        **ots_export_params(),
        "mode": choice("normal", (NORMAL, MULTI_VERSION), "normal: one record per row (the listed columns, "
                       "newest versions); multiVersion: one record per cell version (pk..., column, timestamp, "
                       "value), every version kept: what a point-in-time restore needs.", "reader.parameter.mode"),
        "oss_conn_id": connection(connection_ids.OSS, "OSS bucket (the bucket in its schema field)",
                                  "writer.parameter.datasource"),
        "object": optional(None, "string", "Object prefix of the export; empty = tablestore/<table>/<yyyymmdd>/<HHmmss>/ "
                           "(the run's time, UTC).",
                           "writer.parameter.object"),
        "write_mode": choice("truncate", WRITE_MODES, "truncate: replace the previous export under the prefix "
                             "(after this one is committed); append: add to it; nonConflict: refuse if "
                             "objects are there.", "writer.parameter.writeMode"),
        **oss_format_params(),
        "max_file_size_mb": param(1024, "Start a new object after this many MB.", "writer.parameter.maxFileSize",
                                  type="integer", minimum=1),
        **setting_params(),
    },
) as dag:
    TablestoreChannel(group_id="channel", reader=READER, writer=WRITER, setting=SETTING)
