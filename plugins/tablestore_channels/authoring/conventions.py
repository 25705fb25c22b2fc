"""The conventions every channel DAG gets from one place: owner, tags, automatic rerun (the
seed's "rerun 3 times, 2 minutes apart" = Airflow retries), failure alerts, a doc, and the
macros ``stream_window``, ``run_date`` and ``tablestore_instance``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable

from tablestore_channels.notifications.failure_alert import FailureAlertNotifier
from tablestore_channels.notifications.window_deadline import window_deadline
from tablestore_channels.operators.channel import channel_macros

OWNER = "data-platform"
BASE_TAGS = ("tablestore",)
RETRIES = 3
RETRY_DELAY = timedelta(minutes=2)


def default_args(**overrides: Any) -> dict[str, Any]:
    """Task defaults of every channel DAG; ``overrides`` win (e.g. ``depends_on_past=True``)."""
    args: dict[str, Any] = {
        "owner": OWNER,
        "retries": RETRIES,
        "retry_delay": RETRY_DELAY,
        "on_failure_callback": FailureAlertNotifier(),
    }
    args.update(overrides)
    return args


def channel_dag(dag_id: str, *, doc_md: str, tags: tuple[str, ...] = (), default_args_overrides:
                dict[str, Any] | None = None, **dag_kwargs: Any) -> DAG:
    """A DAG with the channel conventions. ``doc_md`` describes the channel for the UI;
    other keyword arguments go to :class:`airflow.sdk.DAG` (schedule, start_date, params, ...)."""
    if not doc_md or not doc_md.strip():
        raise ValueError(f"DAG {dag_id!r} needs a doc_md describing the channel")
    dag_kwargs.setdefault("catchup", False)
    dag_kwargs["user_defined_macros"] = {**channel_macros(), **dag_kwargs.get("user_defined_macros", {})}
    return DAG(
        dag_id,
        doc_md=doc_md,
        tags=sorted({*BASE_TAGS, *tags}),
        default_args=default_args(**(default_args_overrides or {})),
        **dag_kwargs,
    )


# The seed's incremental schedule: every 5 minutes, written out although a bare cron string
# means the same in Airflow 3.
STREAM_SCHEDULE = CronTriggerTimetable("*/5 * * * *", timezone="UTC")


def stream_dag(dag_id: str, *, doc_md: str, tags: tuple[str, ...] = (), **dag_kwargs: Any) -> DAG:
    """A stream sync DAG (:func:`channel_dag`): every 5 minutes unless ``schedule`` says
    otherwise, self-dependent (the seed's cross-cycle dependency), one run at a time, and the
    deadline of its windows (:mod:`tablestore_channels.notifications.window_deadline`)."""
    dag_kwargs.setdefault("schedule", STREAM_SCHEDULE)
    dag_kwargs.setdefault("start_date", pendulum.datetime(2026, 1, 1, tz="UTC"))
    dag_kwargs.setdefault("deadline", window_deadline())
    return channel_dag(dag_id, doc_md=doc_md, tags=("stream", "incremental", *tags), max_active_runs=1,
                       default_args_overrides={"depends_on_past": True, **dag_kwargs.pop("default_args_overrides", {})},
                       **dag_kwargs)
