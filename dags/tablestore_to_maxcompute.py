"""Full export of a Tablestore table to MaxCompute (OTSReader -> ODPSWriter), triggered from the UI.

The DAG's params are the job's parameters; the same job can be written as a script-mode job
file in include/jobs/ instead (see include/jobs/iot_readings_to_maxcompute.json).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param

from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.params import OTS_EXPORT_READER, job, ots_export_params, setting_params
from tablestore_channels.authoring.tasks import channel_tasks
from tablestore_channels.config import connection_ids

DOC = """
### Full export: Tablestore -> MaxCompute

Reads a table (or a primary-key range of it) with **OTSReader** and loads it into an existing
MaxCompute table, or one partition of it, with **ODPSWriter**.

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
    "column": "{{ params.odps_columns }}",
    "partition": "{{ params.partition }}",
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
        "maxcompute_conn_id": Param(connection_ids.MAXCOMPUTE, type="string"),
        "odps_table": Param("", type="string", description="MaxCompute table (must exist); empty = the same name"),
        "odps_columns": Param(["*"], type="array", description="MaxCompute columns, one per exported column; "
                              "[\"*\"] = all, in table order"),
        "partition": Param("", type="string", description="e.g. pt=20260101,region=hz; empty for an "
                           "unpartitioned table"),
        "truncate": Param(True, type="boolean", description="replace the table or partition (else append)"),
        "empty_as_null": Param(False, type="boolean"),
        "block_size_mb": Param(64, type="integer", minimum=1),
        **setting_params(),
    },
):
    channel_tasks(JOB)
