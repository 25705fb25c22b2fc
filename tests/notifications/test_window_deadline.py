"""The stream syncs' deadline: on every stream DAG (shipped and job-file), 3 window lengths after
the window's end, and its callback's alert through the failure alerts' e-mail and webhook."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from airflow.dag_processing.dagbag import DagBag

from tablestore_channels.notifications.window_deadline import MULTIPLE_ENV, window_deadline, window_late
from tests.support.airflow_runs import EXAMPLE_DAGS, forget_example_dags
from tests.support.alerts import alert_connections

DAGS = Path(__file__).resolve().parents[2] / "dags"
STREAM_DAGS = {"tablestore_stream_sync_oss", "tablestore_stream_sync_maxcompute", "tablestore_stream_sync_oss_job",
               "iot_readings_to_maxcompute"}


def test_every_stream_dag_has_the_deadline_of_its_windows_and_no_other_dag_has_one():
    forget_example_dags()
    bag = DagBag(dag_folder=str(DAGS))
    with_deadline = {dag_id for dag_id, dag in bag.dags.items() if dag.deadline}
    assert with_deadline == STREAM_DAGS
    [alert] = bag.dags["tablestore_stream_sync_oss"].deadline
    assert alert.interval == dt.timedelta(minutes=10)  # queued at the window's end + 5: 15 minutes after it


def test_the_multiple_is_a_deployment_setting(monkeypatch):
    monkeypatch.setenv(MULTIPLE_ENV, "2")
    assert window_deadline(window_minutes=15, lag_minutes=5).interval == dt.timedelta(minutes=25)


def test_a_missed_deadline_alerts_by_email_and_webhook(smtp_inbox, webhook_receiver, monkeypatch):
    inbox, smtp_port = smtp_inbox
    received, http_port = webhook_receiver
    alert_connections(monkeypatch, smtp_port, http_port)
    context = {"dag_run": {"dag_id": "tablestore_stream_sync_oss", "dag_run_id": "scheduled__2026-12-07T10:00:00+00:00",
                           "logical_date": "2026-12-07T10:00:00Z", "run_after": "2026-12-07T10:00:00Z"},
               "deadline": {"id": "d1", "deadline_time": "2026-12-07T10:10:00+00:00"}}
    asyncio.run(window_late(committed_within_minutes=15, context=context))
    [(_, _, payload)] = received
    assert payload["event"] == "deadline_missed" and payload["run_id"] == "scheduled__2026-12-07T10:00:00+00:00"
    assert "was not committed within 15 minutes of its end; later windows wait for it" in payload["error"]
    [(_, mail)] = inbox.messages
    assert mail["Subject"] == ("[Airflow] tablestore_stream_sync_oss: run scheduled__2026-12-07T10:00:00+00:00 "
                               "missed its deadline")


def test_a_multiple_of_0_parses_the_dags_without_a_deadline(monkeypatch):
    monkeypatch.setenv(MULTIPLE_ENV, "0")
    assert window_deadline() is None
    assert not DagBag(dag_folder=str(EXAMPLE_DAGS / "tablestore_stream_sync_oss.py")).dags["tablestore_stream_sync_oss"].deadline
