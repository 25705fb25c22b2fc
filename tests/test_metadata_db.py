"""Each xdist worker runs its DAGs on a metadata DB of its own (tests/conftest.py): the workers
number their runs from the same logical date, so on one shared DB a worker's run would replace
another's run of the same DAG and date mid-run (``dag.test`` deletes the run it recreates)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_an_xdist_worker_runs_on_a_metadata_db_of_its_own():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None or not (ROOT / ".airflow" / "tests-template.db").exists():
        pytest.skip("only under make test's xdist workers, which copy its template DB")
    assert os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{ROOT}/.airflow/workers/{worker}/airflow.db"
