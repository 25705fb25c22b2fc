"""The deadline of a stream sync's run: when a window is not committed in time (a hung or slow
split, a run waiting behind a failed one), an alert goes out by the same e-mail and webhook as
the failure alerts, while the run is still going, with nothing failed to trigger those.

Airflow's :class:`DeadlineAlert` on the DAG: ``WINDOW_DEADLINE_MULTIPLE`` (3) window lengths
after the window's end, i.e. ``multiple x window - lag`` after the run was queued (10 minutes with
the 5-minute window and lag; a scheduled run is queued at its time, the window's end + lag). The
environment variable ``TABLESTORE_CHANNELS_WINDOW_DEADLINE_MULTIPLE``, read when the DAG is
parsed, sets another multiple for a deployment; ``0`` parses the DAGs without a deadline, which
``airflow dags test`` needs in Airflow 3.3.2: its in-process run of a DAG with a deadline fails
when the run succeeds (``DagRun.update_state`` looks the serialized alerts up as ids). Airflow's
triggerer runs the callback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from typing import Any

from airflow.sdk.definitions.callback import AsyncCallback
from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

from tablestore_channels.notifications.failure_alert import FailureAlertNotifier

MULTIPLE_ENV = "TABLESTORE_CHANNELS_WINDOW_DEADLINE_MULTIPLE"
WINDOW_DEADLINE_MULTIPLE = 3.0


def window_deadline(window_minutes: float = 5, lag_minutes: float = 5) -> DeadlineAlert | None:
    """The deadline of a stream DAG whose windows are ``window_minutes`` long, ``lag_minutes``
    before the run; None when the deployment's multiple is 0."""
    setting = os.environ.get(MULTIPLE_ENV)
    multiple = float(setting) if setting else WINDOW_DEADLINE_MULTIPLE
    if multiple == 0:
        return None
    after_queued = dt.timedelta(minutes=multiple * window_minutes - lag_minutes)
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=after_queued,
        callback=AsyncCallback(window_late, kwargs={"committed_within_minutes": multiple * window_minutes}),
        name="stream window not committed in time",
    )


async def window_late(*, committed_within_minutes: float, context: dict[str, Any] | None = None) -> None:
    """Send the alert of a run that missed its deadline (the triggerer awaits it)."""
    run = (context or {}).get("dag_run") or {}
    deadline = (context or {}).get("deadline") or {}
    payload = {
        "event": "deadline_missed",
        "dag_id": run.get("dag_id"),
        "run_id": run.get("dag_run_id") or run.get("run_id"),
        "logical_date": run.get("logical_date"),
        "run_after": run.get("run_after"),
        "deadline": str(deadline.get("deadline_time")),
        "error": (f"the stream window of run {run.get('dag_run_id') or run.get('run_id')} was not committed within "
                  f"{committed_within_minutes:g} minutes of its end; later windows wait for it. Fix: look at its "
                  "running or failed tasks (a hung split fails at its timeout and is retried)."),
    }
    subject = f"[Airflow] {payload['dag_id']}: run {payload['run_id']} missed its deadline"
    # the senders block (SMTP, HTTP): off the triggerer's event loop
    await asyncio.to_thread(FailureAlertNotifier().send, payload, subject)
