"""The params of the params-driven channel DAGs and the job each renders from them.

Every param says what it does and which job parameter it sets; a param whose empty value means
"the default" admits null, so a DAG's trigger form opens valid and its defaults run. The DAGs
render their job with ``render_template_as_native_obj=True``, so lists and numbers keep their
types.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param

from tablestore_channels.api.readers import OTSReader, OTSStreamReader
from tablestore_channels.api.setting import Setting
from tablestore_channels.api.writers import ODPSWriter
from tablestore_channels.config import connection_ids
from tablestore_channels.formats import COMPRESSIONS, FILE_FORMATS
from tablestore_channels.plugins.otsstreamreader.config import DEFAULT_STATUS_TABLE, MULTI_VERSION, SINGLE_VERSION


def param(default: Any, description: str, job_key: str | None = None, **schema: Any) -> Param:
    """A param whose description ends with the job parameter it sets."""
    where = f" Sets `{job_key}`." if job_key else ""
    return Param(default, description=f"{description}{where}", **schema)


def optional(default: Any, kind: str, description: str, job_key: str | None = None, **schema: Any) -> Param:
    """A param that may be left empty (null): ``description`` says what empty means."""
    return param(default, description, job_key, type=["null", kind], **schema)


def choice(default: str, choices: tuple[str, ...] | list[str], description: str, job_key: str) -> Param:
    return param(default, description, job_key, type="string", enum=list(choices))


def connection(default: str, service: str, job_key: str) -> Param:
    return param(default, f"Airflow connection of the {service} to use.", job_key, type="string", minLength=1)


def objects_json(default: list[dict[str, Any]], description: str, job_key: str, **item: Any) -> Param:
    """A list of objects, shown and edited as JSON in the trigger form."""
    return param(default, description, job_key, type="array", items={"type": "object", **item})


# An item of a list of typed columns ([{"name": ..., "type": ...}]) in a trigger form.
COLUMN_ITEM = {"required": ["name", "type"], "properties": {
    "name": {"type": "string"}, "type": {"type": "string", "enum": ["string", "int", "double", "bool", "binary"]}}}


# The job's ``setting`` from :func:`setting_params`.
SETTING = Setting(concurrent="{{ params.concurrent }}", mbps="{{ params.mbps }}",
                  error_limit_record="{{ params.error_limit_record }}")


def job(reader_plugin: str, reader: dict[str, Any], writer_plugin: str, writer: dict[str, Any]) -> dict[str, Any]:
    """A job of plugins without a typed class (the point-in-time restore's), whose ``setting``
    comes from :func:`setting_params`."""
    return {
        "type": "job",
        "version": "1.0",
        "configuration": {
            "setting": SETTING.to_setting(),
            "reader": {"plugin": reader_plugin, "parameter": reader},
            "writer": {"plugin": writer_plugin, "parameter": writer},
        },
    }


def setting_params(concurrent: int = 2) -> dict[str, Param]:
    """Params of the job's ``setting``: splits in parallel, byte throttle, error limit."""
    return {
        "concurrent": param(concurrent, "How many splits run at the same time.", "setting.speed.concurrent",
                            type="integer", minimum=1),
        "mbps": optional(None, "number", "Throughput limit of the whole job in MB/s; empty = unlimited.",
                         "setting.speed.mbps", exclusiveMinimum=0),
        "error_limit_record": param(0, "How many dirty records the run may have before it fails (0 = none).",
                                    "setting.errorLimit.record", type="integer", minimum=0),
    }


def tablestore_params(table: str, description: str, role: str, table_key: str = "table") -> dict[str, Param]:
    """Params naming the Tablestore connection and table (job key ``table_key``) of the ``role``
    (reader or writer)."""
    return {
        "tablestore_conn_id": connection(connection_ids.TABLESTORE, "Tablestore instance",
                                         f"{role}.parameter.datasource"),
        "table": param(table, description, f"{role}.parameter.{table_key}", type="string", minLength=1),
    }


def ots_export_reader(**arguments: Any) -> OTSReader:
    """The OTSReader of the export DAGs: the table's rows, the listed columns (and ``arguments``)."""
    return OTSReader(tablestore_conn_id="{{ params.tablestore_conn_id }}", table="{{ params.table }}",
                     columns="{{ params.columns or [] }}", **arguments)


def ots_export_params(table: str = "iot_readings") -> dict[str, Param]:
    """Params of :func:`ots_export_reader`."""
    return {
        **tablestore_params(table, "Tablestore table to export.", "reader"),
        "columns": optional(None, "array", "Columns to export, one name per line, in order; empty = the "
                            "primary key and the table's predefined columns.", "reader.parameter.column",
                            items={"type": "string"}),
    }


# The OTSStreamReader of the stream DAGs; its channel reads the window of each run.
OTS_STREAM_READER = OTSStreamReader(
    tablestore_conn_id="{{ params.tablestore_conn_id }}",
    data_table="{{ params.table }}",
    status_table="{{ params.status_table }}",
    window_minutes="{{ params.window_minutes }}",
    lag_minutes="{{ params.lag_minutes }}",
    mode="{{ params.mode }}",
    columns="{{ params.columns or [] }}",
    export_sequence_info="{{ params.export_sequence_info }}",
    allow_data_loss="{{ params.allow_data_loss }}",
    max_retries="{{ params.max_retries }}",
)


def ots_stream_params(mode: str = MULTI_VERSION, columns: list[str] | None = None,
                      export_sequence_info: bool = True) -> dict[str, Param]:
    """Params of :data:`OTS_STREAM_READER`; a DAG picks the defaults of its mode."""
    return {
        **tablestore_params("iot_readings", "Table whose stream is exported.", "reader", "dataTable"),
        "status_table": param(DEFAULT_STATUS_TABLE, "Table of the shard checkpoints (created if absent).",
                              "reader.parameter.statusTable", type="string", minLength=1),
        "window_minutes": param(5, "Length of each run's window in minutes.", "reader.parameter.windowMinutes",
                                type="number", exclusiveMinimum=0),
        "lag_minutes": param(5, "Changes settle this long before they are exported: a run at t exports "
                             "[t - lag - window, t - lag).", "reader.parameter.lagMinutes", type="number", minimum=0),
        "mode": choice(mode, (MULTI_VERSION, SINGLE_VERSION), "multi_version: one record per cell change "
                       "(replayable); single_version_and_update_only: one record per changed row with the "
                       "columns listed in `columns` (the seed's mode).", "reader.parameter.mode"),
        "columns": optional(columns, "array", "single_version_and_update_only: the output columns (primary-key or "
                            "attribute names), one per line; empty in multi_version.", "reader.parameter.column",
                            items={"type": "string"}),
        "export_sequence_info": param(export_sequence_info, "Add each change's sequence info (multi_version only).",
                                      "reader.parameter.isExportSequenceInfo", type="boolean"),
        "allow_data_loss": param(False, "Go on past changes the stream no longer holds (else the run fails and "
                                 "names the lost range).", "reader.parameter.allowDataLoss", type="boolean"),
        "max_retries": param(30, "Retries of each stream call.", "reader.parameter.maxRetries", type="integer",
                             minimum=0),
    }


def odps_writer(table: str, partition: str) -> ODPSWriter:
    """The ODPSWriter of :func:`odps_writer_params`; ``table`` and ``partition`` are the templates
    of the target and its partition spec."""
    return ODPSWriter(maxcompute_conn_id="{{ params.maxcompute_conn_id }}", table=table,
                      columns="{{ params.odps_columns or ['*'] }}", partition=partition,
                      truncate="{{ params.truncate }}", empty_as_null="{{ params.empty_as_null }}",
                      block_size_mb="{{ params.block_size_mb }}")


def partition_template(variable: str, expression: str) -> str:
    """The param ``partition`` with ``${variable}`` replaced by the Jinja ``expression``'s value."""
    return f"{{{{ (params.partition or '') | replace('${{{variable}}}', {expression}) }}}}"


def odps_writer_params(empty_table: str, partition: str, partition_description: str) -> dict[str, Param]:
    """Params of :func:`odps_writer`: ``empty_table`` says which table an empty ``odps_table`` is."""
    return {
        "maxcompute_conn_id": connection(connection_ids.MAXCOMPUTE, "MaxCompute project",
                                         "writer.parameter.datasource"),
        "odps_table": optional(None, "string", f"MaxCompute table (it must exist); empty = {empty_table}.",
                               "writer.parameter.table"),
        "odps_columns": optional(None, "array", "MaxCompute columns, one per exported column, one name per "
                                 "line; empty = all, in table order.", "writer.parameter.column",
                                 items={"type": "string"}),
        "partition": optional(partition, "string", partition_description, "writer.parameter.partition"),
        "truncate": param(True, "Replace the table or partition at the commit (else append to it).",
                          "writer.parameter.truncate", type="boolean"),
        "empty_as_null": param(False, "Write empty strings as NULL.", "writer.parameter.emptyAsNull",
                               type="boolean"),
        "block_size_mb": param(64, "Tunnel block size in MB.", "writer.parameter.blockSizeInMB",
                               type="integer", minimum=1),
    }


# The suffix an object gets from its format when the user sets none (``.gz`` is added for gzip).
_FORMAT_SUFFIX = "{{ params.suffix if params.suffix is not none else " \
                 "{'csv': '.csv', 'text': '.txt', 'parquet': '.parquet'}[params.file_format] }}"


def oss_format_params(file_format: str = "csv") -> dict[str, Param]:
    """Params of an OSSWriter's encoding: format, compression, delimiter, null text, suffix."""
    return {
        "file_format": choice(file_format, FILE_FORMATS, "Object format.", "writer.parameter.fileFormat"),
        "compress": choice("none", COMPRESSIONS, "Compression of csv / text objects (parquet compresses its "
                           "own pages).", "writer.parameter.compress"),
        "field_delimiter": param(",", "Field delimiter of csv / text.", "writer.parameter.fieldDelimiter",
                                 type="string", minLength=1),
        "null_format": optional("null", "string", "How csv / text write a null; empty = an empty field.",
                                "writer.parameter.nullFormat"),
        "suffix": optional(None, "string", "Object name suffix; empty = from the format (.csv, .txt, .parquet, "
                           "then .gz when gzipped).", "writer.parameter.suffix"),
    }


def oss_format_writer() -> dict[str, str]:
    """The OSSWriter arguments of :func:`oss_format_params`."""
    return {
        "file_format": "{{ params.file_format }}",
        "compress": "{{ params.compress if params.file_format != 'parquet' else 'none' }}",
        "field_delimiter": "{{ params.field_delimiter }}",
        "null_format": "{{ params.null_format or '' }}",
        "suffix": _FORMAT_SUFFIX,
    }

