"""What the params-driven channel DAGs share: the job envelope and the params of the job's
``setting`` and of the Tablestore connection. Each DAG renders its job from its params with
``render_template_as_native_obj=True``, so lists and numbers keep their types."""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param

from tablestore_channels.config import connection_ids


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
        "concurrent": Param(concurrent, type="integer", minimum=1, description="splits run in parallel"),
        "mbps": Param(None, type=["null", "number"], description="MB/s for the whole job; empty = unlimited"),
        "error_limit_record": Param(0, type="integer", minimum=0, description="dirty records allowed"),
    }


def tablestore_params(table: str, description: str) -> dict[str, Param]:
    """Params naming the Tablestore connection and table."""
    return {
        "tablestore_conn_id": Param(connection_ids.TABLESTORE, type="string"),
        "table": Param(table, type="string", minLength=1, description=description),
    }


# The OTSReader side of the export DAGs: the table's rows, the listed columns.
OTS_EXPORT_READER = {
    "datasource": "{{ params.tablestore_conn_id }}",
    "table": "{{ params.table }}",
    "column": "{{ params.columns }}",
}


def ots_export_params(table: str = "iot_readings") -> dict[str, Param]:
    """Params of :data:`OTS_EXPORT_READER`."""
    return {
        **tablestore_params(table, "Tablestore table to export"),
        "columns": Param([], type="array", description="columns to export; empty = primary key + predefined columns"),
    }
