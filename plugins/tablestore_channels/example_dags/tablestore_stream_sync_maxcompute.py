"""Incremental sync of a Tablestore table's stream to MaxCompute every 5 minutes (OTSStreamReader
-> ODPSWriter): each run loads the changes committed in [run time - 10 min, run time - 5 min)
into a partition of its own, all or nothing."""

from __future__ import annotations

from tablestore_channels.api.channel import TablestoreStreamChannel
from tablestore_channels.authoring.conventions import stream_dag
from tablestore_channels.authoring.params import (
    OTS_STREAM_READER,
    SETTING,
    odps_writer,
    odps_writer_params,
    ots_stream_params,
    setting_params,
)
from tablestore_channels.plugins.otsstreamreader.config import SINGLE_VERSION

DAG_ID = "tablestore_stream_sync_maxcompute"

# The demo table's primary key and columns, in the order of the MaxCompute table `make up`
# prepares for this DAG (include/devstack/targets.py): what the default mode exports.
DEMO_COLUMNS = ["device_id", "ts", "temperature", "humidity", "battery", "online", "status", "firmware", "site",
                "raw_frame"]

DOC = """
### Incremental sync: Tablestore Stream -> MaxCompute, every 5 minutes

Each run loads the changes the table's stream committed in the window
**[run time - lag - window, run time - lag)** (with the defaults, 5 and 5 minutes:
[logical date - 10 min, logical date - 5 min)) into **one partition of its own** of an existing
MaxCompute table. A change belongs to a window by its commit time; every change lands in exactly
one window, so in exactly one partition.

Partition: the param `partition`, default `pt=${window_start}`: `${window_start}` becomes the
window's start as `yyyyMMddHHmmss` in UTC (UTC has no daylight-saving hour that would name two
windows alike). Another column or more levels work too: `pt=${window_start},region=hz`.

Target table: `odps_table`, default `<table>_changes`. Mode `single_version_and_update_only`
(default, the seed's template): one record per changed row with the listed `columns` (by default
the demo table's key and columns; row and column deletes are not exported), e.g. what `make up`
prepares:

    CREATE TABLE iot_readings_changes (device_id STRING, ts BIGINT, temperature DOUBLE,
      humidity DOUBLE, battery BIGINT, online BOOLEAN, status STRING, firmware STRING,
      site STRING, raw_frame BINARY) PARTITIONED BY (pt STRING);

Mode `multi_version` (clear `columns`): one record per cell change
`[pk..., column, timestamp, value, op_type(U/DO/DA/DR), sequence_info]` (the last with
`export_sequence_info`), e.g. into `(device_id STRING, ts BIGINT, column_name STRING, version
BIGINT, value STRING, op_type STRING, sequence_info STRING)`: the values of every column share
one column, so a STRING `value` takes numbers and booleans as text, and binary values only when
they are UTF-8 text (others are dirty records).

All or nothing per window: **plan** opens one tunnel upload session for the partition
(`truncate`, default true: it replaces the partition at the commit), **transfer** uploads each
shard group's blocks, **commit** commits the session, and only then saves the shard checkpoints
keyed at the window end. A failed run leaves the partition as it was (a new partition may stay,
empty) and the checkpoints where they were; a rerun of a window replaces exactly its partition.

Tasks: **wait_until_settled** (a sensor in reschedule mode: a run started before
`window end + lag` waits without holding a worker slot) -> **plan** -> **transfer** (one mapped
task per shard group; children follow their parents) -> **commit**.

Scheduling: `CronTriggerTimetable("*/5 * * * *", timezone="UTC")`, `depends_on_past=True` (a
window runs only after the previous one succeeded), `max_active_runs=1`, retries 3 x 2 minutes.
A run whose window is not committed within 3 window lengths of its end (15 minutes with the
defaults) alerts by e-mail and webhook while it runs (a deadline); each transfer fails after 30
minutes and is retried.
Triggered from the form, a run's time is when it was triggered: [now - 10 min, now - 5 min).
Backfill as for `tablestore_stream_sync_oss` (`airflow backfill create ... --reprocess-behavior
completed`). A window older than the stream's retention fails with the lost range and the way
out (a full export), unless `allow_data_loss` is set.

Connections: `tablestore_default` (type *tablestore*), `maxcompute_default` (type *maxcompute*).
"""

# the stream channel names the partition: ${window_start} = the window's start (UTC)
WRITER = odps_writer("{{ params.odps_table or (params.table ~ '_changes') }}", "{{ params.partition or '' }}")

with stream_dag(
    DAG_ID,
    doc_md=DOC,
    tags=("maxcompute",),
    render_template_as_native_obj=True,
    params={
        # multi_version puts every column's values into one MaxCompute column, which the demo
        # table's binary frames cannot share with text: the seed's mode keeps each column's type
        **ots_stream_params(SINGLE_VERSION, DEMO_COLUMNS, export_sequence_info=False),
        **odps_writer_params("<table>_changes", "pt=${window_start}", "Partition of each window, e.g. "
                             "pt=${window_start},region=hz (${window_start} = the window's start, "
                             "yyyyMMddHHmmss in UTC); empty for an unpartitioned table (then only with "
                             "truncate off: each window would replace the table)."),
        **setting_params(),
    },
) as dag:
    TablestoreStreamChannel(group_id="channel", reader=OTS_STREAM_READER, writer=WRITER, setting=SETTING)
