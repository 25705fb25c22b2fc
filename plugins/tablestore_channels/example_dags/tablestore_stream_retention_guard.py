"""Airflow DAG: the retention guard of the stream syncs. Every 10 minutes it checks that each
watched table's stream sync keeps up with the stream's retention, and alerts (e-mail, webhook)
when one falls behind, also while that sync is paused or failing."""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.timetables.trigger import CronTriggerTimetable

from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.params import param
from tablestore_channels.config import connection_ids
from tablestore_channels.operators.retention_guard import StreamRetentionGuardOperator
from tablestore_channels.plugins.otsstreamreader.config import DEFAULT_STATUS_TABLE

DOC = """
### Retention guard of the stream syncs

A table's stream keeps each change for its expiration time (24 h in the seed). A stream sync
(`tablestore_stream_sync_oss`, `tablestore_stream_sync_maxcompute`, a stream job file) that is
paused, failing or slower than the writes for longer than that loses changes for good, and
nothing of its own runs can say so while it does not run. This DAG, scheduled on its own every
10 minutes, reads where each watched table's newest committed window ended (its checkpoints in
the `status_table`) and the stream's expiration (DescribeStream), and **fails, alerting through
the failure alerts (e-mail `alert_smtp` + Variable `alert_email_to`, webhook `alert_webhook`)**
when that end is more than `max_lag_minutes` ago, or more than `retention_share` of the
expiration, whichever comes first. The alert names the table, the lag, the time left before the
oldest change not yet exported leaves the stream, and the way out (resume the sync; else a full
export and a restart from it). A table whose sync has committed nothing alerts too.

It is not retried (each check is the next one) and never depends on its past. Unpause it once
the syncs run. The gauge `tablestore_channels.stream_guard.<table>.lag` (seconds) goes to
Airflow's metrics with each check.
"""

with channel_dag(
    "tablestore_stream_retention_guard",
    doc_md=DOC,
    schedule=CronTriggerTimetable("*/10 * * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=("stream", "monitoring"),
    render_template_as_native_obj=True,
    default_args_overrides={"retries": 0},
    params={
        "tablestore_conn_id": param(connection_ids.TABLESTORE, "Airflow connection of the tables' instance.",
                                    type="string", minLength=1),
        "tables": param(["iot_readings"], "Tables whose stream syncs to watch, one per line.", type="array",
                        items={"type": "string", "minLength": 1}, minItems=1),
        "status_table": param(DEFAULT_STATUS_TABLE, "The syncs' checkpoint table (their statusTable).",
                              type="string", minLength=1),
        "max_lag_minutes": param(60, "Alert when the newest committed window ended longer ago than this.",
                                 type="number", exclusiveMinimum=0),
        "retention_share": param(0.5, "Alert when it ended longer ago than this share of the stream's "
                                 "expiration time, if that comes first.", type="number", exclusiveMinimum=0,
                                 maximum=1),
    },
) as dag:
    StreamRetentionGuardOperator(
        task_id="check_stream_lag",
        tables="{{ params.tables }}",
        status_table="{{ params.status_table }}",
        tablestore_conn_id="{{ params.tablestore_conn_id }}",
        max_lag_minutes="{{ params.max_lag_minutes }}",
        retention_share="{{ params.retention_share }}",
        execution_timeout=dt.timedelta(minutes=5),  # a few calls per table
    )
