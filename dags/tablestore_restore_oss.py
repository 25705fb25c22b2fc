"""Restore of an OSS export into a Tablestore table (OSSReader -> OTSWriter), triggered from the UI.

The DAG's params are the job's parameters; the same job can be written as a script-mode job
file in include/jobs/ instead (see include/jobs/restore_iot_readings_oss.json).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param

from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.params import job, setting_params, tablestore_params
from tablestore_channels.authoring.tasks import channel_tasks
from tablestore_channels.config import connection_ids

DOC = """
### Restore: OSS -> Tablestore

Reads the objects of an export with **OSSReader** and writes them into a table with
**OTSWriter** (BatchWriteRow, `PutRow` whole rows by default).

`source` is either the **manifest** of a complete export (`..._manifest.json`: exactly the
objects it lists are read, with the export's format settings) or a **prefix** (every object
under it, except an export's manifest and dirty-record objects; format settings from the params).
Fields map by position onto `primary_key` and then `columns`, converted to their types (binary
from base64 in csv/text).

Tasks: **plan** (lists the objects, checks the table's primary key or creates the table when
`create_table_if_missing`) -> **transfer** (one mapped task per group of objects) -> **commit**
(error limit, summary). PutRow is idempotent: a rerun rewrites the same rows and doubles nothing.

Connections: `oss_default` (type *oss*, bucket in *schema*), `tablestore_default` (type *tablestore*).
"""

_FORMAT_FROM_SOURCE = "empty = the manifest's setting (or the default for a prefix)"
_IS_MANIFEST = "params.source.endswith('manifest.json')"

JOB = job(
    "oss",
    {
        "datasource": "{{ params.oss_conn_id }}",
        "bucket": "{{ params.bucket }}",
        "manifest": "{{ params.source if " + _IS_MANIFEST + " else '' }}",
        "object": "{{ '' if " + _IS_MANIFEST + " else params.source }}",
        "fileFormat": "{{ params.file_format }}",
        "fieldDelimiter": "{{ params.field_delimiter }}",
        "nullFormat": "{{ params.null_format }}",
        "encoding": "{{ params.encoding }}",
        "compress": "{{ params.compress }}",
        "skipHeader": "{{ params.skip_header }}",
    },
    "ots",
    {
        "datasource": "{{ params.tablestore_conn_id }}",
        "table": "{{ params.table }}",
        "primaryKey": "{{ params.primary_key }}",
        "column": "{{ params.columns }}",
        "writeMode": "{{ params.write_mode }}",
        "createTableIfMissing": "{{ params.create_table_if_missing }}",
        "batchWriteCount": "{{ params.batch_write_count }}",
    },
)


def _columns(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "type": kind} for name, kind in pairs]


with channel_dag(
    "tablestore_restore_oss",
    doc_md=DOC,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    tags=("oss", "restore"),
    max_active_runs=1,
    render_template_as_native_obj=True,
    params={
        "oss_conn_id": Param(connection_ids.OSS, type="string"),
        "bucket": Param("", type="string", description="empty = the oss connection's bucket (schema)"),
        "source": Param("tablestore/iot_readings/", type="string", minLength=1,
                        description="an export's manifest key (..._manifest.json) or an object prefix"),
        "file_format": Param(None, type=["null", "string"], enum=[None, "csv", "text", "parquet"],
                             description=_FORMAT_FROM_SOURCE),
        "field_delimiter": Param(None, type=["null", "string"], description=_FORMAT_FROM_SOURCE),
        "null_format": Param(None, type=["null", "string"], description=_FORMAT_FROM_SOURCE),
        "encoding": Param(None, type=["null", "string"], description=_FORMAT_FROM_SOURCE),
        "compress": Param(None, type=["null", "string"], enum=[None, "none", "gzip"],
                          description="empty = the manifest's setting, or gzip for keys ending in .gz"),
        "skip_header": Param(None, type=["null", "boolean"], description=_FORMAT_FROM_SOURCE),
        **tablestore_params("iot_readings_restored", "target table"),
        "primary_key": Param(_columns(("device_id", "string"), ("ts", "int")), type="array", minItems=1,
                             description="the source's primary key in order: [{name, type}] (string, int, binary)"),
        "columns": Param(_columns(("temperature", "double"), ("humidity", "double"), ("battery", "int"),
                                  ("online", "bool"), ("status", "string"), ("firmware", "string"),
                                  ("site", "string"), ("raw_frame", "binary")), type="array",
                         description="the attribute columns after the key, in the source's order: [{name, type}]"),
        "create_table_if_missing": Param(False, type="boolean",
                                         description="create the table with primary_key (and columns as "
                                                     "predefined columns) if it does not exist"),
        "write_mode": Param("PutRow", enum=["PutRow", "UpdateRow"]),
        "batch_write_count": Param(200, type="integer", minimum=1, maximum=200),
        **setting_params(),
    },
):
    channel_tasks(JOB)
