"""The guarantee of the incremental sync: puts, updates (with column and version deletes) and
row deletes over many windows, with a shard split in the middle (and a second one later),
injected Tablestore and OSS faults, a transfer failing mid-way and retried, and a rerun of an
earlier window. The union of the window outputs holds every change exactly once, each in the
window of its commit time, and replaying the outputs in order onto an empty table rebuilds the
source table."""

from __future__ import annotations

import random

import pytest
import tablestore

from devstack.connections import DirectConnections
from localcloud import admin
from localcloud.tablestore import control
from tablestore_channels import jobrun
from tablestore_channels.job import JobSpec
from tablestore_channels.plugins.otsstreamreader import output_records, shard_lineage
from tablestore_channels.plugins.otsstreamreader.checkpoints import CheckpointStore
from tablestore_channels.retrying import Retry, ots_retriable
from tests.support.exports import table_rows
from tests.support.streams import (
    boundary,
    create_stream_table,
    delete,
    now_ms,
    run_window,
    stream_job,
    update,
    window_output,
)

TABLE, REPLICA = "g_sync", "g_replica"
BURSTS = 10
KEYS = [(f"r{j:02d}", j) for j in range(24)]


@pytest.fixture(scope="module")
def endpoints(localcloud):
    return localcloud.endpoints


class Changes:
    """Random puts / updates / deletes; remembers the versions of ``v`` written, so a
    delete-one-version names a real one."""

    def __init__(self, client, seed: int = 11) -> None:
        self.client = client
        self.rnd = random.Random(seed)
        self.versions: dict[str, list[int]] = {}
        self.next_version = now_ms() - 3_600_000

    def _version(self) -> int:
        self.next_version += 7
        return self.next_version

    def burst(self, count: int = 14) -> None:
        for _ in range(count):
            key, n = self.rnd.choice(KEYS)
            kind = self.rnd.random()
            if kind < 0.4:
                version = self._version()
                self.client.put_row(TABLE, tablestore.Row([("id", key), ("n", n)], [
                    ("v", self.rnd.randint(-99, 99), version), ("s", self.rnd.choice(["a", "b,c", "", "null"]))]))
                self.versions[key] = [version]
            elif kind < 0.75:
                version = self._version()
                change = {"put": [("v", self.rnd.randint(0, 9), version)]}
                if self.rnd.random() < 0.4:
                    change["delete_all"] = ["s"]
                self.client.update_row(TABLE, tablestore.Row([("id", key), ("n", n)], change),
                                       tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE))
                self.versions.setdefault(key, []).append(version)
            elif kind < 0.88 and self.versions.get(key):
                version = self.versions[key].pop(self.rnd.randrange(len(self.versions[key])))
                update(self.client, TABLE, key, n, delete=(("v", version),))
            else:
                delete(self.client, TABLE, key, n)
                self.versions.pop(key, None)


def run_with_failing_transfer(endpoints, job: dict, ots_endpoint: str) -> None:
    """One window whose first transfer fails mid-way (after its first GetStreamRecord) for good,
    as a killed task does; the split is then retried and the window committed."""
    spec, connections, run = JobSpec.from_dict(job), DirectConnections(endpoints), jobrun.RunInfo("killed", {})
    descriptors = jobrun.plan(spec, connections, run)
    results = []
    for descriptor in descriptors:
        if not results:
            admin.inject_fault(ots_endpoint, kind="error", op="GetStreamRecord", code="OTSServerUnavailable",
                               skip=1, count=2)
            try:
                with pytest.raises(Exception, match="OTSServerUnavailable"):
                    jobrun.run_split(spec, connections, run, descriptor)
                assert [r["fired"] for r in admin.faults(ots_endpoint)] == [2]
            finally:
                admin.clear_faults(ots_endpoint)
        results.append(jobrun.run_split(spec, connections, run, descriptor))
    jobrun.commit(spec, connections, run, results, descriptors[0]["writer"])


def raw_changes(client, stream_id: str, start_ms: int, end_ms: int) -> list[tuple]:
    """Every change of the stream in [start, end), read with the client, parent shards first,
    converted by the multi-version rules."""
    output = output_records.MultiVersionPage(export_sequence_info=True)
    for group in shard_lineage.lineages(list(client.iter_stream_shards(stream_id))):
        for shard in group:
            iterator = client.get_shard_iterator(stream_id, shard.shard_id)
            while iterator:
                batch = client.get_stream_record(iterator, 1000)
                for record in batch.records:
                    if start_ms <= record.sequence_info.timestamp_us // 1000 < end_ms:
                        output.add([record], shard.shard_id)
                if not batch.records:
                    break
                iterator = batch.next_shard_iterator
    return list(output.take())


def as_text(row: tuple) -> list[str]:
    return ["null" if v is None else str(v) for v in row]


def replay(client, rows: list[list[str]]) -> None:
    """Apply multi-version output rows, in order, to the replica."""
    for key, n, column, version, value, op, _ in rows:
        pk = [("id", key), ("n", int(n))]
        condition = tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE)
        if op == "DR":
            client.delete_row(REPLICA, tablestore.Row(pk), condition)
            continue
        if op == "U":
            typed = int(value) if column == "v" else value
            change = {"put": [(column, typed, int(version))]}
        elif op == "DO":
            change = {"delete": [(column, None, int(version))]}
        else:
            change = {"delete_all": [column]}
        client.update_row(REPLICA, tablestore.Row(pk, change), condition)


def content(client, table: str) -> list:
    return [(r.primary_key, sorted(r.attribute_columns)) for r in table_rows(client, table, max_version=3)]


def test_every_change_exactly_once_and_replay_rebuilds_the_table(endpoints):
    client = DirectConnections(endpoints).tablestore(None)
    ots = endpoints["tablestore"]["endpoint"]
    oss = endpoints["oss"]["endpoint"]
    create_stream_table(client, TABLE, max_version=3)
    stream_id = client.describe_table(TABLE).stream_details.stream_id
    changes = Changes(client)
    edges = [boundary()]
    done = 0  # windows run so far

    def run_pending(upto: int) -> None:
        nonlocal done
        while done < upto:
            start, end = edges[done], edges[done + 1]
            window = done + 1
            job = stream_job(TABLE, start, end, concurrent=3)
            if window == 2:  # transient faults, absorbed by the retries
                admin.inject_fault(ots, kind="error", op="GetStreamRecord", code="OTSServerBusy", count=2)
                admin.inject_fault(ots, kind="error", op="DescribeStream", code="OTSTimeout", count=1)
                admin.inject_fault(oss, kind="status", op="PutObject", status=503, count=1)
            if window == 6:
                job["configuration"]["reader"]["parameter"]["maxRetries"] = 1
                run_with_failing_transfer(endpoints, job, ots)
            else:
                run_window(endpoints, job, run_key=f"w{window}")
            if window == 2:
                assert [r["fired"] for r in admin.faults(ots) + admin.faults(oss)] == [2, 1, 1]
                admin.clear_faults(ots)
                admin.clear_faults(oss)
            done += 1

    for burst in range(1, BURSTS + 1):
        changes.burst()
        if burst == 4:  # split a shard in the middle of a window
            first = sorted(s.shard_id for s in client.iter_stream_shards(stream_id))[0]
            children = control.split_shard(ots, TABLE, first)
            changes.burst(6)
        if burst == 7:
            control.split_shard(ots, TABLE, children[1])
        edges.append(boundary())
        if burst % 3:  # windows sometimes run at once (caught up), sometimes later (stop at the end)
            run_pending(burst)
    run_pending(BURSTS)

    # a rerun of an earlier window (the one with the split) and the one after it repeat exactly: the
    # same output, and checkpoints (maybe spelled differently) that lead to the same next window
    checkpoints = CheckpointStore(client, "TableStoreStreamReaderStatusTable", Retry(ots_retriable, 0))
    before = [window_output(endpoints, TABLE, edges[k], edges[k + 1]) for k in (3, 4)]
    shards_before = set(checkpoints.load(stream_id, edges[4]))
    for k in (3, 4):
        run_window(endpoints, stream_job(TABLE, edges[k], edges[k + 1], concurrent=3), run_key=f"rerun{k}")
    assert [window_output(endpoints, TABLE, edges[k], edges[k + 1]) for k in (3, 4)] == before
    assert set(checkpoints.load(stream_id, edges[4])) == shards_before

    outputs = [window_output(endpoints, TABLE, edges[k], edges[k + 1]) for k in range(BURSTS)]
    for k, rows in enumerate(outputs):  # each change in the window of its commit time
        for row in rows:
            commit_ms = int(row[6].split("_")[1]) // 1000
            assert edges[k] <= commit_ms < edges[k + 1], (k, row)
    union = [row for rows in outputs for row in rows]
    expected = [as_text(r) for r in raw_changes(client, stream_id, edges[0], edges[-1])]
    assert len(union) == len(expected) > 250
    assert sorted(map(tuple, union)) == sorted(map(tuple, expected))  # every change, exactly once
    assert len({tuple(r) for r in union}) == len(union)

    if REPLICA in client.list_table():
        client.delete_table(REPLICA)
    client.create_table(tablestore.TableMeta(REPLICA, [("id", "STRING"), ("n", "INTEGER")]),
                        tablestore.TableOptions(time_to_live=-1, max_version=3),
                        tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)))
    for rows in outputs:
        replay(client, rows)
    assert content(client, REPLICA) == content(client, TABLE)
    assert len(content(client, TABLE)) > 5
