"""The point-in-time restore through its DAG (dags/tablestore_restore_point_in_time.py).

Random puts, updates (with column and version deletes), row deletes and re-puts of deleted rows
go on in a thread over many one-second stream windows, with a shard split and a multi-version
full export taken while they go on (its reads slowed, so rows change while it reads). At three
random moments the writers pause, T is taken inside the pause and the table is read (the
truth). After one window is rerun, the DAG restores the table to each moment into a new table,
which must equal the truth cell by cell, versions and timestamps included; a second run of the
DAG changes nothing. Then each refusal, before anything is written."""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
import time

import oss2
import pytest
import tablestore

from devstack.connections import DirectConnections
from localcloud import admin
from localcloud.tablestore import control
from tablestore_channels import jobrun
from tablestore_channels.errors import PreconditionError
from tablestore_channels.job import JobSpec
from tablestore_channels.ots_client.models import StreamSpec
from tests.support.airflow_runs import EXAMPLE_DAGS, asset_events, run_dag
from tests.support.exports import cloud_connections, next_run_date, oss_bucket, table_rows, task_states
from tests.support.streams import now_ms, run_window, sync_window_path

DAG_FILE = EXAMPLE_DAGS / "tablestore_restore_point_in_time.py"
DAG_ID = "tablestore_restore_point_in_time"
TABLE = "pit_src"
KEYS = [(f"r{j:02d}", j) for j in range(40)]
WINDOWS = 14  # one second each
VERSIONS = 3
EXPORTS = f"tablestore/{TABLE}/"
COLUMNS = [{"name": "v", "type": "int"}, {"name": "b", "type": "binary"}]  # s is predefined
_IGNORE = tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE)


@pytest.fixture(scope="module")
def cloud(localcloud):
    with cloud_connections(localcloud.endpoints):
        yield localcloud.endpoints


class Writers(threading.Thread):
    """Random changes until stopped; ``lock`` held for each change, so whoever holds it sees
    the table between changes. A column keeps at most VERSIONS versions (an update that adds one
    more deletes the oldest in the same write)."""

    def __init__(self, client, seed: int) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.rnd = random.Random(seed)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.versions: dict[str, list[int]] = {}
        self.next_version = now_ms() - 3_600_000
        self.changes = 0

    def _version(self) -> int:
        self.next_version += 7
        return self.next_version

    def run(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                self.change()
            time.sleep(self.rnd.uniform(0.005, 0.02))

    def change(self) -> None:
        rnd, client = self.rnd, self.client
        key, n = rnd.choice(KEYS)
        pk = [("id", key), ("n", n)]
        kind = rnd.random()
        if kind < 0.3 or key not in self.versions:  # a put, also of a row deleted before
            version = self._version()
            cells = [("v", rnd.randint(-99, 99), version), ("s", rnd.choice(["a", "b,c", "", "null", "汉"]))]
            if rnd.random() < 0.5:
                cells.append(("b", bytearray(rnd.randbytes(3))))
            client.put_row(TABLE, tablestore.Row(pk, cells))
            self.versions[key] = [version]
        elif kind < 0.7:
            version = self._version()
            change: dict = {"put": [("v", rnd.randint(0, 9), version)]}
            if len(self.versions[key]) >= VERSIONS:
                change["delete"] = [("v", None, self.versions[key].pop(0))]
            if rnd.random() < 0.3:
                change["delete_all"] = ["s"]
            elif rnd.random() < 0.3:
                change["put"].append(("s", rnd.choice(["x", "y z"])))
            client.update_row(TABLE, tablestore.Row(pk, change), _IGNORE)
            self.versions[key].append(version)
        elif kind < 0.85 and len(self.versions[key]) > 1:
            version = self.versions[key].pop(rnd.randrange(len(self.versions[key])))
            client.update_row(TABLE, tablestore.Row(pk, {"delete": [("v", None, version)]}), _IGNORE)
        else:
            client.delete_row(TABLE, tablestore.Row(pk), _IGNORE)
            self.versions.pop(key)
        self.changes += 1

    def truth(self) -> tuple[int, list]:
        """(T in µs, the table at T): the writers paused, T inside the pause."""
        with self.lock:
            time.sleep(0.003)
            moment = time.time_ns() // 1000
            time.sleep(0.003)
            state = content(self.client, TABLE)
        return moment, state


def content(client, table: str) -> list:
    return [(r.primary_key, sorted(r.attribute_columns)) for r in table_rows(client, table, max_version=VERSIONS)]


def at(ms: int) -> None:
    time.sleep(max(0.0, (ms - now_ms()) / 1000))


def iso(moment_us: int) -> str:
    return dt.datetime.fromtimestamp(moment_us / 1_000_000, dt.UTC).isoformat(timespec="microseconds")


def channel_job(reader_plugin: str, reader: dict, writer: dict, concurrent: int = 2) -> dict:
    return {"type": "job", "version": "1.0", "configuration": {
        "setting": {"speed": {"concurrent": concurrent}},
        "reader": {"plugin": reader_plugin, "parameter": reader},
        "writer": {"plugin": "oss", "parameter": {"fileFormat": "csv", **writer}}}}


def window_job(instance: str, start_ms: int, end_ms: int, prefix: str | None = None, **reader) -> dict:
    """One window, laid out as tablestore_stream_sync_oss writes it."""
    path = sync_window_path(start_ms, end_ms)
    parameter = {"dataTable": TABLE, "startTimestampMillis": start_ms, "endTimestampMillis": end_ms,
                 "lagMinutes": 0, "isExportSequenceInfo": True, **reader}
    return channel_job("otsstream", parameter, {"object": f"{prefix or f'{instance}/{TABLE}/'}{path}",
                                                "writeMode": "truncate"}, concurrent=3)


def restore_job(point_us: int | str, target: str, phase: str, stream_prefix: str, export_prefix: str = EXPORTS) -> dict:
    """One of the DAG's two jobs, rendered (``point_us`` µs, or a text such as latest)."""
    return {"type": "job", "version": "1.0", "configuration": {
        "reader": {"plugin": "pointintime", "parameter": {
            "table": TABLE, "exportPrefix": export_prefix, "streamPrefix": stream_prefix, "phase": phase,
            "pointInTime": point_us if isinstance(point_us, str) else iso(point_us), "column": COLUMNS}},
        "writer": {"plugin": "otsreplay", "parameter": {"table": target, "createTableIfMissing": True}}}}


def restore(point_us: int, target: str, **conf):
    return run_dag(DAG_FILE, DAG_ID, logical_date=next_run_date(), run_conf={
        "table": TABLE, "point_in_time": iso(point_us), "target_table": target, "columns": COLUMNS, **conf})


@pytest.fixture(scope="module")
def history(cloud):
    """The source's history: windows, exports, three moments with the table at each."""
    client = DirectConnections(cloud).tablestore(None)
    instance = cloud["tablestore"]["instance"]
    for table in client.list_table():
        if table.startswith("pit_"):
            client.delete_table(table)
    client.create_table(tablestore.TableMeta(TABLE, [("id", "STRING"), ("n", "INTEGER")], defined_columns=[("s", "STRING")]),
                        tablestore.TableOptions(time_to_live=-1, max_version=VERSIONS),
                        tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)),
                        stream_spec=StreamSpec(enable=True, expiration_time_hours=24))
    time.sleep(1 - time.time() % 1 + 0.001)  # windows start on a second: the layout names them to the second
    start = now_ms() // 1000 * 1000
    edges = [start + 1000 * k for k in range(WINDOWS + 1)]
    writers = Writers(client, seed=17)
    writers.start()
    try:
        truths, export_done, final = _write_history(cloud, client, writers, edges)
    finally:
        writers.stop.set()
        writers.join()
    for k in range(WINDOWS):
        run_window(cloud, window_job(instance, edges[k], edges[k + 1]), run_key=f"w{k}")
    run_window(cloud, window_job(instance, edges[6], edges[7]), run_key="w6-rerun")  # the rerun replaces it
    return {"client": client, "edges": edges, "truths": truths, "export_done": export_done, "instance": instance,
            "writers": writers, "final": final}


def _write_history(cloud, client, writers: Writers, edges: list[int]) -> tuple[list, int]:
    """While the writers go on: a shard split, the full exports, the three truths."""
    ots = cloud["tablestore"]["endpoint"]
    rnd = random.Random(5)

    at(edges[2] + 300)
    stream_id = client.describe_table(TABLE).stream_details.stream_id
    first = sorted(s.shard_id for s in client.iter_stream_shards(stream_id))[0]
    control.split_shard(ots, TABLE, first)  # in the middle of a window
    at(edges[3])
    admin.inject_fault(ots, kind="delay", op="GetRange", delay_seconds=0.8, count=2)  # the export reads slowly
    try:
        run_window(cloud, channel_job("ots", {"table": TABLE, "mode": "multiVersion"},
                                      {"object": f"{EXPORTS}20310101/", "writeMode": "truncate"}), run_key="full")
    finally:
        admin.clear_faults(ots)
    export_done = now_ms()
    run_window(cloud, channel_job("ots", {"table": TABLE}, {"object": f"rows/{TABLE}/", "writeMode": "truncate"}),
               run_key="rows")
    earliest = export_done + 1500  # the export's end plus the clock skew allowed
    moments = sorted(rnd.uniform(earliest, edges[-1] - 400) for _ in range(3))
    truths = []
    for moment in moments:
        at(round(moment))
        truths.append(writers.truth())
    at(edges[-1] - 30)
    with writers.lock:  # paused across the last window's end: the table at T latest
        at(edges[-1] + 30)
        final = content(client, TABLE)
    return truths, export_done, final


def test_restore_to_three_moments_equals_the_table_then(cloud, history):
    client = history["client"]
    assert history["writers"].changes > 300
    runs = []
    for k, (moment, truth) in enumerate(history["truths"]):
        target = f"pit_at_{k}"
        run = restore(moment, target, concurrent=2 if k == 1 else 1)
        assert run.state == "success", task_states(run)
        runs.append(run)
        assert content(client, target) == truth, f"moment {k} ({iso(moment)})"
        assert len(truth) > 10 and any(len(cells) > 2 for _, cells in truth)
    # the restored table is an asset: one event per run, from the windows' commit
    (event,) = asset_events(f"tablestore://{history['instance']}/pit_at_1", runs[1].run_id)
    assert event.source_task_id == "windows.commit" and event.extra["totals"]["changes"] > 0
    assert event.extra["table"] == "pit_at_1" and event.extra["totals"]["rows"] > 0
    # both jobs again (what a rerun of the DAG runs) change nothing
    moment, truth = history["truths"][0]
    for phase in ("export", "windows"):
        run_window(cloud, restore_job(moment, "pit_at_0", phase, f"{history['instance']}/{TABLE}/"), run_key="again")
    assert content(client, "pit_at_0") == truth


def test_restore_to_latest_its_default_equals_the_table_at_the_end_of_the_last_window(cloud, history):
    run = run_dag(DAG_FILE, DAG_ID, logical_date=next_run_date(), run_conf={
        "table": TABLE, "target_table": "pit_latest", "columns": COLUMNS})  # point_in_time: its default
    assert run.state == "success", task_states(run)
    assert content(history["client"], "pit_latest") == history["final"]
    (event,) = asset_events(f"tablestore://{history['instance']}/pit_latest", run.run_id)
    assert event.extra["totals"]["changes"] > 0


def copy_prefix(bucket, source: str, target: str, skip: str | None = None, data_only: str | None = None) -> None:
    """Copy every object under ``source`` to ``target``, without the window folder ``skip`` and
    without the manifest of the window folder ``data_only``."""
    for entry in oss2.ObjectIteratorV2(bucket, prefix=source):
        relative = entry.key[len(source):]
        if (skip and relative.startswith(skip)) or (
                data_only and relative.startswith(data_only) and entry.key.endswith("_manifest.json")):
            continue
        bucket.copy_object(bucket.bucket_name, entry.key, target + relative)


def plan_restore(cloud, point_us: int | str, stream_prefix: str, export_prefix: str = EXPORTS) -> None:
    """The plan of the restore's first job (what the DAG's export.plan runs)."""
    job = restore_job(point_us, "pit_refused", "export", stream_prefix, export_prefix)
    jobrun.plan(JobSpec.from_dict(job), DirectConnections(cloud), jobrun.RunInfo("refused", {}))


def test_each_gap_is_refused_before_anything_is_written(cloud, history):
    client, edges, instance = history["client"], history["edges"], history["instance"]
    bucket = oss_bucket(cloud)
    streams = f"{instance}/{TABLE}/"
    moment = history["truths"][-1][0]
    folder = sync_window_path(edges[9], edges[10])
    late = (edges[9] + 500) * 1000  # inside window 9

    # T before the oldest usable export, through the DAG: the plan fails at once, naming the param
    run = restore((history["export_done"] - 50) * 1000, "pit_refused")
    assert run.state == "failed" and "pit_refused" not in client.list_table()
    (plan,) = [ti for ti in run.get_task_instances() if ti.task_id == "export.plan"]
    assert plan.state == "failed" and plan.try_number == 1, plan  # not retried

    cases = []
    copy_prefix(bucket, streams, "gap/", skip=folder)
    cases.append(("gap/", moment, "no committed stream window .* covers"))
    cases.append(("gap/", "latest", "no committed stream window .* covers"))  # not restored up to the gap
    copy_prefix(bucket, streams, "open/", data_only=folder)
    # the window as its folder names it, to the second (a window ends within that second)
    named_end = dt.datetime.fromtimestamp(edges[10] // 1000, dt.UTC).isoformat(timespec="milliseconds")
    cases.append(("open/", moment, rf"stream window \[\S+, {re.escape(named_end)}\) .* has objects but no manifest: "
                  "its run did not commit"))
    copy_prefix(bucket, streams, "single/", skip=folder)
    run_window(cloud, window_job(instance, edges[9], edges[10], "single/", mode="single_version_and_update_only",
                                 column=["id", "n", "v"], isExportSequenceInfo=False), run_key="single")
    cases.append(("single/", moment, "mode single_version_and_update_only, which keeps one record per changed row"))
    copy_prefix(bucket, streams, "noseq/", skip=folder)
    run_window(cloud, window_job(instance, edges[9], edges[10], "noseq/", isExportSequenceInfo=False), run_key="noseq")
    cases.append(("noseq/", late, "exported without sequence info, so its changes cannot be cut at T"))
    cases.append((streams, (now_ms() + 60_000) * 1000, "committed stream windows .* reach only"))
    copy_prefix(bucket, streams, "early/", skip=folder)  # the windows up to the export's end only
    for k in range(4, WINDOWS):
        for entry in oss2.ObjectIteratorV2(bucket, prefix=f"early/{sync_window_path(edges[k], edges[k + 1])}"):
            bucket.delete_object(entry.key)
    cases.append(("early/", "latest", "T latest: the committed stream windows .* do not reach past the end"))
    for prefix, point_us, expected in cases:
        with pytest.raises(PreconditionError, match=expected):
            plan_restore(cloud, point_us, prefix)
        assert "pit_refused" not in client.list_table(), prefix
    with pytest.raises(PreconditionError, match="mode 'normal' .* hide the stream's versions"):
        plan_restore(cloud, moment, streams, export_prefix=f"rows/{TABLE}/")
    plan_restore(cloud, late, streams)  # the same, but whole, can serve
    assert "pit_refused" in client.list_table()
    client.delete_table("pit_refused")
    assert "pit_refused" not in client.list_table()
