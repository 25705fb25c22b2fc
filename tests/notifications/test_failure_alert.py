"""End to end: a failing task instance sends its alert by SMTP and webhook, without secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localcloud import admin
from tests.support.airflow_runs import run_dag
from tests.support.alerts import WEBHOOK_TOKEN, alert_connections
from tests.support.exports import cloud_connections, create_table, ots_client, sample_rows, task_states

SOURCE_SECRET = "s3cr3t-source-password-42"


def test_failed_task_alerts_by_smtp_and_webhook(smtp_inbox, webhook_receiver, monkeypatch):
    inbox, smtp_port = smtp_inbox
    received, http_port = webhook_receiver
    alert_connections(monkeypatch, smtp_port, http_port)
    monkeypatch.setenv("AIRFLOW_CONN_ALERT_TEST_SOURCE", json.dumps({
        "conn_type": "generic", "login": "reader", "password": SOURCE_SECRET,
    }))
    dag_run = run_dag(Path(__file__).parents[1] / "fixtures" / "dags" / "failing_channel.py", "failing_channel")
    assert dag_run.state == "failed"

    assert len(received) == 1, "the webhook got exactly one alert"
    path, headers, payload = received[0]
    assert path == "/alerts"
    assert headers["Authorization"] == f"Bearer {WEBHOOK_TOKEN}"
    assert payload["dag_id"] == "failing_channel"
    assert payload["task_id"] == "break_with_secret"
    assert payload["run_id"] == dag_run.run_id
    assert payload["try_number"] == 1
    assert "RuntimeError: could not reach the source" in payload["error"]
    assert "/dags/failing_channel/runs/" in payload["log_url"]
    assert SOURCE_SECRET not in json.dumps(payload)

    assert len(inbox.messages) == 1
    rcpt, mail = inbox.messages[0]
    assert sorted(rcpt) == ["data@example.com", "oncall@example.com"]
    assert "failing_channel.break_with_secret failed" in mail["Subject"]
    body = mail.get_body(("html",)).get_content()
    assert dag_run.run_id in body and "could not reach the source" in body
    assert SOURCE_SECRET not in mail.as_string()
    assert WEBHOOK_TOKEN not in mail.as_string()


@pytest.mark.timeout(240)
def test_a_hung_transfer_is_failed_by_its_timeout_and_alerts(localcloud, smtp_inbox, webhook_receiver, monkeypatch):
    """The local Tablestore answers GetRange only after a minute: the transfer's execution_timeout
    (5 s in this DAG) fails it, the failure alert goes out, and the cleanup still runs."""
    inbox, smtp_port = smtp_inbox
    received, http_port = webhook_receiver
    alert_connections(monkeypatch, smtp_port, http_port)
    endpoints = localcloud.endpoints
    create_table(ots_client(endpoints), "hang_src", [("id", "STRING")], sample_rows(5))
    server = endpoints["tablestore"]["endpoint"]
    admin.inject_fault(server, kind="delay", op="GetRange", delay_seconds=60)
    try:
        with cloud_connections(endpoints):
            dag_run = run_dag(Path(__file__).parents[1] / "fixtures" / "dags" / "hanging_channel.py", "hanging_channel")
    finally:
        admin.clear_faults(server)
    assert dag_run.state == "failed"
    states = task_states(dag_run)
    assert (states["plan"], states["transfer"], states["cleanup"]) == (["success"], ["failed"], ["success"]), states
    [(_, _, payload)] = received
    assert payload["task_id"] == "channel.transfer" and "Timeout" in payload["error"], payload
    [(_, mail)] = inbox.messages
    assert "hanging_channel.channel.transfer failed" in mail["Subject"]
