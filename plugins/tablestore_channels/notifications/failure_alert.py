"""Alert on failed task instances, by e-mail (SMTP connection) and/or webhook (JSON POST).

Attached to every task of every channel DAG as ``on_failure_callback`` (see
:mod:`tablestore_channels.authoring.conventions`). What it sends is configured in Airflow, not in code:

- e-mail: the Variable ``alert_email_to`` (comma-separated addresses) and the SMTP connection
  ``alert_smtp`` (conn type ``smtp``);
- webhook: the connection ``alert_webhook``: ``host`` holds the URL (``https://...``), or
  ``schema`` (scheme) + ``host`` + ``port``; an optional ``password`` is sent as a Bearer token.

Either may be left unset. A failure to deliver is logged and never raised: an alert must not
change the task's outcome.
"""

from __future__ import annotations

import html
import json
import logging
import urllib.request
from typing import Any

from airflow.providers.common.compat.sdk import redact
from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.sdk import BaseHook, BaseNotifier, Context, Variable
from airflow.sdk.exceptions import AirflowNotFoundException

log = logging.getLogger(__name__)

_MAX_ERROR_CHARS = 4000


def alert_payload(context: Context) -> dict[str, Any]:
    """The facts of one failed task instance, secrets redacted."""
    ti = context["ti"]
    error = context.get("exception")
    dag_run = context.get("dag_run")
    logical_date = getattr(dag_run, "logical_date", None)
    message = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
    return {
        "event": "task_failed",
        "dag_id": ti.dag_id,
        "task_id": ti.task_id,
        "map_index": getattr(ti, "map_index", -1),
        "run_id": ti.run_id,
        "logical_date": logical_date.isoformat() if logical_date else None,
        "try_number": ti.try_number,
        "error": str(redact(message))[:_MAX_ERROR_CHARS],
        "log_url": getattr(ti, "log_url", None),
    }


class FailureAlertNotifier(BaseNotifier):
    """Send a failed-task alert by e-mail and/or webhook, as configured in Airflow.

    :param smtp_conn_id: SMTP connection used for e-mail.
    :param email_to_variable: Variable holding the comma-separated recipients.
    :param webhook_conn_id: connection holding the webhook URL (and optional bearer token).
    """

    def __init__(
        self,
        *,
        smtp_conn_id: str = "alert_smtp",
        email_to_variable: str = "alert_email_to",
        webhook_conn_id: str = "alert_webhook",
    ) -> None:
        super().__init__()
        self.smtp_conn_id = smtp_conn_id
        self.email_to_variable = email_to_variable
        self.webhook_conn_id = webhook_conn_id

    def notify(self, context: Context) -> None:
        payload = alert_payload(context)
        self.send(payload, f"[Airflow] {payload['dag_id']}.{payload['task_id']} failed (try {payload['try_number']})")

    def send(self, payload: dict[str, Any], subject: str) -> list[str]:
        """Send ``payload`` (the webhook's JSON, the e-mail's table) by every channel configured;
        returns the channels it went through. Never raises."""
        sent = []
        for channel, send in (("e-mail", self._send_email), ("webhook", self._send_webhook)):
            try:
                if send(payload, subject):
                    sent.append(channel)
            except Exception as exc:  # delivery problems must not fail or hide the task's own error
                log.error("Alert by %s could not be delivered: %s", channel, redact(str(exc)))
        if not sent:
            log.warning(
                "No alert was sent (%s): set the Variable %r with the SMTP connection %r, and/or the connection %r.",
                subject, self.email_to_variable, self.smtp_conn_id, self.webhook_conn_id,
            )
        return sent

    def _send_email(self, payload: dict[str, Any], subject: str) -> bool:
        recipients = [a.strip() for a in (Variable.get(self.email_to_variable, default="") or "").split(",")]
        recipients = [a for a in recipients if a]
        if not recipients:
            return False
        rows = "".join(
            f"<tr><th align='left'>{key}</th><td><pre>{html.escape(str(value))}</pre></td></tr>"
            for key, value in payload.items()
        )
        with SmtpHook(smtp_conn_id=self.smtp_conn_id) as smtp:
            smtp.send_email_smtp(to=recipients, subject=subject, html_content=f"<table>{rows}</table>")
        return True

    def _send_webhook(self, payload: dict[str, Any], subject: str) -> bool:
        try:
            conn = BaseHook.get_connection(self.webhook_conn_id)
        except AirflowNotFoundException:
            return False
        url = conn.host or ""
        if "://" not in url:
            scheme = conn.schema or "https"
            url = f"{scheme}://{url}{f':{conn.port}' if conn.port else ''}"
        headers = {"Content-Type": "application/json"}
        if conn.password:
            headers["Authorization"] = f"Bearer {conn.password}"
        request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        return True

