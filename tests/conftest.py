"""Shared fixtures: a project-local Airflow, the local cloud servers and clients to them.

The Makefile exports the same Airflow settings; setting defaults here lets a plain ``pytest``
from the venv work too. It must happen before anything imports Airflow.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
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


def _worker_metadata_db(worker: str) -> None:
    """Each xdist worker works on a copy of a migrated metadata DB, so that the test modules that
    run DAGs run side by side without sharing runs or SQLite's one writer."""
    from tests.support.metadata_db import TEMPLATE, copy_database

    # `make test` migrates a fresh template; a plain pytest copies the configured DB
    source = TEMPLATE if TEMPLATE.exists() else Path(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///"))
    copy = _AIRFLOW_HOME / "workers" / worker / "airflow.db"
    copy_database(source, copy)
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{copy}"


# Which process's copy the configured DB is. An xdist worker inherits the environment of the
# controller, which has taken a copy of its own ("main"): without this mark the workers would all
# use that one copy, and a run of one worker replace another's run of the same DAG and date.
_DB_OWNER = "TABLESTORE_CHANNELS_TESTS_DB_OWNER"
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# only for the project's own DB or a copy made here (make test-fast points unit tests at none)
if (os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{_AIRFLOW_HOME}/airflow.db" or _DB_OWNER in os.environ) \
        and os.environ.get(_DB_OWNER) != _WORKER \
        and (os.environ.get("PYTEST_XDIST_WORKER") or (_AIRFLOW_HOME / "tests-template.db").exists()):
    _worker_metadata_db(_WORKER)
    os.environ[_DB_OWNER] = _WORKER

import oss2  # noqa: E402

from localcloud.process import LocalCloudProcess  # noqa: E402
from tablestore_channels.ots_client.client import TablestoreClient  # noqa: E402
from tests.support.alerts import Inbox, smtp_server, webhook_server  # noqa: E402
from tests.support.exports import oss_bucket, ots_client  # noqa: E402
from tests.support.statsd import StatsdReceiver, statsd_receiver  # noqa: E402

# Tests that start a whole Airflow stack of their own (home, database, servers and ports: the
# stack of `make up`, the Celery stack) run first, each stack on a worker of its own (they mostly
# wait on their schedulers; a third worker uses the cores meanwhile), then the `slow` modules,
# then the rest, handed out by module (a
# module's tests share its servers and tables) to whichever worker is free, each worker with its
# own copy of the metadata DB. The order is this file's, not xdist's largest-module-first: the
# longest chain (make up's stack) must start at once.
_OWN_STACK_TESTS = ("tests/devstack/", "tests/deploy/test_cluster.py")


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False
    return LoadScopeScheduling(config, log)


# Integration tests are those that need more than the venv: a test that uses one of these fixtures
# (itself or through the fixtures it uses) or is `slow` is marked `integration`; every other test
# is a unit test (`make test-fast` runs those). A unit test that starts a server anyway fails.
INTEGRATION_FIXTURES = frozenset({
    "localcloud", "local_servers",  # the local Tablestore, OSS and MaxCompute servers
    "smtp_inbox", "webhook_receiver", "statsd",  # receivers on loopback: alerts, metrics
    "stack", "browser", "page",  # tests/devstack: make up's stack, a real browser logged in to it
})


def pytest_configure(config):
    config.addinivalue_line("markers", "integration: needs local servers or an Airflow metadata DB; set by "
                                       "tests/conftest.py from the fixtures a test uses (make test-fast leaves these out)")


def pytest_collection_modifyitems(config, items):
    # the stacks' tests first (make up's first: it takes longest), then the slow modules, so that
    # no long module is left for the end; a stable sort keeps each module's tests in order
    def order(item: pytest.Item) -> tuple[int, ...]:
        stack = next((i for i, prefix in enumerate(_OWN_STACK_TESTS) if item.nodeid.startswith(prefix)), None)
        return (0, stack) if stack is not None else (1, item.get_closest_marker("slow") is None)

    items.sort(key=order)
    for item in items:
        if item.get_closest_marker("slow") or INTEGRATION_FIXTURES.intersection(item.fixturenames):
            item.add_marker(pytest.mark.integration)


_NETWORK_USE = pytest.StashKey[list]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """A unit test, its fixtures included, may not use the network: bind, listen, look a host up or
    connect, nor start the local servers. Each attempt raises, and fails the test even where the
    code under test swallowed the error (a client that falls back quietly). Threads that were running
    before it (an earlier integration test's, in a whole run) go on as they were."""
    if item.get_closest_marker("integration"):
        return (yield)
    attempts = item.stash[_NETWORK_USE] = []
    earlier = {thread.ident for thread in threading.enumerate()} - {threading.get_ident()}

    def refused(owner: object, name: str, what: str, shown: int | None = None) -> Callable:
        original = getattr(owner, name)

        def refuse(*args, **kwargs):
            if threading.get_ident() in earlier:
                return original(*args, **kwargs)
            attempts.append(what if shown is None else f"{what} {args[shown]!r}")
            raise AssertionError(f"a unit test {what}: start servers with a fixture of tests/conftest.py (the test "
                                 "becomes an integration test, see INTEGRATION_FIXTURES) or use a fake")
        return refuse

    with pytest.MonkeyPatch.context() as patch:
        for owner, name, what, shown in ((socket.socket, "bind", "binds a socket to", 1),
                                         (socket.socket, "listen", "listens on a socket", None),
                                         (socket.socket, "connect", "connects to", 1),
                                         (socket, "getaddrinfo", "looks up", 0),
                                         (LocalCloudProcess, "start", "starts the local servers", None)):
            patch.setattr(owner, name, refused(owner, name, what, shown))
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    if attempts := item.stash.get(_NETWORK_USE, None):
        raise AssertionError(f"a unit test used the network ({'; '.join(attempts)}): mark it by a fixture of "
                             "tests/conftest.py (see INTEGRATION_FIXTURES) or give it a fake")
    return result


@pytest.fixture(scope="session")
def localcloud(tmp_path_factory) -> LocalCloudProcess:
    """All three local servers, started once per test session on free ports."""
    with LocalCloudProcess(tmp_path_factory.mktemp("localcloud")) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def local_servers(tmp_path_factory) -> Iterator[Callable[..., LocalCloudProcess]]:
    """Local servers of the test module's own, in a folder of their own (for a restart, a crash or
    a clean slate): ``local_servers("oss")`` starts them and returns the process; all are stopped
    after the module."""
    started: list[LocalCloudProcess] = []

    def start(*services: str) -> LocalCloudProcess:
        process = LocalCloudProcess(tmp_path_factory.mktemp("-".join(services) or "localcloud"), services=services or None)
        process.start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


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


@pytest.fixture
def statsd() -> Iterator[StatsdReceiver]:
    """A StatsD receiver on loopback (UDP)."""
    with statsd_receiver() as receiver:
        yield receiver
