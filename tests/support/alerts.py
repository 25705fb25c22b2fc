"""Receivers of the failure alerts: an SMTP server (aiosmtpd) and a webhook (HTTP) on loopback,
and the Airflow connections that point the alerts at them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from devstack.processes import free_port

WEBHOOK_TOKEN = "webhook-token-9f8e7d"


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default_policy)))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()  # aiosmtpd needs a concrete port to check it is up
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@contextmanager
def webhook_server() -> Iterator[tuple[list, int]]:
    received: list = []

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


def alert_connections(monkeypatch: pytest.MonkeyPatch, smtp_port: int, http_port: int) -> None:
    """The alerts' SMTP and webhook connections and recipients, pointing at the receivers."""
    monkeypatch.setenv("AIRFLOW_CONN_ALERT_SMTP", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp_port,
        "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "airflow@example.com"},
    }))
    monkeypatch.setenv("AIRFLOW_VAR_ALERT_EMAIL_TO", "oncall@example.com, data@example.com")
    monkeypatch.setenv("AIRFLOW_CONN_ALERT_WEBHOOK", json.dumps({
        "conn_type": "http", "host": f"http://127.0.0.1:{http_port}/alerts", "password": WEBHOOK_TOKEN,
    }))
