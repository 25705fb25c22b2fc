"""End to end: a failing task instance sends its alert by SMTP and webhook, without secrets."""

from __future__ import annotations

import json
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from devstack.processes import free_port
from tests.support.airflow_runs import run_dag

SOURCE_SECRET = "s3cr3t-source-password-42"
WEBHOOK_TOKEN = "webhook-token-9f8e7d"


class _Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default_policy)))
        return "250 OK"


@pytest.fixture
def smtp_inbox():
    inbox = _Inbox()
    port = free_port()  # aiosmtpd needs a concrete port to check it is up
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def webhook_receiver():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield received, server.server_address[1]
    finally:
        server.shutdown()


def test_failed_task_alerts_by_smtp_and_webhook(smtp_inbox, webhook_receiver, monkeypatch):
    inbox, smtp_port = smtp_inbox
    received, http_port = webhook_receiver
    monkeypatch.setenv("AIRFLOW_CONN_ALERT_SMTP", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp_port,
        "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "airflow@example.com"},
    }))
    monkeypatch.setenv("AIRFLOW_VAR_ALERT_EMAIL_TO", "oncall@example.com, data@example.com")
    monkeypatch.setenv("AIRFLOW_CONN_ALERT_WEBHOOK", json.dumps({
        "conn_type": "http", "host": f"http://127.0.0.1:{http_port}/alerts", "password": WEBHOOK_TOKEN,
    }))
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
