"""Every DAG imports cleanly and carries the channel conventions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import task

from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.notifications.failure_alert import FailureAlertNotifier

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS))


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}


# Its failure is its alert, and the next check comes in minutes: retrying would only delay it.
NOT_RETRIED = {"tablestore_stream_retention_guard"}


def _assert_conventions(dag) -> None:
    assert dag.doc_md and dag.doc_md.strip(), f"{dag.dag_id} has no doc_md"
    assert "tablestore" in dag.tags, dag.dag_id
    assert dag.tasks, dag.dag_id
    for t in dag.tasks:
        where = f"{dag.dag_id}.{t.task_id}"
        assert t.owner == "data-platform", where
        assert t.retries == (0 if dag.dag_id in NOT_RETRIED else 3), where
        assert t.retry_delay == timedelta(minutes=2), where
        callbacks = t.on_failure_callback if isinstance(t.on_failure_callback, list) else [t.on_failure_callback]
        assert any(isinstance(cb, FailureAlertNotifier) for cb in callbacks), where


def test_every_dag_follows_the_conventions(dagbag):
    for dag in dagbag.dags.values():
        _assert_conventions(dag)


def test_every_task_of_every_dag_is_bounded(dagbag):
    """A task that can hang forever blocks a self-dependent DAG without failing, so without an alert."""
    assert dagbag.dags
    unbounded = [f"{d.dag_id}.{t.task_id}" for d in dagbag.dags.values() for t in d.tasks if not t.execution_timeout]
    assert unbounded == []


def test_channel_dag_applies_the_conventions_to_every_task():
    with channel_dag("conventions_probe", doc_md="probe", schedule=None,
                     start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), tags=("oss",)) as dag:
        @task
        def one() -> None: ...

        @task
        def two() -> None: ...

        one() >> two()
    _assert_conventions(dag)
    assert set(dag.tags) == {"oss", "tablestore"}


def test_channel_dag_requires_a_description():
    with pytest.raises(ValueError, match="needs a doc_md"):
        channel_dag("undocumented", doc_md=" ", schedule=None)
