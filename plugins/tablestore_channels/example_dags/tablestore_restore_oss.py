"""Airflow DAG: restore of an OSS export into a Tablestore table (OSSReader -> OTSWriter), from the UI.

The DAG's params are the job's parameters; the same job can be written as a script-mode job
file in include/jobs/ instead (see include/jobs/restore_iot_readings_oss.json).
"""

from __future__ import annotations

import pendulum

from tablestore_channels.api.channel import TablestoreChannel
from tablestore_channels.api.readers import OSSReader
from tablestore_channels.api.writers import OTSWriter
from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.params import (
    COLUMN_ITEM,
    SETTING,
    choice,
    connection,
    objects_json,
    optional,
    param,
    setting_params,
    tablestore_params,
)
from tablestore_channels.config import connection_ids
from tablestore_channels.formats import COMPRESSIONS, FILE_FORMATS

DOC = """
### Restore: OSS -> Tablestore

Reads the objects of an export with **OSSReader** and writes them into a table with
**OTSWriter** (BatchWriteRow, `PutRow` whole rows by default).

`source` is one of:
- an export's **manifest** key (`..._manifest.json`): exactly the objects it lists, with the
  export's format settings, checked against its sizes and SHA-256;
- a **prefix** with `prefix_reads: latest_export` (the default): the newest export committed
  under it, as by its manifest; the defaults restore the demo's full export of `iot_readings`;
- a **prefix** with `prefix_reads: every_object`: every object under it, except an export's
  manifests and dirty-record objects, with the format settings of the params.

Fields map by position onto `primary_key` and then `columns`, converted to their types (binary
from base64 in csv/text). With `create_table_if_missing` the table is created from them.

Tasks: **plan** (lists the objects, checks the table's primary key or creates the table) ->
**transfer** (one mapped task per group of objects) -> **commit** (error limit, summary).
PutRow is idempotent: a rerun rewrites the same rows and doubles nothing.

Connections: `oss_default` (type *oss*, bucket in *schema*), `tablestore_default` (type *tablestore*).
"""

_FROM_SOURCE = "empty = the export's setting (the default for every_object)."
_READS_MANIFEST = "(params.source.endswith('_manifest.json') or params.prefix_reads == 'latest_export')"

READER = OSSReader(
    oss_conn_id="{{ params.oss_conn_id }}",
    bucket="{{ params.bucket }}",
    manifest="{{ params.source if " + _READS_MANIFEST + " else none }}",
    objects="{{ none if " + _READS_MANIFEST + " else [params.source] }}",
    file_format="{{ params.file_format }}",
    field_delimiter="{{ params.field_delimiter }}",
    null_format="{{ params.null_format }}",
    encoding="{{ params.encoding }}",
    compress="{{ params.compress }}",
    skip_header="{{ params.skip_header }}",
)
WRITER = OTSWriter(
    tablestore_conn_id="{{ params.tablestore_conn_id }}",
    table="{{ params.table }}",
    primary_key="{{ params.primary_key }}",
    columns="{{ params.columns }}",
    write_mode="{{ params.write_mode }}",
    create_table_if_missing="{{ params.create_table_if_missing }}",
    batch_write_count="{{ params.batch_write_count }}",
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
        "oss_conn_id": connection(connection_ids.OSS, "OSS bucket (the bucket in its schema field)",
                                  "reader.parameter.datasource"),
        "bucket": optional(None, "string", "Bucket of the export; empty = the connection's bucket.",
                           "reader.parameter.bucket"),
        "source": param("tablestore/iot_readings/", "An export's manifest key (..._manifest.json) or an "
                        "object prefix.", "reader.parameter.manifest or reader.parameter.object",
                        type="string", minLength=1),
        "prefix_reads": choice("latest_export", ("latest_export", "every_object"), "What a prefix source "
                               "reads: the newest export committed under it, or every object under it.",
                               "reader.parameter.manifest or reader.parameter.object"),
        "file_format": optional(None, "string", f"Object format; {_FROM_SOURCE}", "reader.parameter.fileFormat",
                                enum=[None, *FILE_FORMATS]),
        "field_delimiter": optional(None, "string", f"Field delimiter; {_FROM_SOURCE}",
                                    "reader.parameter.fieldDelimiter"),
        "null_format": optional(None, "string", f"Text of a null; {_FROM_SOURCE}", "reader.parameter.nullFormat"),
        "encoding": optional(None, "string", f"Text encoding; {_FROM_SOURCE}", "reader.parameter.encoding"),
        "compress": optional(None, "string", "Compression; empty = the export's setting, or gzip for keys "
                             "ending in .gz.", "reader.parameter.compress", enum=[None, *COMPRESSIONS]),
        "skip_header": optional(None, "boolean", f"Skip each object's first line; {_FROM_SOURCE}",
                                "reader.parameter.skipHeader"),
        **tablestore_params("iot_readings_restored", "Target table.", "writer"),
        "primary_key": objects_json(_columns(("device_id", "string"), ("ts", "int")), "The source's primary key "
                                    "in order, as JSON: [{\"name\": ..., \"type\": string | int | binary}].",
                                    "writer.parameter.primaryKey", **COLUMN_ITEM),
        "columns": objects_json(_columns(("temperature", "double"), ("humidity", "double"), ("battery", "int"),
                                         ("online", "bool"), ("status", "string"), ("firmware", "string"),
                                         ("site", "string"), ("raw_frame", "binary")),
                                "The attribute columns after the key, in the source's order, as JSON: "
                                "[{\"name\": ..., \"type\": string | int | double | bool | binary}].",
                                "writer.parameter.column", **COLUMN_ITEM),
        "create_table_if_missing": param(True, "Create the table from primary_key (and columns as predefined "
                                         "columns) if it does not exist.", "writer.parameter.createTableIfMissing",
                                         type="boolean"),
        "write_mode": choice("PutRow", ("PutRow", "UpdateRow"), "PutRow writes whole rows; UpdateRow keeps the "
                             "columns a record leaves null.", "writer.parameter.writeMode"),
        "batch_write_count": param(200, "Rows per BatchWriteRow request.", "writer.parameter.batchWriteCount",
                                   type="integer", minimum=1, maximum=200),
        **setting_params(),
    },
) as dag:
    TablestoreChannel(group_id="channel", reader=READER, writer=WRITER, setting=SETTING)
