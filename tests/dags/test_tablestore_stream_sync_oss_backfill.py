"""Backfill of the incremental sync with a running Airflow (scheduler, DAG processor, API server
as subprocesses, own metadata DB): ``airflow backfill create ... --reprocess-behavior completed``
runs consecutive windows forwards (two: each costs a few task processes), each to its own
prefix, each resuming at the checkpoint the previous one saved."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pendulum
import pytest

from devstack.connections import DirectConnections, as_environment
from devstack.processes import free_port
from tablestore_channels.plugins.otsstreamreader.checkpoints import CheckpointStore
from tablestore_channels.retrying import Retry, ots_retriable
from tests.support.exports import only_manifest, oss_bucket
from tests.support.metadata_db import migrated
from tests.support.stack_settings import BUSY_MACHINE
from tests.support.streams import create_stream_table

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "tablestore_stream_sync_oss"
TABLE = "bf_stream"
WINDOWS = 2
AIRFLOW = str(Path(sys.executable).with_name("airflow"))

pytestmark = pytest.mark.slow


def _airflow(env: dict, *args: str, timeout: float = 120) -> str:
    done = subprocess.run([AIRFLOW, *args], check=False, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def _runs(db: Path) -> list[tuple[str, str, str]]:
    try:
        with sqlite3.connect(db) as con:
            return con.execute("SELECT logical_date, run_type, state FROM dag_run WHERE dag_id = ? "
                               "ORDER BY logical_date", (DAG_ID,)).fetchall()
    except sqlite3.OperationalError:  # locked by the scheduler for a moment
        return []


def _serialized(db: Path) -> bool:
    try:
        with sqlite3.connect(db) as con:
            return bool(con.execute("SELECT 1 FROM serialized_dag WHERE dag_id = ?", (DAG_ID,)).fetchall())
    except sqlite3.OperationalError:  # locked by the writer for a moment
        return False


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def airflow_env(tmp_path, localcloud) -> dict:
    """An Airflow of its own: metadata DB and DAG folder (this DAG only) under tmp_path."""
    home, dags = tmp_path / "airflow", tmp_path / "dags"
    dags.mkdir()
    shutil.copy(ROOT / "dags" / f"{DAG_ID}.py", dags)
    port = free_port()
    env = {**os.environ, **as_environment(localcloud.endpoints),
           "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
           "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__API__PORT": str(port),
           "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
           "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1", "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
           "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
           "AIRFLOW__CORE__PARALLELISM": "2", "PATH": f"{Path(AIRFLOW).parent}:{os.environ['PATH']}",
           **BUSY_MACHINE}
    migrated(home / "airflow.db", lambda: _airflow(env, "db", "migrate", timeout=180))
    return env


def test_backfill_runs_consecutive_windows_forwards(airflow_env, localcloud, tmp_path):
    env = airflow_env
    create_stream_table(DirectConnections(localcloud.endpoints).tablestore(None), TABLE)
    db = Path(env["AIRFLOW_HOME"]) / "airflow.db"
    processes: list[subprocess.Popen] = []

    def start(*component: str) -> None:
        log = open(tmp_path / f"{component[0]}.log", "w")
        processes.append(subprocess.Popen([AIRFLOW, *component], env=env, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))

    try:
        # SQLite takes one writer at a time: parse the DAG, stop the DAG processor, create the
        # backfill, and only then start the scheduler (tasks parse the DAG file themselves).
        start("dag-processor")
        deadline = time.monotonic() + 120
        while not _serialized(db):
            assert time.monotonic() < deadline, "the DAG processor did not parse the DAG"
            time.sleep(2)
        _stop(processes.pop())
        _airflow(env, "dags", "unpause", DAG_ID)
        # past windows, ending before the latest 5-minute slot
        now = pendulum.now("UTC")
        latest = now.start_of("hour").add(minutes=5 * (now.minute // 5))
        first, last = latest.subtract(minutes=5 * (WINDOWS + 1)), latest.subtract(minutes=10)
        _airflow(env, "backfill", "create", "--dag-id", DAG_ID, "--from-date", first.isoformat(),
                 "--to-date", last.isoformat(), "--reprocess-behavior", "completed",
                 "--dag-run-conf", json.dumps({"table": TABLE, "concurrent": 1}))
        start("api-server", "--port", env["AIRFLOW__API__PORT"])
        start("scheduler")
        deadline = time.monotonic() + 900  # ~15 s per task process when the machine is idle, far more when busy
        while True:
            backfills = [r for r in _runs(db) if r[1] == "backfill"]
            if len(backfills) == WINDOWS and all(r[2] in ("success", "failed") for r in backfills):
                break
            assert time.monotonic() < deadline, backfills
            time.sleep(3)
        assert [r[2] for r in backfills] == ["success"] * WINDOWS, backfills
    finally:
        for process in processes:
            _stop(process)
    # every window: its own prefix with a manifest, and checkpoints chained window to window
    instance = localcloud.endpoints["tablestore"]["instance"]
    bucket = oss_bucket(localcloud.endpoints)
    client = DirectConnections(localcloud.endpoints).tablestore(None)
    stream_id = client.describe_table(TABLE).stream_details.stream_id
    store = CheckpointStore(client, "TableStoreStreamReaderStatusTable", Retry(ots_retriable, 0))
    for k in range(WINDOWS):
        logical = first.add(minutes=5 * k)
        start, end = logical.subtract(minutes=10), logical.subtract(minutes=5)
        manifest = only_manifest(bucket, f"{instance}/{TABLE}/{start:%Y%m%d}/{start:%Y%m%d%H%M%S}-{end:%Y%m%d%H%M%S}/")
        assert manifest["totals"]["rows"] == 0  # the stream began after these windows
        assert store.load(stream_id, end.int_timestamp * 1000) is not None
