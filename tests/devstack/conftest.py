"""The stack of ``make up`` (local servers + ``airflow standalone``), started in a home of its
own, and a real browser (Debian's chromium driven by Playwright) logged in to its web UI."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from devstack.processes import free_port, stop_trees
from devstack.up import STOP_GRACE_SECONDS
from tests.support.alerts import Inbox, smtp_server, webhook_server
from tests.support.server_folders import passable_folder
from tests.support.stack_settings import BUSY_MACHINE
from tests.support.statsd import StatsdReceiver, statsd_receiver

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / ".ui-screenshots"
# The flags of a headless chromium on a machine without internet (no background connections).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
USER, PASSWORD = "admin", "admin"
_REPORTS = pytest.StashKey[dict]()


@dataclass
class Stack:
    """A running ``make up``: its process, UI address and log."""

    process: subprocess.Popen
    base_url: str
    log: Path
    env: dict
    statsd: StatsdReceiver  # Airflow's StatsD metrics of the stack, the channels' among them
    webhook: list  # the alerts' webhook posts: (path, headers, JSON body)
    inbox: Inbox  # the alerts' e-mails

    token: str | None = None

    @property
    def endpoints(self) -> dict:
        """The local servers' endpoints (written by ``localcloud serve`` into its data folder)."""
        return json.loads((Path(self.env["LOCALCLOUD_DATA_DIR"]) / "endpoints.json").read_text())

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """A call to the REST API with a token for the UI's login (to wait for runs). A loaded
        machine may answer slowly: generous timeouts, one retry."""
        for attempt in (1, 2):
            try:
                if self.token is None:
                    self.token = requests.post(f"{self.base_url}/auth/token", timeout=120,
                                               json={"username": USER, "password": PASSWORD}).json()["access_token"]
                response = requests.request(method, f"{self.base_url}/api/v2{path}", timeout=120,
                                            headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
                response.raise_for_status()
                return response
            except requests.Timeout:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


CHANNEL_DAGS = {"tablestore_full_export_oss", "tablestore_restore_oss", "tablestore_to_maxcompute",
                "tablestore_stream_sync_oss", "tablestore_stream_sync_maxcompute", "tablestore_restore_point_in_time"}


def _serves_dags(stack: Stack) -> bool:
    try:
        listed = stack.api("GET", "/dags", params={"limit": 100}).json()["dags"]
    except requests.RequestException:
        return False
    return {d["dag_id"] for d in listed} >= CHANNEL_DAGS


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """``python -m devstack.up`` (what ``make up`` runs) with its own Airflow home, data and port,
    a small demo table, its StatsD metrics sent to a receiver of the test's; stopped (if a test
    has not stopped it) at the end."""
    with statsd_receiver() as statsd, webhook_server() as (webhook, webhook_port), smtp_server() as (inbox, smtp_port):
        alerts = {"AIRFLOW_CONN_ALERT_WEBHOOK": json.dumps({"conn_type": "http",
                                                            "host": f"http://127.0.0.1:{webhook_port}/alerts"}),
                  "AIRFLOW_CONN_ALERT_SMTP": json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": smtp_port,
                                                         "extra": {"disable_ssl": True, "disable_tls": True,
                                                                   "from_email": "airflow@example.com"}}),
                  "AIRFLOW_VAR_ALERT_EMAIL_TO": "oncall@example.com"}
        with passable_folder("up-stack-") as top:  # the stack's postgres
            yield from _stack(top, tmp_path_factory.mktemp("stack") / "up.log", statsd, alerts, webhook, inbox)


def _stack(top: Path, log: Path, statsd: StatsdReceiver, alerts: dict, webhook: list, inbox: Inbox) -> Iterator[Stack]:
    home = top / "airflow"
    home.mkdir()
    (home / "passwords.json").write_text(json.dumps({USER: PASSWORD}))
    port = free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://localhost:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
        "LOCALCLOUD_DATA_DIR": str(top / "localcloud"),
        "AIRFLOW__METRICS__STATSD_ON": "True",
        "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
        "AIRFLOW__METRICS__STATSD_PORT": str(statsd.port),
        # the alerts go to the test's webhook and SMTP server; a stream window's deadline comes 30 s
        # after its run is queued (1.1 x 5 minutes after the window's end) instead of 10 minutes
        **alerts,
        "TABLESTORE_CHANNELS_WINDOW_DEADLINE_MULTIPLE": "1.1",
        "DEMO_ROWS": "3000",
        **BUSY_MACHINE,
        # `airflow standalone` starts its components by name
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "devstack.up"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, cwd=ROOT)
    stack = Stack(process, f"http://localhost:{port}", log, env, statsd, webhook, inbox)
    deadline = time.monotonic() + 600  # a loaded machine takes minutes to start Airflow
    while not _serves_dags(stack):  # up, and the DAG processor has parsed the channel DAGs
        assert process.poll() is None, log.read_text()[-4000:]
        assert time.monotonic() < deadline, log.read_text()[-4000:]
        time.sleep(2)
    yield stack
    if process.poll() is None:
        stop_trees([process.pid], STOP_GRACE_SECONDS, signal_children=True)
        process.wait()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@contextlib.contextmanager
def logged_in(browser, stack: Stack) -> Iterator:
    """A page logged in to the stack's UI."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{stack.base_url}/")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_text("Dags").first.wait_for()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, stack, request):
    """A page logged in to the stack's UI; on a failed test its screenshot is saved and named."""
    with logged_in(browser, stack) as page:
        yield page
        report = request.node.stash.get(_REPORTS, {}).get("call")
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(exist_ok=True)
            path = SCREENSHOTS / f"{request.node.name}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"\nScreenshot of the failed page: {path}")
