"""Full export of a Tablestore table to OSS (OTSReader -> OSSWriter), triggered from the UI.

The DAG's params are the job's parameters; the same job can be written as a script-mode job
file in include/jobs/ instead.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param

from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.params import OTS_EXPORT_READER, job, ots_export_params, setting_params
from tablestore_channels.authoring.tasks import channel_tasks
from tablestore_channels.config import connection_ids

DOC = """
### Full export: Tablestore -> OSS

Reads a table (or a primary-key range of it) with **OTSReader** and writes CSV / text / Parquet
objects with **OSSWriter** under `object` (default `tablestore/<table>/<yyyymmdd>/`).

Tasks: **plan** (checks the table and bucket, cuts the table into `concurrent` splits at real
partition boundaries) -> **transfer** (one mapped task per split) -> **commit** (error limit,
then a manifest object: the commit point). `truncate` removes the previous objects under the
prefix only after the manifest is written; a failed run leaves the previous export readable.
A rerun of the same run rewrites the same object names: no duplicates.

Connections: `tablestore_default` (type *tablestore*), `oss_default` (type *oss*, bucket in
*schema*). Failed task instances alert through the `alert_smtp` / `alert_webhook` connections.
"""

JOB = job(
    "ots",
    OTS_EXPORT_READER,
    "oss",
    {
        "datasource": "{{ params.oss_conn_id }}",
        "object": "{{ params.object or 'tablestore/' ~ params.table ~ '/' ~ ds_nodash ~ '/' }}",
        "writeMode": "{{ params.write_mode }}",
        "fileFormat": "{{ params.file_format }}",
        "compress": "{{ params.compress }}",
        "fieldDelimiter": "{{ params.field_delimiter }}",
        "nullFormat": "{{ params.null_format }}",
        "suffix": "{{ params.suffix }}",
        "maxFileSize": "{{ params.max_file_size_mb }}",
    },
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
        "oss_conn_id": Param(connection_ids.OSS, type="string"),
        "object": Param("", type="string", description="object prefix; empty = tablestore/<table>/<yyyymmdd>/"),
        "write_mode": Param("truncate", enum=["truncate", "append", "nonConflict"]),
        "file_format": Param("csv", enum=["csv", "text", "parquet"]),
        "compress": Param("none", enum=["none", "gzip"]),
        "field_delimiter": Param(",", type="string"),
        "null_format": Param("null", type="string"),
        "suffix": Param(".csv", type="string"),
        "max_file_size_mb": Param(1024, type="integer", minimum=1),
        **setting_params(),
    },
):
    channel_tasks(JOB)
