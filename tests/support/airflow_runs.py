"""Run a DAG through Airflow in-process, as ``airflow dags test`` does: parse the file, store the
serialized DAG, then ``dag.test()`` (real task instances, XCom, callbacks, retries); or the same
in a process of its own, to kill it mid-run."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from airflow.dag_processing.bundles.manager import DagBundlesManager
from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

from tablestore_channels.notifications.window_deadline import MULTIPLE_ENV

BUNDLE = "dags-folder"
ROOT = Path(__file__).resolve().parents[2]
# The channel DAGs, as the package ships them (dags/ holds a file per DAG importing it from there).
# Tests parse these files, each parse executing its module afresh, as Airflow's DAG processor does
# (a process per parse): a module imported by name would be built once per test session, with the
# environment of that moment (the deadline multiple).
EXAMPLE_DAGS = ROOT / "plugins" / "tablestore_channels" / "example_dags"
# The test DB (.airflow/) outlives a session, and each session numbers its runs from the same
# logical date: run ids repeat from one session to the next, so their events are told apart by time.
_SESSION_STARTED = dt.datetime.now(dt.UTC)


def forget_example_dags() -> None:
    """Drop the example DAG modules that dags/'s files imported by name from this process: the next
    parse of dags/ builds their DAGs again, in the environment of that moment."""
    for name in [name for name in sys.modules if name.startswith("tablestore_channels.example_dags.")]:
        del sys.modules[name]


def load_dag(dag_file: Path, dag_id: str):
    """Parse ``dag_file`` and serialize its DAGs to the metadata DB; return ``dag_id``'s DAG."""
    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    bag = BundleDagBag(dag_folder=str(dag_file), bundle_path=Path(dag_file).parent, bundle_name=BUNDLE)
    assert not bag.import_errors, bag.import_errors
    sync_bag_to_db(bag, BUNDLE, None)
    return bag.dags[dag_id]


def run_dag(dag_file: Path, dag_id: str, **test_kwargs):
    """Run one DAG run of ``dag_id`` in-process and return the DagRun. Parsed without the stream
    DAGs' deadline, as ``airflow dags test`` needs in Airflow 3.3.2 (see
    :mod:`tablestore_channels.notifications.window_deadline`); a real scheduler's test has it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MULTIPLE_ENV, "0")
        dag = load_dag(dag_file, dag_id)
    return dag.test(**test_kwargs)


def dag_run_process(dag_file: Path, dag_id: str, log: Path, **test_kwargs) -> subprocess.Popen:
    """:func:`run_dag` in a process of its own session (so a test can SIGKILL it, tasks and all,
    mid-run), with this process's environment (metadata DB, connections); output to ``log``."""
    arguments = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in test_kwargs.items()}
    code = ("import json, sys, pendulum\n"
            "from tests.support.airflow_runs import run_dag\n"
            "kwargs = json.loads(sys.argv[3])\n"
            "for name in ('logical_date', 'run_after'):\n"
            "    if name in kwargs: kwargs[name] = pendulum.parse(kwargs[name])\n"
            "run_dag(sys.argv[1], sys.argv[2], **kwargs)\n")
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-c", code, str(dag_file), dag_id, json.dumps(arguments)],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def asset_events(uri: str, run_id: str) -> list:
    """The asset events of ``uri`` that the DAG run ``run_id`` of this session emitted, from the
    metadata DB."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        events = session.query(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id).filter(
            AssetModel.uri == uri, AssetEvent.source_run_id == run_id,
            AssetEvent.timestamp >= _SESSION_STARTED).all()
        session.expunge_all()
    return events


def map_index_names(dag_run, task_id: str) -> list[str | None]:
    """The names the UI shows for the mapped task instances of ``task_id`` in ``dag_run``
    (their rendered ``map_index_template``), in map index order."""
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        instances = session.query(TaskInstance).filter(
            TaskInstance.dag_id == dag_run.dag_id, TaskInstance.run_id == dag_run.run_id,
            TaskInstance.task_id == task_id).order_by(TaskInstance.map_index).all()
        return [ti.rendered_map_index for ti in instances]


def forget_run(dag_run) -> None:
    """Delete ``dag_run`` (and its task instances) from the metadata DB: a failed run of a
    self-dependent DAG would block every later run of it in the tests that follow."""
    from airflow.models import DagRun, TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(TaskInstance).filter(TaskInstance.dag_id == dag_run.dag_id,
                                           TaskInstance.run_id == dag_run.run_id).delete()
        session.query(DagRun).filter(DagRun.dag_id == dag_run.dag_id, DagRun.run_id == dag_run.run_id).delete()
