"""Shared fixtures: a project-local Airflow, the local cloud servers and clients to them.

The Makefile exports the same Airflow settings; setting defaults here lets a plain ``pytest``
from the venv work too. It must happen before anything imports Airflow.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
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

import oss2  # noqa: E402

from localcloud.process import LocalCloudProcess  # noqa: E402
from tablestore_channels.ots_client.client import TablestoreClient  # noqa: E402
from tests.support.alerts import Inbox, smtp_server, webhook_server  # noqa: E402
from tests.support.exports import oss_bucket, ots_client  # noqa: E402

# Tests that start a whole Airflow stack of their own (home, database, servers and ports: the
# stack of `make up`, the Celery stack) mostly wait on its scheduler. Under xdist (`make test`
# runs two workers) they run on one worker beside the rest on the other; the rest stay on one
# worker, in order, because they share the project's Airflow home and its SQLite database.
_OWN_STACK_TESTS = ("tests/devstack/", "tests/deploy/test_cluster.py")


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class StacksBesideTheRest(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "own_stack" if nodeid.startswith(_OWN_STACK_TESTS) else "shared_airflow_home"

    return StacksBesideTheRest(config, log)


@pytest.fixture(scope="session")
def localcloud(tmp_path_factory) -> LocalCloudProcess:
    """All three local servers, started once per test session on free ports."""
    with LocalCloudProcess(tmp_path_factory.mktemp("localcloud")) as cloud:
        yield cloud


# A test module that works on its own tables defines a module-scoped ``cloud`` fixture: it
# creates them on ``localcloud`` and yields the endpoints. These clients follow it.

@pytest.fixture(scope="module")
def client(cloud: dict) -> TablestoreClient:
    """A Tablestore client for the test module's ``cloud``."""
    return ots_client(cloud)


@pytest.fixture(scope="module")
def bucket(cloud: dict) -> oss2.Bucket:
    """The connection's bucket for the test module's ``cloud``."""
    return oss_bucket(cloud)


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on loopback: (its inbox, its port)."""
    with smtp_server() as inbox_and_port:
        yield inbox_and_port


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[list, int]]:
    """A webhook on loopback: (the (path, headers, JSON body) of each POST, its port)."""
    with webhook_server() as received_and_port:
        yield received_and_port
