"""The params of the params-driven channel DAGs and the job each renders from them.

Every param says what it does and which job parameter it sets; a param whose empty value means
"the default" admits null, so a DAG's trigger form opens valid and its defaults run. The DAGs
render their job with ``render_template_as_native_obj=True``, so lists and numbers keep their
types.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param

from tablestore_channels.config import connection_ids
from tablestore_channels.formats import COMPRESSIONS, FILE_FORMATS


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


def job(reader_plugin: str, reader: dict[str, Any], writer_plugin: str, writer: dict[str, Any]) -> dict[str, Any]:
    """A job whose ``setting`` comes from :func:`setting_params`."""
    return {
        "type": "job",
        "version": "1.0",
        "configuration": {
            "setting": {
                "errorLimit": {"record": "{{ params.error_limit_record }}"},
                "speed": {"concurrent": "{{ params.concurrent }}", "mbps": "{{ params.mbps }}"},
            },
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


def tablestore_params(table: str, description: str, role: str) -> dict[str, Param]:
    """Params naming the Tablestore connection and table of the ``role`` (reader or writer)."""
    return {
        "tablestore_conn_id": connection(connection_ids.TABLESTORE, "Tablestore instance",
                                         f"{role}.parameter.datasource"),
        "table": param(table, description, f"{role}.parameter.table", type="string", minLength=1),
    }


# The OTSReader side of the export DAGs: the table's rows, the listed columns.
OTS_EXPORT_READER = {
    "datasource": "{{ params.tablestore_conn_id }}",
    "table": "{{ params.table }}",
    "column": "{{ params.columns or [] }}",
}


def ots_export_params(table: str = "iot_readings") -> dict[str, Param]:
    """Params of :data:`OTS_EXPORT_READER`."""
    return {
        **tablestore_params(table, "Tablestore table to export.", "reader"),
        "columns": optional(None, "array", "Columns to export, one name per line, in order; empty = the "
                            "primary key and the table's predefined columns.", "reader.parameter.column",
                            items={"type": "string"}),
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
    """The OSSWriter parameters of :func:`oss_format_params`."""
    return {
        "fileFormat": "{{ params.file_format }}",
        "compress": "{{ params.compress if params.file_format != 'parquet' else 'none' }}",
        "fieldDelimiter": "{{ params.field_delimiter }}",
        "nullFormat": "{{ params.null_format or '' }}",
        "suffix": _FORMAT_SUFFIX,
    }

