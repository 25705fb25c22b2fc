"""An Airflow channel DAG that runs the job given in the run's conf (``{"job": {...}}``), retrying a
failed task once without delay: the end-to-end tests run any job through the real operators."""

from __future__ import annotations

from datetime import timedelta

import pendulum

from tablestore_channels.dag_conventions import channel_dag
from tablestore_channels.operators.channel import channel_tasks

with channel_dag(
    "channel_job",
    doc_md="Runs the job in `dag_run.conf['job']`; for the channel tests.",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
    default_args_overrides={"retries": 1, "retry_delay": timedelta(0)},
):
    channel_tasks("{{ dag_run.conf['job'] }}")
