"""The web UI as a new user meets it, in a real browser against the stack of ``make up``: every
channel DAG opens a valid trigger form and succeeds with its defaults (the full export once
with Parquet), the restore brings back the export just made, the point-in-time restore runs
with its defaults once the backups exist, a bad param fails with one line naming it, the
Tablestore connection's forms and Test button work, every channel DAG runs from the REST API
without a logical date, and SIGTERM stops it all.

The tests share one stack and run in order (the restore reads the export made before it). The DAGs
that need nothing of one another are triggered from their forms first, together (``form_runs``),
and run side by side as a team's would; each test then waits for its own run."""

from __future__ import annotations

import json
import re
import signal
import time
import urllib.parse

import psutil
import pytest
import requests

from devstack import targets
from localcloud import admin
from tests.devstack.conftest import CHANNEL_DAGS, logged_in
from tests.support.exports import oss_bucket, ots_client, table_rows
from tests.support.streams import now_ms, run_window, stream_job, sync_window_path

pytestmark = pytest.mark.slow

RUN_TIMEOUT = 480


def _open_trigger_form(page, stack, dag_id: str):
    page.goto(f"{stack.base_url}/dags/{dag_id}")
    page.get_by_role("button", name="Trigger").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Run Parameters").wait_for()
    return dialog


def _choose(dialog, param: str, option: str) -> None:
    dialog.locator(f"#element_{param}").click()
    dialog.page.get_by_role("option", name=option, exact=True).click()


def _submit(page, stack, dag_id: str, **changes: str) -> str:
    """Open the form, check it is valid with its defaults, apply ``changes`` (param -> value),
    trigger; returns the new run's id."""
    before = {r["dag_run_id"] for r in _runs(stack, dag_id)}
    dialog = _open_trigger_form(page, stack, dag_id)
    button = dialog.get_by_role("button", name="Trigger", exact=True)
    assert button.is_enabled(), f"{dag_id}: the trigger form is not valid with its defaults"
    assert not dialog.get_by_text("This field is required").count()
    for param, value in changes.items():
        field = dialog.locator(f"#element_{param}")
        if field.evaluate("e => e.tagName") in ("INPUT", "TEXTAREA"):
            field.fill(value)
        else:
            _choose(dialog, param, value)
    assert button.is_enabled(), f"{dag_id}: the form is invalid after setting {changes}"
    button.click()
    deadline = time.monotonic() + 120
    while not (new := [r for r in _runs(stack, dag_id) if r["dag_run_id"] not in before]):
        assert time.monotonic() < deadline, f"{dag_id}: the form made no run"
        time.sleep(1)
    # Wait for the run through the REST API, as a DAG page left open refreshes itself every few
    # seconds, which on two cores slows the run it shows.
    page.goto("about:blank")
    return new[0]["dag_run_id"]


def _finished(stack, dag_id: str, run_id: str) -> dict:
    """The run once it has finished."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run = stack.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()
        if run["state"] in ("success", "failed"):
            return run
        assert time.monotonic() < deadline, f"{dag_id}: {run_id} not finished after {RUN_TIMEOUT} s: {run}"
        time.sleep(3)


def _trigger(page, stack, dag_id: str, **changes: str) -> dict:
    """The run the form makes with ``changes``, once it has finished."""
    return _finished(stack, dag_id, _submit(page, stack, dag_id, **changes))


# The channel DAGs that need nothing of one another, each with what its form is changed to.
INDEPENDENT_FORMS = {
    "tablestore_full_export_oss": {"file_format": "parquet"},
    "tablestore_to_maxcompute": {},
    "tablestore_stream_sync_oss": {},
    "tablestore_stream_sync_maxcompute": {},
}


# The stream DAGs' runs from the REST API start right after their form runs: a stream DAG runs
# one window at a time (max_active_runs=1, depends_on_past), so each waits for its form run and
# then runs beside the tests that follow, instead of in the REST API test's own time.
EARLY_REST_RUNS = ("tablestore_stream_sync_oss", "tablestore_stream_sync_maxcompute")


@pytest.fixture(scope="module")
def form_runs(browser, stack, rest_runs) -> dict[str, str]:
    """INDEPENDENT_FORMS triggered from their forms one after another, without waiting for the
    runs: the scheduler runs them side by side, as it would a team's. dag_id -> run id. Then the
    REST API runs of EARLY_REST_RUNS (into ``rest_runs``)."""
    with logged_in(browser, stack) as page:
        runs = {dag_id: _submit(page, stack, dag_id, **changes) for dag_id, changes in INDEPENDENT_FORMS.items()}
    rest_runs.update({dag_id: _post_run(stack, dag_id) for dag_id in EARLY_REST_RUNS})
    return runs


@pytest.fixture(scope="module")
def rest_runs() -> dict[str, str]:
    """The REST API runs without a logical date: dag_id -> run id."""
    return {}


def _post_run(stack, dag_id: str) -> str:
    """A run of ``dag_id`` (unpaused) from the REST API, without a logical date: its id."""
    stack.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    run = stack.api("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None}).json()
    assert run["logical_date"] is None, run
    return run["dag_run_id"]


def _start_rest_runs(stack, rest_runs: dict[str, str]) -> dict[str, str]:
    """The REST API runs of every channel DAG: those not started yet start now (all at once)."""
    rest_runs.update({dag_id: _post_run(stack, dag_id) for dag_id in sorted(CHANNEL_DAGS - set(rest_runs))})
    return rest_runs


def _runs(stack, dag_id: str) -> list[dict]:
    return stack.api("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "-run_after"}).json()["dag_runs"]


def _task_page(page, stack, dag_id: str, run_id: str, task: str, expected: str) -> str:
    """The text of a task instance's page (``task`` may end with a tab: ``/xcom``) once it shows
    ``expected`` (a regex; logs and XComs load after the page)."""
    run = urllib.parse.quote(run_id, safe="")
    page.goto(f"{stack.base_url}/dags/{dag_id}/runs/{run}/tasks/{task}")
    deadline = time.monotonic() + 180
    while True:
        text = page.locator("body").inner_text()
        if re.search(expected, text):
            return text
        if time.monotonic() > deadline:
            pytest.fail(f"{task} of {run_id} never showed {expected!r}:\n{text[-3000:]}")
        time.sleep(2)
        if int(time.monotonic()) % 20 < 2:
            page.reload()  # a log still being written is shown as it was when loaded


def _commit_summary(page, stack, dag_id: str, run: dict) -> str:
    """The commit's summary line (also its XCom) as the UI shows the commit task's log."""
    text = _task_page(page, stack, dag_id, run["dag_run_id"], "channel.commit", r"Committed: \{.*'rows'")
    return re.search(r"Committed: \{.*", text).group(0)


def _assert_channel_run(page, stack, dag_id: str, run: dict, *summary_fields: str) -> None:
    assert run["state"] == "success", (dag_id, run)
    log = _task_page(page, stack, dag_id, run["dag_run_id"], "channel.transfer/mapped/0", r"split 1/\d+ done: \d+ rows")
    assert "Skipping masking" not in log, "the secrets masker warned at the top of the task log"
    summary = _commit_summary(page, stack, dag_id, run)
    for field in summary_fields:
        assert field in summary, (field, summary[:2000])


def test_full_export_runs_from_its_form_with_parquet(page, stack, form_runs):
    run = _finished(stack, "tablestore_full_export_oss", form_runs["tablestore_full_export_oss"])
    _assert_channel_run(page, stack, "tablestore_full_export_oss", run, "rows", "bytes", "objects", "manifest")
    summary = _commit_summary(page, stack, "tablestore_full_export_oss", run)
    assert "'rows': 3000" in summary, summary
    manifest_key = re.search(r"oss://[^/]+/(\S+_manifest\.json)", summary).group(1)
    manifest = json.loads(oss_bucket(stack.endpoints).get_object(manifest_key).read())
    assert manifest["format"]["fileFormat"] == "parquet"
    assert all(o["key"].endswith(".parquet") for o in manifest["objects"]), manifest["objects"]
    # the task processes sent the channel's metrics through Airflow's StatsD client
    metric = "airflow.tablestore_channels.ots_oss.iot_readings"
    assert sum(stack.statsd.values(f"{metric}.rows", "c")) == manifest["totals"]["rows"] == 3000
    assert sum(stack.statsd.values(f"{metric}.objects", "c")) == len(manifest["objects"])
    assert stack.statsd.values(f"{metric}.split", "ms"), "no split timer"


def test_restore_brings_back_the_export_just_made_with_its_defaults(page, stack):
    run = _trigger(page, stack, "tablestore_restore_oss")
    _assert_channel_run(page, stack, "tablestore_restore_oss", run, "rows", "iot_readings_restored")
    assert "'rows': 3000" in _commit_summary(page, stack, "tablestore_restore_oss", run)


def test_export_to_maxcompute_runs_with_its_defaults(page, stack, form_runs):
    run = _finished(stack, "tablestore_to_maxcompute", form_runs["tablestore_to_maxcompute"])
    _assert_channel_run(page, stack, "tablestore_to_maxcompute", run, "rows", "pt=")
    assert "'rows': 3000" in _commit_summary(page, stack, "tablestore_to_maxcompute", run)


def test_stream_sync_runs_with_its_defaults(page, stack, form_runs):
    run = _finished(stack, "tablestore_stream_sync_oss", form_runs["tablestore_stream_sync_oss"])
    _assert_channel_run(page, stack, "tablestore_stream_sync_oss", run, "manifest", "checkpoint_at")


def test_stream_sync_to_maxcompute_runs_with_its_defaults(page, stack, form_runs):
    dag_id = "tablestore_stream_sync_maxcompute"
    run = _finished(stack, dag_id, form_runs[dag_id])
    _assert_channel_run(page, stack, dag_id, run, "pt=", "checkpoint_at")
    partition = re.search(r"'partition': '([^']+)'", _commit_summary(page, stack, dag_id, run)).group(1)
    assert targets.maxcompute_client(stack.endpoints).get_table("iot_readings_changes").exist_partition(partition)


def test_point_in_time_restore_runs_with_its_defaults_once_the_backups_exist(page, stack):
    """The README's backup set-up (a multi-version full export, the stream windows after it),
    then the restore from its form with its defaults: the table at the latest moment they reach."""
    run = _trigger(page, stack, "tablestore_full_export_oss", mode="multiVersion", file_format="csv")
    assert run["state"] == "success", run
    summary = _commit_summary(page, stack, "tablestore_full_export_oss", run)
    manifest_key = re.search(r"oss://[^/]+/(\S+_manifest\.json)", summary).group(1)
    manifest = json.loads(oss_bucket(stack.endpoints).get_object(manifest_key).read())
    # what the stream sync commits over the next minutes, as one window from before the export
    # to now (its schedule's lag would keep the test waiting)
    time.sleep(max(0.0, (manifest["read_finished_at_ms"] + 2500 - now_ms()) / 1000))
    start, end = manifest["read_started_at_ms"] // 1000 * 1000 - 2000, now_ms() // 1000 * 1000
    prefix = f"{stack.endpoints['tablestore']['instance']}/iot_readings/{sync_window_path(start, end)}"
    run_window(stack.endpoints, stream_job("iot_readings", start, end, writer={"object": prefix}), run_key="ui-pit")

    run = _trigger(page, stack, "tablestore_restore_point_in_time")
    assert run["state"] == "success", run
    _task_page(page, stack, "tablestore_restore_point_in_time", run["dag_run_id"], "export.plan", r"T latest = \S+")
    client = ots_client(stack.endpoints)
    restored, source = (table_rows(client, t, max_version=10) for t in ("iot_readings_at_t", "iot_readings"))
    assert len(restored) == 3000
    assert [(r.primary_key, sorted(r.attribute_columns)) for r in restored] == [
        (r.primary_key, sorted(r.attribute_columns)) for r in source]


def test_a_table_that_does_not_exist_fails_at_once_with_one_line_naming_the_param(page, stack):
    run = _trigger(page, stack, "tablestore_full_export_oss", table="no_such_table")
    assert run["state"] == "failed"
    plan = stack.api("GET", f"/dags/tablestore_full_export_oss/dagRuns/{run['dag_run_id']}/taskInstances/"
                            "channel.plan").json()
    assert plan["state"] == "failed" and plan["try_number"] == 1, plan  # not retried
    log = _task_page(page, stack, "tablestore_full_export_oss", run["dag_run_id"], "channel.plan", "PreconditionError")
    expected = ("PreconditionError: param 'table' (configuration.reader.parameter.table): Tablestore table "
                "'no_such_table' does not exist in this instance. Fix:")
    assert expected in log, log[-3000:]


def _open_connection(page, stack, conn_id: str, button: int):
    page.goto(f"{stack.base_url}/connections")
    row = page.get_by_role("row").filter(has_text=conn_id)
    row.get_by_role("button").nth(button).click()
    return row


def test_tablestore_connection_edit_form_shows_every_field_and_test_succeeds(page, stack):
    _open_connection(page, stack, "tablestore_default", button=1)  # edit
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Extra Fields", exact=True).click()
    for label in ("Endpoint", "AccessKey ID", "AccessKey secret", "Instance name", "Region (V4 signing)", "STS token"):
        assert dialog.get_by_text(label, exact=True).count(), f"Edit form lacks {label!r}"
    page.keyboard.press("Escape")
    _open_connection(page, stack, "tablestore_default", button=0)  # test
    page.get_by_text("Connected; ").first.wait_for()


def test_a_stream_window_not_committed_in_time_raises_its_deadline_alert(stack, rest_runs):
    """The scheduler finds the run past its deadline (shortened to 30 s for this stack) while
    its transfer is slowed by the local Tablestore, and the triggerer sends the alert to the
    webhook; the run then commits as usual. The REST API test's other runs (none reads the
    stream) start first and run while this test waits for its deadline."""
    _start_rest_runs(stack, rest_runs)
    server = stack.endpoints["tablestore"]["endpoint"]
    admin.inject_fault(server, kind="delay", op="GetStreamRecord", delay_seconds=15)
    try:
        run_id = _post_run(stack, "tablestore_stream_sync_oss")
        deadline = time.monotonic() + RUN_TIMEOUT
        while not [p for _, _, p in stack.webhook if p.get("event") == "deadline_missed" and p.get("run_id") == run_id]:
            assert time.monotonic() < deadline, f"no deadline alert for {run_id}: {stack.webhook}"
            time.sleep(3)
    finally:
        admin.clear_faults(server)
    [alert] = [p for _, _, p in stack.webhook if p.get("event") == "deadline_missed" and p["run_id"] == run_id]
    assert alert["dag_id"] == "tablestore_stream_sync_oss"
    assert "was not committed within 5.5 minutes of its end" in alert["error"], alert
    subject = f"[Airflow] tablestore_stream_sync_oss: run {run_id} missed its deadline"
    assert [mail for _, mail in stack.inbox.messages if mail["Subject"] == subject], "no deadline e-mail"


def test_every_channel_dag_runs_from_the_rest_api_without_a_logical_date(stack, rest_runs):
    """Airflow 3's REST API and ``airflow dags trigger`` create runs without a logical date by
    default: each channel DAG, triggered so with its defaults (the stream DAGs' early, the others
    all at once by the deadline test, or now), succeeds on the stack's scheduler, its window and
    names taken from when the run was to run."""
    assert set(EARLY_REST_RUNS) <= set(rest_runs), "form_runs did not start the stream DAGs' REST runs"
    run_ids = _start_rest_runs(stack, rest_runs)
    deadline = time.monotonic() + RUN_TIMEOUT
    states: dict[str, str] = {}
    while len(states) < len(run_ids):
        for dag_id, run_id in run_ids.items():
            state = stack.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
            if state in ("success", "failed"):
                states[dag_id] = state
        assert time.monotonic() < deadline, f"unfinished after {RUN_TIMEOUT} s: {set(run_ids) - set(states)}"
        time.sleep(5)
    failed = {d: _failed_tasks(stack, d, run_ids[d]) for d, s in states.items() if s != "success"}
    assert not failed, failed


def _failed_tasks(stack, dag_id: str, run_id: str) -> list[str]:
    instances = stack.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances").json()["task_instances"]
    return [f"{ti['task_id']}: {ti['state']}" for ti in instances if ti["state"] != "success"]


def test_it_listens_on_loopback_only_but_for_airflows_log_servers(stack):
    """admin/admin and the connection Test button stay on this machine: the API server and the
    local servers listen on 127.0.0.1. Airflow's log servers bind every interface (not a setting
    in Airflow 3.3) and answer only requests signed with the deployment's secret key."""
    from airflow.configuration import conf

    tree = [psutil.Process(stack.process.pid), *psutil.Process(stack.process.pid).children(recursive=True)]
    listening = set()
    for process in tree:
        try:
            sockets = process.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        listening |= {(s.laddr.ip, s.laddr.port) for s in sockets if s.status == psutil.CONN_LISTEN}
    log_servers = {conf.getint("logging", "worker_log_server_port"), conf.getint("logging", "trigger_log_server_port")}
    api_port = int(stack.env["AIRFLOW__API__PORT"])
    assert ("127.0.0.1", api_port) in listening, listening
    servers = {urllib.parse.urlsplit(e["endpoint"]).port for e in stack.endpoints.values()}
    assert {port for _, port in listening} >= servers, listening
    assert {(ip, port) for ip, port in listening if ip not in ("127.0.0.1", "::1") and port not in log_servers} == set()


def _command(process: psutil.Process) -> str:
    """The command line, or "" for a process gone or ended and not yet reaped (a zombie: the
    scheduled stream runs keep starting and ending task processes)."""
    try:
        return " ".join(process.cmdline())
    except psutil.NoSuchProcess:  # ZombieProcess is one
        return ""


def test_sigterm_stops_every_process_it_started(stack):
    tree = [psutil.Process(stack.process.pid), *psutil.Process(stack.process.pid).children(recursive=True)]
    names = " ".join(_command(p) for p in tree)
    assert "standalone" in names and "localcloud" in names and "postgres" in names, names
    stack.process.send_signal(signal.SIGTERM)
    stack.process.wait(timeout=90)
    _, alive = psutil.wait_procs(tree, timeout=30)
    assert not [p for p in alive if _command(p)], [_command(p) for p in alive]  # a zombie has ended
    with pytest.raises(requests.ConnectionError):
        requests.get(stack.base_url, timeout=5)
