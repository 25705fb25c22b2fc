"""The 5-minute stream sync into MaxCompute through Airflow against the local servers, read back
with pyodps: each window's changes in a partition of their own, exactly (by commit time), across
consecutive windows and a shard split; a rerun replaces exactly its partition; the seed's mode
with columns into a two-level partition; checkpoints saved only after the partition's commit."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pendulum
import pytest
import requests
from odps import ODPS

from devstack import targets
from localcloud import admin
from localcloud.tablestore import control
from tablestore_channels import jobrun
from tablestore_channels.hooks.connections import AirflowConnections
from tablestore_channels.job import JobSpec
from tablestore_channels.plugins.otsstreamreader.checkpoints import CheckpointStore
from tablestore_channels.retrying import Retry, ots_retriable
from tests.support.airflow_runs import EXAMPLE_DAGS, forget_run, load_dag, run_dag
from tests.support.exports import cloud_connections, ots_client, task_states
from tests.support.streams import assert_stream_schedule, at_second, create_stream_table, delete, now_ms, put, update

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

DAG_FILE = EXAMPLE_DAGS / "tablestore_stream_sync_maxcompute.py"
DAG_ID = "tablestore_stream_sync_maxcompute"
STATUS = "TableStoreStreamReaderStatusTable"
SDK_ATTEMPTS = 5  # pyodps: the first try and options.retry_times (4) retries of a network failure
WINDOW_SECONDS = 3
# multi_version: [pk..., column, timestamp, value, op_type, sequence_info]
CELLS = ("id STRING, n BIGINT, column_name STRING, version BIGINT, value STRING, op_type STRING, "
         "sequence_info STRING")
# The ops one change of each kind gives in multi_version: a put replaces the row (DR, then its cells).
OPS = {"put": ["DR", "U"], "update": ["U"], "delete": ["DR"]}


@pytest.fixture(scope="module")
def cloud(localcloud):
    with cloud_connections(localcloud.endpoints):
        # a failed run left by an earlier session would hold back every run of this
        # self-dependent DAG (the test DB outlives a session)
        from airflow.models import DagRun

        for run in DagRun.find(dag_id=DAG_ID, state="failed"):
            forget_run(run)
        yield localcloud.endpoints


@pytest.fixture(scope="module")
def odps(cloud) -> ODPS:
    mc = cloud["maxcompute"]
    client = ODPS(mc["access_key_id"], mc["access_key_secret"], mc["project"], endpoint=mc["endpoint"])
    for table in ("smc_cells", "smc_split", "smc_guarantee"):
        client.execute_sql(f"CREATE TABLE {table}_changes ({CELLS}) PARTITIONED BY (pt STRING)")
    client.execute_sql("CREATE TABLE smc_single_changes (id STRING, n BIGINT, v BIGINT) "
                       "PARTITIONED BY (pt STRING, region STRING)")
    return client


def rows_of(odps: ODPS, table: str, partition: str) -> list[dict]:
    with odps.get_table(table).open_reader(partition=partition, arrow=True) as reader:
        return [row for batch in reader for row in batch.to_pylist()]


def pt(second: int) -> str:
    """The default partition of the window starting at ``second``."""
    return f"pt={pendulum.from_timestamp(second, tz='UTC'):%Y%m%d%H%M%S}"


def commit_ms(row: dict) -> int:
    return int(row["sequence_info"].split("_")[1]) // 1000  # epoch_timestamp(µs)_rowIndex_shardId


def write_changes(client, table: str, until: int, meanwhile: tuple[int, Callable[[], object]] | None = None
                  ) -> dict[str, tuple[str, int, int]]:
    """One change per key, as fast as the server takes them, until shortly before the epoch
    second ``until`` (``meanwhile``: (second, action), the action once that second is reached);
    per key: the kind of change and the client's clock in ms before and after it, between which
    it was committed."""
    written: dict[str, tuple[str, int, int]] = {}
    i = 0
    while time.time() < until - 0.05:
        if meanwhile is not None and time.time() >= meanwhile[0]:
            meanwhile[1]()
            meanwhile = None
        key, kind, before = f"k{i:04d}", ("put", "update", "delete")[i % 3], now_ms()
        if kind == "put":
            put(client, table, key, i, v=i)
        elif kind == "update":
            update(client, table, key, i, put={"v": i})
        else:
            delete(client, table, key, i)
        written[key] = (kind, before, now_ms())
        i += 1
    return written


def run_windows(table: str, ends: list[pendulum.DateTime], **conf) -> list:
    """One DAG run per window end (lag 0: the run's time is the window's end)."""
    conf = {"table": table, "window_minutes": WINDOW_SECONDS / 60, "lag_minutes": 0,
            "mode": "multi_version", "columns": None, "export_sequence_info": True, **conf}
    runs = []
    for end in ends:
        run = run_dag(DAG_FILE, DAG_ID, run_conf=conf, logical_date=end, run_after=end)
        assert str(run.state) == "success", task_states(run)
        runs.append(run)
    return runs


def assert_exact_windows(odps: ODPS, target: str, edges: list[int], written: dict) -> dict[str, list[dict]]:
    """Each window [edges[i], edges[i + 1]) (epoch seconds) has its own partition holding exactly
    the changes committed in it: each change once, whole, in the window of its commit time."""
    partitions = {pt(start): rows_of(odps, target, pt(start)) for start in edges[:-1]}
    where: dict[str, set[str]] = {}
    ops: dict[str, list[str]] = {}
    for (name, rows), start, end in zip(partitions.items(), edges, edges[1:]):
        for row in rows:
            assert start * 1000 <= commit_ms(row) < end * 1000, (name, row)
            where.setdefault(row["id"], set()).add(name)
            ops.setdefault(row["id"], []).append(row["op_type"])
    assert set(ops) == set(written)
    for key, (kind, _, _) in written.items():
        assert len(where[key]) == 1, (key, where[key])  # a change is never cut by a window edge
        assert sorted(ops[key]) == OPS[kind], (key, ops[key])  # nothing lost, nothing doubled
    for rows in partitions.values():
        for row in rows:
            _, before, after = written[row["id"]]
            assert before <= commit_ms(row) <= after, row  # the commit time is the write's
    assert all(partitions.values()), {name: len(rows) for name, rows in partitions.items()}
    return partitions


def test_schedule_defaults_and_params_fill_their_job_keys():
    dag = load_dag(DAG_FILE, DAG_ID)
    assert_stream_schedule(dag)
    defaults = {name: dag.params[name] for name in dag.params}
    assert (defaults["mode"], defaults["partition"], defaults["truncate"]) == (
        "single_version_and_update_only", "pt=${window_start}", True)
    # the default columns are those of the MaxCompute table `make up` prepares for the defaults
    assert defaults["columns"] == [c.split()[0] for c in targets.MAXCOMPUTE_COLUMNS.split(", ")]
    assert f"{defaults['table']}_changes" in targets.MAXCOMPUTE_TABLES
    job = dag.get_task("channel.plan").job
    for name in dag.params:
        key = re.search(r"Sets `([^`]+)`\.$", dag.params.get_param(name).description).group(1)
        value = job["configuration"]
        for part in key.split("."):
            value = value[part]
        assert f"params.{name}" in value, (name, key, value)


def test_three_windows_each_in_its_partition_and_a_rerun_replaces_exactly_its_own(cloud, odps):
    client = ots_client(cloud)
    create_stream_table(client, "smc_cells")
    s0 = int(time.time()) + 1
    edges = [s0 + i * WINDOW_SECONDS for i in range(4)]
    at_second(s0)
    written = write_changes(client, "smc_cells", edges[-1])
    ends = [at_second(edge) for edge in edges[1:]]
    runs = run_windows("smc_cells", ends, concurrent=2)
    before = assert_exact_windows(odps, "smc_cells_changes", edges, written)

    # the middle window again: the same rows in its partition, once; the others untouched
    first = runs[1].get_task_instance("channel.commit").xcom_pull(task_ids="channel.commit")
    (rerun,) = run_windows("smc_cells", ends[1:2], concurrent=2)
    again = rerun.get_task_instance("channel.commit").xcom_pull(task_ids="channel.commit")
    assert again["upload_id"] != first["upload_id"] and again["partition"] == pt(edges[1])
    after = {name: rows_of(odps, "smc_cells_changes", name) for name in before}
    key = lambda row: row["sequence_info"]  # noqa: E731 - unique per output record
    assert {n: sorted(rows, key=key) for n, rows in after.items()} == {
        n: sorted(rows, key=key) for n, rows in before.items()}


def test_a_shard_split_mid_window_keeps_every_window_exact(cloud, odps):
    client = ots_client(cloud)
    create_stream_table(client, "smc_split")
    stream_id = client.describe_table("smc_split").stream_details.stream_id
    parent = sorted(s.shard_id for s in client.iter_stream_shards(stream_id))[0]
    children: list[str] = []
    s0 = int(time.time()) + 1
    edges = [s0, s0 + WINDOW_SECONDS, s0 + 2 * WINDOW_SECONDS]
    at_second(s0)
    split = (edges[0] + 1, lambda: children.extend(control.split_shard(cloud["tablestore"]["endpoint"],
                                                                      "smc_split", parent)))
    written = write_changes(client, "smc_split", edges[-1], meanwhile=split)  # in the first window
    ends = [at_second(edge) for edge in edges[1:]]
    run_windows("smc_split", ends, concurrent=4)
    assert len(children) == 2
    assert_exact_windows(odps, "smc_split_changes", edges, written)
    saved = CheckpointStore(client, STATUS, Retry(ots_retriable, 0)).load(stream_id, edges[-1] * 1000)
    assert saved[parent].finished and set(children) <= set(saved)


def test_the_seeds_mode_with_columns_into_a_two_level_partition(cloud, odps):
    client = ots_client(cloud)
    create_stream_table(client, "smc_single")
    s0 = int(time.time()) + 1
    at_second(s0)
    put(client, "smc_single", "a", 1, v=1, note="x")
    update(client, "smc_single", "a", 1, put={"v": 2})
    put(client, "smc_single", "b", 2, v=3)
    delete(client, "smc_single", "b", 2)  # not exported in this mode
    end = at_second(s0 + WINDOW_SECONDS)
    run_windows("smc_single", [end], mode="single_version_and_update_only", columns=["id", "n", "v"],
                export_sequence_info=False, partition="pt=${window_start},region=hz",
                odps_columns=["id", "n", "v"])
    rows = rows_of(odps, "smc_single_changes", f"{pt(s0)},region=hz")
    assert sorted((r["id"], r["n"], r["v"]) for r in rows) == [("a", 1, 1), ("a", 1, 2), ("b", 2, 3)]


def test_checkpoints_move_only_after_the_partition_is_committed(cloud, odps):
    """The job's commit order with this writer: a MaxCompute commit that fails leaves the
    window's partition empty and no checkpoint at its end; committed again, both are there."""
    client = ots_client(cloud)
    create_stream_table(client, "smc_guarantee")
    s0 = int(time.time()) + 1
    at_second(s0)
    written = write_changes(client, "smc_guarantee", s0 + 1)
    spec = JobSpec.from_dict({"type": "job", "version": "1.0", "configuration": {
        "setting": {"speed": {"concurrent": 2}},
        "reader": {"plugin": "otsstream", "parameter": {
            "dataTable": "smc_guarantee", "startTimestampMillis": s0 * 1000, "endTimestampMillis": (s0 + 1) * 1000,
            "lagMinutes": 0, "isExportSequenceInfo": True}},
        "writer": {"plugin": "odps", "parameter": {"table": "smc_guarantee_changes", "column": ["*"],
                                                   "partition": pt(s0), "truncate": True}}}})
    at_second(s0 + 1)
    time.sleep(0.01)  # the window has ended: with lag 0 it is settled
    connections, run = AirflowConnections(), jobrun.RunInfo("guarantee", {})
    descriptors = jobrun.plan(spec, connections, run)
    results = [jobrun.run_split(spec, connections, run, d) for d in descriptors]
    stream_id = client.describe_table("smc_guarantee").stream_details.stream_id
    store = CheckpointStore(client, STATUS, Retry(ots_retriable, 0))
    endpoint = cloud["maxcompute"]["endpoint"]
    admin.inject_fault(endpoint, kind="reset", op="tunnel.commit", count=SDK_ATTEMPTS)
    try:
        with pytest.raises(requests.ConnectionError):  # pyodps gives up after its retries
            jobrun.commit(spec, connections, run, results, descriptors[0]["writer"])
        assert admin.faults(endpoint)[0]["fired"] == SDK_ATTEMPTS
    finally:
        admin.clear_faults(endpoint)
    assert rows_of(odps, "smc_guarantee_changes", pt(s0)) == []
    assert store.load(stream_id, (s0 + 1) * 1000) is None

    summary = jobrun.commit(spec, connections, run, results, descriptors[0]["writer"])
    assert summary["rows"] == sum(len(OPS[kind]) for kind, _, _ in written.values())
    assert len(rows_of(odps, "smc_guarantee_changes", pt(s0))) == summary["rows"]
    assert store.load(stream_id, (s0 + 1) * 1000) is not None
