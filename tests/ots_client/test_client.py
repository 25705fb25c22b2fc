"""TablestoreClient end to end against the local Tablestore server: stream settings on tables,
the Stream APIs and ComputeSplitPointsBySize, over HTTP with the SDK's signing and checks."""

from __future__ import annotations

import time

import pytest
from tablestore import (
    INF_MAX,
    INF_MIN,
    CapacityUnit,
    Condition,
    OTSClientError,
    OTSServiceError,
    ReservedThroughput,
    Row,
    TableMeta,
    TableOptions,
)
from tablestore.retry import NoDelayRetryPolicy

from localcloud.admin import clear_faults, faults, inject_fault
from localcloud.tablestore import control
from tablestore_channels.ots_client.client import TablestoreClient
from tablestore_channels.ots_client.models import (
    CellType,
    RecordAction,
    StreamColumn,
    StreamDetails,
    StreamSpec,
    StreamStatus,
)

SCHEMA = [("id", "INTEGER"), ("name", "STRING")]


@pytest.fixture(scope="module")
def server(local_servers):
    return local_servers("tablestore").endpoints["tablestore"]


@pytest.fixture(scope="module")
def client(server) -> TablestoreClient:
    return TablestoreClient(server["endpoint"], server["access_key_id"], server["access_key_secret"],
                            server["instance"], retry_policy=NoDelayRetryPolicy())


def now_us() -> int:
    return time.time_ns() // 1000


def create(client: TablestoreClient, name: str, stream_spec: StreamSpec | None = None) -> None:
    client.create_table(TableMeta(name, SCHEMA), TableOptions(), ReservedThroughput(CapacityUnit(0, 0)),
                        stream_spec=stream_spec)


def stream_id_of(client: TablestoreClient, table: str) -> str:
    (stream,) = client.list_stream(table)
    return stream.stream_id


def read_shard(client: TablestoreClient, iterator: str, limit: int | None = None):
    """All records readable now from ``iterator``, and the iterator to go on (None: shard done)."""
    records = []
    while True:
        batch = client.get_stream_record(iterator, limit)
        records += batch.records
        if batch.next_shard_iterator is None or not batch.records:
            return records, batch.next_shard_iterator
        iterator = batch.next_shard_iterator


def read_stream(client: TablestoreClient, stream_id: str, timestamp_us: int | None = None):
    records = []
    for shard in client.iter_stream_shards(stream_id):
        iterator = client.get_shard_iterator(stream_id, shard.shard_id, timestamp_us)
        records += read_shard(client, iterator)[0]
    return sorted(records, key=lambda record: record.sequence_info)


# ---- tables ---------------------------------------------------------------------------------


def test_create_with_stream_and_describe(client):
    before = now_us()
    create(client, "with_stream", StreamSpec(True, 24))
    described = client.describe_table("with_stream")
    assert described.table_meta.table_name == "with_stream"
    assert described.table_meta.schema_of_primary_key == SCHEMA
    details = described.stream_details
    assert details.enable_stream and details.stream_id
    assert details.expiration_time_hours == 24 and details.columns_to_get == ()
    assert before - 1_000_000 <= details.last_enable_time_us <= now_us() + 1_000_000
    assert before - 1_000_000 <= described.creation_time_us <= now_us() + 1_000_000

    (stream,) = client.list_stream("with_stream")
    assert (stream.stream_id, stream.table_name) == (details.stream_id, "with_stream")
    assert abs(stream.creation_time_us - details.last_enable_time_us) < 5_000_000
    assert stream in client.list_stream()

    description = client.describe_stream(stream.stream_id)
    assert (description.stream_id, description.table_name) == (stream.stream_id, "with_stream")
    assert description.expiration_time_hours == 24 and description.status is StreamStatus.ACTIVE
    assert description.next_shard_id is None and description.shards
    assert all(shard.parent_id is None for shard in description.shards)


def test_update_table_turns_the_stream_on_and_off(client):
    create(client, "toggled")
    assert client.list_stream("toggled") == []
    off = client.describe_table("toggled").stream_details
    assert off is None or off == StreamDetails(False)

    on = client.update_table("toggled", stream_spec=StreamSpec(True, 2))
    assert on.stream_details.enable_stream and on.stream_details.expiration_time_hours == 2
    assert client.describe_table("toggled").stream_details.stream_id == on.stream_details.stream_id
    assert [s.stream_id for s in client.list_stream("toggled")] == [on.stream_details.stream_id]

    client.update_table("toggled", stream_spec=StreamSpec(False))
    assert client.describe_table("toggled").stream_details.enable_stream is False
    assert client.list_stream("toggled") == []
    # The SDK's own arguments still work through the extended UpdateTable.
    updated = client.update_table("toggled", table_options=TableOptions(max_version=3))
    assert updated.table_options.max_version == 3


def test_stream_spec_checks_its_arguments():
    with pytest.raises(OTSClientError, match="expiration_time_hours > 0"):
        StreamSpec(True)
    with pytest.raises(OTSClientError, match="takes neither"):
        StreamSpec(False, 24)


# ---- stream records -------------------------------------------------------------------------


def test_records_of_put_update_and_delete(client):
    create(client, "changes", StreamSpec(True, 24))
    stream_id = stream_id_of(client, "changes")
    pk = [("id", 1), ("name", "a")]
    ts = int(time.time() * 1000) - 10_000
    before = now_us()
    client.put_row("changes", Row(pk, [("s", "v1", ts), ("n", 5, ts), ("f", 1.5, ts), ("b", True, ts),
                                       ("bin", bytearray(b"\x00\x01"), ts)]))
    client.update_row("changes", Row(pk, {"put": [("s", "v2", ts + 1)], "delete": [("n", None, ts)],
                                          "delete_all": ["f"]}), Condition("IGNORE"))
    client.delete_row("changes", Row(pk), Condition("IGNORE"))
    after = now_us()

    put, update, delete = read_stream(client, stream_id)
    assert [r.action for r in (put, update, delete)] == [
        RecordAction.PUT, RecordAction.UPDATE, RecordAction.DELETE]
    assert put.primary_key == update.primary_key == delete.primary_key == pk
    assert sorted(put.columns, key=lambda c: c.name) == [
        StreamColumn("b", True, CellType.PUT, ts),
        StreamColumn("bin", bytearray(b"\x00\x01"), CellType.PUT, ts),
        StreamColumn("f", 1.5, CellType.PUT, ts),
        StreamColumn("n", 5, CellType.PUT, ts),
        StreamColumn("s", "v1", CellType.PUT, ts),
    ]
    assert type(next(c for c in put.columns if c.name == "bin").value) is bytearray
    assert update.columns == [
        StreamColumn("s", "v2", CellType.PUT, ts + 1),
        StreamColumn("n", None, CellType.DELETE_ONE_VERSION, ts),
        StreamColumn("f", None, CellType.DELETE_ALL_VERSION, None),
    ]
    assert delete.columns == []
    assert put.sequence_info < update.sequence_info < delete.sequence_info
    for record in (put, update, delete):
        assert before <= record.sequence_info.timestamp_us <= after
        assert record.origin_columns == []


def test_batches_respect_limit_and_iterators_position_by_time(client):
    create(client, "timed", StreamSpec(True, 24))
    control.set_shard_count(client.host, 1, "timed")
    stream_id = stream_id_of(client, "timed")
    for i in range(3):
        client.put_row("timed", Row([("id", i), ("name", "x")], [("c", i)]))
    time.sleep(0.02)
    middle = now_us()
    time.sleep(0.02)
    for i in range(3, 5):
        client.put_row("timed", Row([("id", i), ("name", "x")], [("c", i)]))

    (shard,) = client.iter_stream_shards(stream_id)
    iterator = client.get_shard_iterator(stream_id, shard.shard_id)
    first = client.get_stream_record(iterator, limit=2)
    assert [r.primary_key[0][1] for r in first.records] == [0, 1]
    assert first.next_shard_iterator is not None
    rest, open_iterator = read_shard(client, first.next_shard_iterator, limit=2)
    assert [r.primary_key[0][1] for r in rest] == [2, 3, 4]
    assert open_iterator is not None  # an open shard is never finished

    from_middle = client.get_shard_iterator(stream_id, shard.shard_id, timestamp_us=middle)
    late = read_shard(client, from_middle)[0]
    assert [r.primary_key[0][1] for r in late] == [3, 4]
    assert read_stream(client, stream_id, timestamp_us=now_us() + 1_000_000) == []


def test_trimmed_records_are_gone(client):
    create(client, "trimmed", StreamSpec(True, 24))
    control.set_shard_count(client.host, 1, "trimmed")
    stream_id = stream_id_of(client, "trimmed")
    client.put_row("trimmed", Row([("id", 1), ("name", "old")], [("c", 1)]))
    (shard,) = client.iter_stream_shards(stream_id)
    stale = client.get_shard_iterator(stream_id, shard.shard_id)
    time.sleep(0.01)
    cut = now_us()
    client.put_row("trimmed", Row([("id", 2), ("name", "new")], [("c", 2)]))
    control.trim_stream(client.host, "trimmed", cut)

    with pytest.raises(OTSServiceError) as caught:
        client.get_stream_record(stale)
    assert caught.value.code == "OTSTrimmedDataAccess" and caught.value.http_status == 404
    fresh = read_shard(client, client.get_shard_iterator(stream_id, shard.shard_id))[0]
    assert [r.primary_key for r in fresh] == [[("id", 2), ("name", "new")]]


def test_split_shard_closes_the_parent(client):
    create(client, "split", StreamSpec(True, 24))
    control.set_shard_count(client.host, 1, "split")
    stream_id = stream_id_of(client, "split")
    client.put_row("split", Row([("id", 0), ("name", "before")], [("c", 0)]))
    (parent,) = client.iter_stream_shards(stream_id)
    children = control.split_shard(client.host, "split", parent.shard_id)
    for i in range(1, 9):
        client.put_row("split", Row([("id", i), ("name", "after")], [("c", i)]))

    shards = list(client.iter_stream_shards(stream_id, shard_limit=1))
    assert parent in shards and len(shards) == 3
    assert sorted(s.shard_id for s in shards if s.parent_id == parent.shard_id) == sorted(children)
    assert all(s.parent_sibling_id is None for s in shards)

    records, end = read_shard(client, client.get_shard_iterator(stream_id, parent.shard_id))
    assert end is None  # the parent is closed and fully read
    assert [r.primary_key[0][1] for r in records] == [0]
    after = []
    for child in children:
        after += read_shard(client, client.get_shard_iterator(stream_id, child))[0]
    assert sorted(r.primary_key[0][1] for r in after) == list(range(1, 9))


def test_unknown_stream_is_an_error(client):
    with pytest.raises(OTSServiceError) as caught:
        client.describe_stream("no-such-stream")
    assert caught.value.code == "OTSObjectNotExist"


# ---- split points ---------------------------------------------------------------------------


def test_compute_split_points_by_size(client):
    create(client, "sized")
    whole = client.compute_split_points_by_size("sized", 1)
    assert whole.schema == SCHEMA
    assert [(s.lower, s.upper) for s in whole.splits] == [
        ([("id", INF_MIN), ("name", INF_MIN)], [("id", INF_MAX), ("name", INF_MAX)])]

    blob = "x" * 100_000
    for i in range(40):
        client.put_row("sized", Row([("id", i), ("name", "r")], [("blob", blob)]))
    result = client.compute_split_points_by_size("sized", 1, split_size_unit_in_byte=1 << 20)
    splits = result.splits
    assert len(splits) >= 3
    assert splits[0].lower == [("id", INF_MIN), ("name", INF_MIN)]
    assert splits[-1].upper == [("id", INF_MAX), ("name", INF_MAX)]
    for left, right in zip(splits, splits[1:]):
        assert left.upper == right.lower
    points = [split.upper[0][1] for split in splits[:-1]]
    assert points == sorted(set(points)) and all(isinstance(p, int) for p in points)
    assert all(isinstance(split.location, str) for split in splits)
    assert isinstance(result.consumed, CapacityUnit)

    limited = client.compute_split_points_by_size("sized", 1, 1 << 20, split_point_limit=1)
    assert len(limited.splits) <= 2

    with pytest.raises(OTSServiceError) as caught:
        client.compute_split_points_by_size("sized", 0)
    assert caught.value.code == "OTSParameterInvalid"


def test_split_unit_below_one_mebibyte_is_invalid(client):
    create(client, "tiny_unit")
    with pytest.raises(OTSServiceError) as caught:
        client.compute_split_points_by_size("tiny_unit", 1, split_size_unit_in_byte=1000)
    assert caught.value.code == "OTSParameterInvalid"


def test_stream_reads_are_retried_like_the_sdks_reads(server, client):
    create(client, "flaky", StreamSpec(True, 24))
    stream_id = stream_id_of(client, "flaky")
    shard = next(client.iter_stream_shards(stream_id))
    iterator = client.get_shard_iterator(stream_id, shard.shard_id)
    default = TablestoreClient(server["endpoint"], server["access_key_id"], server["access_key_secret"],
                               server["instance"])
    unavailable = {"kind": "error", "op": "GetStreamRecord", "code": "OTSServerUnavailable"}
    inject_fault(server["endpoint"], **unavailable, count=2)
    assert default.get_stream_record(iterator).records == []
    inject_fault(server["endpoint"], **unavailable, count=1)
    with pytest.raises(OTSServiceError, match="OTSServerUnavailable"):
        client.get_stream_record(iterator)  # this client's policy keeps the SDK's read list
    assert [(rule["fired"], rule["count"]) for rule in faults(server["endpoint"])] == [(2, 2), (1, 1)]
    clear_faults(server["endpoint"])


def test_other_clients_are_not_extended(server, client):
    from tablestore import OTSClient

    plain = OTSClient(server["endpoint"], server["access_key_id"], server["access_key_secret"],
                      server["instance"])
    assert "ListStream" not in plain.protocol.api_list
    assert "ListStream" in client.protocol.api_list
    create(client, "plain_view", StreamSpec(True, 1))
    assert not hasattr(plain.describe_table("plain_view"), "stream_details")
