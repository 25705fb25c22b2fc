"""A DAG whose task fails, for the failure-alert test. Not a channel: lives under tests/."""

from __future__ import annotations

import pendulum
from airflow.sdk import BaseHook, task

from tablestore_channels.dag_conventions import channel_dag

with channel_dag(
    "failing_channel",
    doc_md="Fails on purpose so that the failure alert can be observed.",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    default_args_overrides={"retries": 0},
):

    @task
    def break_with_secret() -> None:
        secret = BaseHook.get_connection("alert_test_source").password
        raise RuntimeError(f"could not reach the source with credentials {secret}")

    break_with_secret()
