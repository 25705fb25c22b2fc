"""Shared fixtures: a project-local Airflow and the local cloud servers.

The Makefile exports the same Airflow settings; setting defaults here lets a plain ``pytest``
from the venv work too. It must happen before anything imports Airflow.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_AIRFLOW_HOME = ROOT / ".airflow"
for _name, _value in {
    "AIRFLOW_HOME": str(_AIRFLOW_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
}.items():
    os.environ.setdefault(_name, _value)

from localcloud.process import LocalCloudProcess  # noqa: E402


@pytest.fixture(scope="session")
def localcloud(tmp_path_factory) -> LocalCloudProcess:
    """All three local servers, started once per test session on free ports."""
    with LocalCloudProcess(tmp_path_factory.mktemp("localcloud")) as cloud:
        yield cloud
