"""Airflow DAG: full export of a Tablestore table to MaxCompute (OTSReader -> ODPSWriter), triggered from the UI.

The DAG's params are the job's parameters; the same job can be written as a script-mode job
file in include/jobs/ instead (see include/jobs/iot_readings_to_maxcompute.json).
"""

from __future__ import annotations

import pendulum

from tablestore_channels.api.channel import TablestoreChannel
from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.params import (
    SETTING,
    odps_writer,
    odps_writer_params,
    ots_export_params,
    ots_export_reader,
    partition_template,
    setting_params,
)
from tablestore_channels.channel import stream_window

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

WRITER = odps_writer("{{ params.odps_table or params.table }}", partition_template("date", stream_window.date_template()))

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
        **odps_writer_params("the Tablestore table's name", "pt=${date}", "Partition to load, e.g. "
                             "pt=${date},region=hz (${date} = the run's date, yyyyMMdd); empty for an "
                             "unpartitioned table."),
        **setting_params(),
    },
) as dag:
    TablestoreChannel(group_id="channel", reader=ots_export_reader(), writer=WRITER, setting=SETTING)
