"""The multi-worker CeleryExecutor stack of ``make cluster`` (include/devstack/cluster.py): postgres,
redis, api-server, scheduler, dag-processor, triggerer, two Celery workers and the local servers,
driven through the REST API. A full export of a demo-shaped table spreads its splits over both
workers and survives one worker killed with SIGKILL mid-run (nothing lost, nothing doubled);
with 8 explicit split points and ``concurrent=2`` two transfers run and the job stays within
``mbps``; the MaxCompute DAGs run with their defaults on what the stack prepared; SIGTERM stops
every process the stack started. About 4 minutes on 2 idle cores.

Shortened for the test (production values in .env.example; recovery in the README): a task
heartbeats every 2 s (5 s), one without a heartbeat for 15 s (300 s) is failed, checked every
2 s (10 s); the test DAG retries at once (the channel DAGs: 2 minutes later). A killed split is
queued again about 20 s after the kill (production: about 7 minutes).
"""

from __future__ import annotations

import collections
import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import oss2
import pytest

from devstack import demo_data
from devstack.cluster import read_env_file, write_env_file
from devstack.cluster_client import AirflowApi, ClusterProcess
from devstack.processes import kill_tree
from tests.support.exports import delimited_rows, manifests, oss_bucket
from tests.support.server_folders import passable_folder
from tests.support.stack_settings import BUSY_MACHINE

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "channel_job"  # tests/fixtures/dags: the job in the run's conf, one retry without delay
DEFAULTS_DAG = "tablestore_to_maxcompute"  # dags/: run with its defaults, as its form triggers it
STREAM_DEFAULTS_DAG = "tablestore_stream_sync_maxcompute"  # dags/: the same
ROWS = 12_000  # about 1.2 MB of CSV
MB = 1024 * 1024
MBPS_TOLERANCE = 0.05  # the throttle sleeps once 10 ms ahead: far less than 5 % of a 10 s transfer
SHORT_HEARTBEATS = {
    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "2",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "15",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def stack():
    """The stack in a folder the database servers' accounts may pass (pytest's own are private)."""
    missing = [name for name in ("redis-server", "initdb") if not shutil.which(name)
               and not list(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))]
    assert not missing, f"{missing} not installed: run `make cluster-deps` (make test does)"
    with passable_folder("cluster-test-") as root:
        env_file, dags = root / "cluster.env", root / "dags"
        write_env_file(env_file)
        settings = {**read_env_file(env_file), **SHORT_HEARTBEATS, **BUSY_MACHINE}
        env_file.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        dags.mkdir()
        shutil.copy(ROOT / "tests" / "fixtures" / "dags" / f"{DAG_ID}.py", dags)
        for dag_id in (DEFAULTS_DAG, STREAM_DEFAULTS_DAG):
            shutil.copy(ROOT / "dags" / f"{dag_id}.py", dags)
        cluster = ClusterProcess(root, env_file, dags, demo_rows=ROWS)
        state = cluster.start()
        try:
            api = AirflowApi(state)
            api.unpause(DAG_ID)
            api.unpause(DEFAULTS_DAG)
            yield cluster, state, api
        finally:
            cluster.stop()


def _job(prefix: str, setting: dict, **reader) -> dict:
    return {"job": {"type": "job", "version": "1.0", "configuration": {
        "setting": setting,
        "reader": {"plugin": "ots", "parameter": {"table": demo_data.TABLE, "maxRetryTime": 3, **reader}},
        "writer": {"plugin": "oss", "parameter": {"object": prefix, "writeMode": "truncate", "fileFormat": "csv"}},
    }}}


def _each_row_once(state: dict, prefix: str) -> dict:
    """The export under ``prefix``: exactly the manifest's objects, holding every row of the table
    once. Returns the manifest."""
    bucket = oss_bucket(json.loads(Path(state["endpoints_file"]).read_text()))
    (manifest,) = manifests(bucket, prefix)
    listed = {o["key"] for o in manifest["objects"]}
    stored = {o.key for o in oss2.ObjectIteratorV2(bucket, prefix=prefix) if not o.key.endswith(".json")}
    assert stored == listed  # nothing left by a killed attempt
    got = collections.Counter((line[0], line[1]) for line in delimited_rows(bucket, manifest))
    expected = collections.Counter((pk[0][1], str(pk[1][1])) for pk, _ in demo_data.rows(ROWS))
    assert got == expected and set(got.values()) == {1}
    return manifest


def _most_at_once(intervals: list[tuple[str, str]]) -> int:
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


def test_explicit_splits_run_at_most_concurrent_at_once_and_the_job_keeps_to_mbps(stack):
    _, state, api = stack
    mbps = 0.12  # each split ~0.6 MiB at 0.06 MiB/s: ~10 s
    points = [{"type": "string", "value": f"dev-{k:05d}"} for k in range(50, 450, 50)]  # 8 points: 9 ranges
    run_id = api.trigger(DAG_ID, _job("cluster/explicit/", {"speed": {"concurrent": 2, "mbps": mbps}},
                                      range={"split": points}))
    assert api.wait(DAG_ID, run_id) == "success"
    transfers = api.task_instances(DAG_ID, run_id, "transfer")
    (plan,) = api.task_instances(DAG_ID, run_id, "plan")
    splits = api.result(DAG_ID, run_id, plan)
    assert len(transfers) == 2 and [len(s["reader"]["ranges"]) for s in splits] == [4, 5]
    assert _most_at_once([(ti["start_date"], ti["end_date"]) for ti in transfers]) <= 2
    manifest = _each_row_once(state, "cluster/explicit/")
    # while both run, the job's rate is the sum of theirs: within mbps (each split has mbps / 2)
    results = [api.result(DAG_ID, run_id, ti) for ti in transfers]
    split_bytes = collections.Counter()
    for entry in manifest["objects"]:
        split_bytes[entry["split"]] += entry["bytes"]
    rate = sum(split_bytes[r["split"]] / r["seconds"] for r in results) / MB
    assert mbps * 0.7 <= rate <= mbps * (1 + MBPS_TOLERANCE), rate
    assert min(r["seconds"] for r in results) > 4  # long enough to measure a rate


def test_splits_spread_over_both_workers_and_survive_a_worker_killed_mid_run(stack):
    _, state, api = stack
    # each split ~0.3 MiB at 0.0125 MiB/s: ~23 s, so worker1 is killed in the middle of its splits
    run_id = api.trigger(DAG_ID, _job("cluster/killed/", {"speed": {"concurrent": 4, "mbps": 0.05}}))
    deadline = time.monotonic() + 300
    while True:  # every transfer under way (each worker has two task slots), some of them on worker1
        transfers = api.task_instances(DAG_ID, run_id, "transfer")
        running = [ti for ti in transfers if ti["state"] == "running"]
        if len(transfers) == 4 and all(ti["state"] in ("running", "success") for ti in transfers) \
                and any(ti["hostname"] == "worker1" for ti in running):
            break
        assert api.call("GET", f"dags/{DAG_ID}/dagRuns/{run_id}")["state"] in ("queued", "running")
        assert time.monotonic() < deadline, api.task_instances(DAG_ID, run_id)
        time.sleep(1)
    victims = sorted(ti["map_index"] for ti in running if ti["hostname"] == "worker1")
    worker1 = next(w for w in state["workers"] if w["name"] == "worker1")
    killed_at = datetime.now(UTC)
    kill_tree(worker1["pid"])

    assert api.wait(DAG_ID, run_id) == "success"
    _each_row_once(state, "cluster/killed/")
    tries = {ti["map_index"]: api.tries(DAG_ID, run_id, ti) for ti in api.task_instances(DAG_ID, run_id, "transfer")}
    assert collections.Counter(t[0]["hostname"] for t in tries.values()) == {"worker1": 2, "worker2": 2}
    for index, attempts in tries.items():
        if index in victims:  # failed for its missing heartbeat, then done by the other worker
            assert [(t["state"], t["hostname"]) for t in attempts] == [("failed", "worker1"), ("success", "worker2")]
        else:
            assert [t["state"] for t in attempts] == ["success"], attempts
    assert sorted(e["map_index"] for e in api.events(DAG_ID, run_id, "heartbeat timeout")) == victims
    restarted = sorted((datetime.fromisoformat(tries[i][1]["start_date"]) - killed_at).total_seconds() for i in victims)
    ended = (datetime.fromisoformat(api.call("GET", f"dags/{DAG_ID}/dagRuns/{run_id}")["end_date"]) - killed_at)
    print(f"\nkilled splits restarted {', '.join(f'{t:.0f}' for t in restarted)} s after the kill; "
          f"the run ended {ended.total_seconds():.0f} s after it")


def test_the_maxcompute_dag_runs_with_its_defaults_on_what_the_stack_prepared(stack):
    _, _, api = stack
    run_id = api.trigger(DEFAULTS_DAG, {})
    assert api.wait(DEFAULTS_DAG, run_id) == "success", api.task_instances(DEFAULTS_DAG, run_id)
    (commit,) = api.task_instances(DEFAULTS_DAG, run_id, "commit")
    assert api.result(DEFAULTS_DAG, run_id, commit)["rows"] == ROWS


def test_the_maxcompute_stream_sync_runs_with_its_defaults_on_what_the_stack_prepared(stack):
    _, _, api = stack
    api.unpause(STREAM_DEFAULTS_DAG)
    run_id = api.trigger(STREAM_DEFAULTS_DAG, {})
    assert api.wait(STREAM_DEFAULTS_DAG, run_id) == "success", api.task_instances(STREAM_DEFAULTS_DAG, run_id)
    (commit,) = api.task_instances(STREAM_DEFAULTS_DAG, run_id, "commit")
    summary = api.result(STREAM_DEFAULTS_DAG, run_id, commit)
    assert summary["partition"].startswith("pt=") and summary["checkpoint_at"], summary


def test_sigterm_stops_every_process_the_stack_started(stack):
    cluster, _, _ = stack
    assert len(cluster.group()) > 10  # postgres, redis, the local servers, Airflow, its pools and log servers
    assert cluster.stop() == 0
    deadline = time.monotonic() + 30
    while (left := cluster.group()) and time.monotonic() < deadline:
        time.sleep(1)
    assert not left, [p.cmdline() for p in left]
