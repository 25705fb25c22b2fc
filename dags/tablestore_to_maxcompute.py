"""Airflow DAG: full export of a Tablestore table to MaxCompute (OTSReader -> ODPSWriter), triggered from the UI.

The DAG's params are the job's parameters; the same job can be written as a script-mode job
file in include/jobs/ instead (see include/jobs/iot_readings_to_maxcompute.json).
"""

from __future__ import annotations

import pendulum

from tablestore_channels.authoring import stream_window
from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.params import (
    OTS_EXPORT_READER,
    connection,
    job,
    optional,
    ots_export_params,
    param,
    setting_params,
)
from tablestore_channels.authoring.tasks import channel_tasks
from tablestore_channels.config import connection_ids

DOC = """
### Full export: Tablestore -> MaxCompute

Reads a table (or a primary-key range of it) with **OTSReader** and loads it into an existing
MaxCompute table, or one partition of it, with **ODPSWriter**. The default partition is
`pt=${date}`: `${date}` becomes the run's date (`yyyyMMdd`); empty `partition` loads an
unpartitioned table. `make demo` creates the demo's target table:

    CREATE TABLE iot_readings (device_id STRING, ts BIGINT, temperature DOUBLE, humidity DOUBLE,
      battery BIGINT, online BOOLEAN, status STRING, firmware STRING, site STRING, raw_frame BINARY)
      PARTITIONED BY (pt STRING);

Tasks: **plan** (checks the source table, the target table, the partition spec and the column
mapping; opens one tunnel upload session for the run) -> **transfer** (one mapped task per
split, each uploading its own numbered blocks) -> **commit** (error limit, then one commit of
all blocks). All or nothing: a failed run leaves the table or partition as it was; with
`truncate` the old rows are replaced at the commit, never deleted first. A rerun of the same run
replaces its rows (`truncate` true) or is refused (`truncate` false: it would append twice;
appending runs are noted in the table `tablestore_channel_commits` of the same project).

Connections: `tablestore_default` (type *tablestore*), `maxcompute_default` (type *maxcompute*).
Failed task instances alert through the `alert_smtp` / `alert_webhook` connections.
"""

JOB = job("ots", OTS_EXPORT_READER, "odps", {
    "datasource": "{{ params.maxcompute_conn_id }}",
    "table": "{{ params.odps_table or params.table }}",
    "column": "{{ params.odps_columns or ['*'] }}",
    "partition": "{{ (params.partition or '') | replace('${date}', " + stream_window.date_template() + ") }}",
    "truncate": "{{ params.truncate }}",
    "emptyAsNull": "{{ params.empty_as_null }}",
    "blockSizeInMB": "{{ params.block_size_mb }}",
})

with channel_dag(
    "tablestore_to_maxcompute",
    doc_md=DOC,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    tags=("maxcompute", "full-export"),
    max_active_runs=1,
    render_template_as_native_obj=True,
    params={
        **ots_export_params(),
        "maxcompute_conn_id": connection(connection_ids.MAXCOMPUTE, "MaxCompute project",
                                         "writer.parameter.datasource"),
        "odps_table": optional(None, "string", "MaxCompute table (it must exist); empty = the Tablestore "
                               "table's name.", "writer.parameter.table"),
        "odps_columns": optional(None, "array", "MaxCompute columns, one per exported column, one name per "
                                 "line; empty = all, in table order.", "writer.parameter.column",
                                 items={"type": "string"}),
        "partition": optional("pt=${date}", "string", "Partition to load, e.g. pt=${date},region=hz (${date} = "
                              "the run's date, yyyyMMdd); empty for an unpartitioned table.",
                              "writer.parameter.partition"),
        "truncate": param(True, "Replace the table or partition at the commit (else append to it).",
                          "writer.parameter.truncate", type="boolean"),
        "empty_as_null": param(False, "Write empty strings as NULL.", "writer.parameter.emptyAsNull",
                               type="boolean"),
        "block_size_mb": param(64, "Tunnel block size in MB.", "writer.parameter.blockSizeInMB",
                               type="integer", minimum=1),
        **setting_params(),
    },
):
    channel_tasks(JOB)
