"""Run a DAG through Airflow in-process, as ``airflow dags test`` does: parse the file, store the
serialized DAG, then ``dag.test()`` (real task instances, XCom, callbacks, retries)."""

from __future__ import annotations

from pathlib import Path

from airflow.dag_processing.bundles.manager import DagBundlesManager
from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

BUNDLE = "dags-folder"


def load_dag(dag_file: Path, dag_id: str):
    """Parse ``dag_file`` and serialize its DAGs to the metadata DB; return ``dag_id``'s DAG."""
    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    bag = BundleDagBag(dag_folder=str(dag_file), bundle_path=Path(dag_file).parent, bundle_name=BUNDLE)
    assert not bag.import_errors, bag.import_errors
    sync_bag_to_db(bag, BUNDLE, None)
    return bag.dags[dag_id]


def run_dag(dag_file: Path, dag_id: str, **test_kwargs):
    """Run one DAG run of ``dag_id`` in-process and return the DagRun."""
    return load_dag(dag_file, dag_id).test(**test_kwargs)
