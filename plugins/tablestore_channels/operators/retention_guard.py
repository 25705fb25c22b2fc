"""The retention guard: a task, outside the stream syncs it watches, that fails (and so alerts
through the DAG's failure callback: e-mail, webhook) when a table's stream sync has fallen so
far behind that the stream may drop changes before they are exported. It runs on its own
schedule, so it alerts while a sync is paused, failing or stuck, which a sync's own runs cannot."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import AirflowFailException

from tablestore_channels.config import connection_ids
from tablestore_channels.operators.metrics import guard_lag
from tablestore_channels.plugins.otsstreamreader.config import DEFAULT_STATUS_TABLE

log = logging.getLogger(__name__)


class StreamRetentionGuardOperator(BaseOperator):
    """Checks each table's stream sync against its stream's retention.

    :param tables: Tablestore tables whose stream syncs to watch; templated.
    :param status_table: the syncs' checkpoint table (``statusTable``); templated.
    :param tablestore_conn_id: the tables' ``tablestore`` connection; templated.
    :param max_lag_minutes: alert when the newest committed window ended longer ago; templated.
    :param retention_share: alert when it ended longer ago than this share of the stream's
        expiration time, if that comes first; templated.
    Fails naming each table behind, its lag, the time left before changes are lost and the way
    out; returns ``{table: {"lag_seconds", "time_left_seconds"}}`` otherwise. Sends the gauge
    ``tablestore_channels.stream_guard.<table>.lag`` (seconds).
    """

    template_fields: Sequence[str] = ("tables", "status_table", "tablestore_conn_id", "max_lag_minutes",
                                      "retention_share")
    ui_color = "#f6d5d5"

    def __init__(self, *, tables: Sequence[str] | str, status_table: str = DEFAULT_STATUS_TABLE,
                 tablestore_conn_id: str = connection_ids.TABLESTORE, max_lag_minutes: float | str = 60,
                 retention_share: float | str = 0.5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tables = tables
        self.status_table = status_table
        self.tablestore_conn_id = tablestore_conn_id
        self.max_lag_minutes = max_lag_minutes
        self.retention_share = retention_share

    def execute(self, context: Context) -> dict[str, dict[str, float | None]]:
        # the Tablestore SDK, oss2 (retrying) and the hook are imported when the guard runs, not
        # each time its DAG file is parsed (about 1.2 s of CPU)
        from tablestore.retry import NoRetryPolicy

        from tablestore_channels.hooks.tablestore import TablestoreHook
        from tablestore_channels.plugins.otsstreamreader.retention import check, stream_lag
        from tablestore_channels.retrying import Retry, ots_retriable

        client = TablestoreHook(tablestore_conn_id=self.tablestore_conn_id).settings.client(retry_policy=NoRetryPolicy())
        retry = Retry(ots_retriable, max_retries=5, pause_ms=200)
        found, alerts = {}, []
        for table in self.tables:
            lag = stream_lag(client, retry, table, self.status_table)
            seconds = None if lag.lag_ms is None else lag.lag_ms / 1000
            left = None if lag.time_left_ms is None else lag.time_left_ms / 1000
            found[table] = {"lag_seconds": seconds, "time_left_seconds": left}
            if seconds is not None:
                guard_lag(table, seconds)
            alert = check(lag, float(self.max_lag_minutes), float(self.retention_share))
            if alert:
                alerts.append(alert)
            log.info("%s: %s", table, alert or f"keeps up (newest window ended {seconds:.0f} s ago)")
        if alerts:
            raise AirflowFailException("Stream retention at risk: " + " | ".join(alerts))
        return found
