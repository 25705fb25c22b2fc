"""The local Tablestore's stream and split-point APIs at the protobuf level.

Writes go through the real SDK; the APIs the SDK lacks are sent as raw protobuf requests signed
and checked by the SDK's own protocol objects; records are decoded with our PlainBuffer reader.
"""

from __future__ import annotations

import time
import urllib.error

import pytest
from tablestore import (
    INF_MAX,
    INF_MIN,
    BatchWriteRowRequest,
    CapacityUnit,
    Condition,
    OTSClient,
    OTSServiceError,
    PutRowItem,
    ReservedThroughput,
    Row,
    TableInBatchWriteRowItem,
    TableMeta,
    TableOptions,
)
from tablestore.auth import RequestContext
from tablestore.retry import NoDelayRetryPolicy

from localcloud.tablestore import control
from localcloud.tablestore import plainbuffer as pb
from tablestore_channels.ots_client import ots_api_pb2 as api


@pytest.fixture(scope="module")
def cloud(local_servers):
    return local_servers("tablestore")


def make_client(cloud) -> OTSClient:
    info = cloud.endpoints["tablestore"]
    return OTSClient(info["endpoint"], info["access_key_id"], info["access_key_secret"], info["instance"],
                     retry_policy=NoDelayRetryPolicy())


@pytest.fixture(scope="module")
def client(cloud) -> OTSClient:
    return make_client(cloud)


@pytest.fixture(scope="module")
def endpoint(cloud) -> str:
    return cloud.endpoints["tablestore"]["endpoint"]


def call(client: OTSClient, api_name: str, request, response_class):
    """Send a raw protobuf request signed like the SDK's own and check the answer like it."""
    body = request.SerializeToString()
    query = f"/{api_name}"
    context = RequestContext(client.credentials_provider.get_credentials())
    headers = client.protocol._make_request_headers(body, query, client._signer, context)
    status, reason, response_headers, response_body = client.connection.send_receive(query, headers, body)
    # handle_error knows only the SDK's API names; its header, signature and Error checks are
    # the same for every API, so any known name serves.
    client.protocol.handle_error("ListTable", query, status, reason, response_headers, response_body,
                                 client._signer, context)
    response = response_class()
    response.ParseFromString(response_body)
    return response


def create_stream_table(client, name: str, hours: int = 24) -> None:
    request = api.CreateTableRequest(stream_spec=api.StreamSpecification(enable_stream=True, expiration_time=hours))
    request.table_meta.table_name = name
    request.table_meta.primary_key.add(name="id", type=api.INTEGER)
    request.reserved_throughput.capacity_unit.read = 0
    request.reserved_throughput.capacity_unit.write = 0
    call(client, "CreateTable", request, api.CreateTableResponse)


def describe_table(client, name: str):
    return call(client, "DescribeTable", api.DescribeTableRequest(table_name=name), api.DescribeTableResponse)


def stream_id(client, table: str) -> str:
    return describe_table(client, table).stream_details.stream_id


def shards(client, sid: str) -> list:
    request = api.DescribeStreamRequest(stream_id=sid)
    return list(call(client, "DescribeStream", request, api.DescribeStreamResponse).shards)


def iterator(client, sid: str, shard_id: str, timestamp: int | None = None) -> str:
    request = api.GetShardIteratorRequest(stream_id=sid, shard_id=shard_id)
    if timestamp is not None:
        request.timestamp = timestamp
    return call(client, "GetShardIterator", request, api.GetShardIteratorResponse).shard_iterator


def get_records(client, shard_iterator: str, limit: int | None = None):
    request = api.GetStreamRecordRequest(shard_iterator=shard_iterator)
    if limit is not None:
        request.limit = limit
    return call(client, "GetStreamRecord", request, api.GetStreamRecordResponse)


def read_shard(client, shard_iterator: str) -> tuple[list[tuple[int, pb.PlainRow]], str | None]:
    """All records from the iterator until caught up (empty batch) or the shard is finished."""
    records = []
    while shard_iterator:
        response = get_records(client, shard_iterator, limit=3)
        records += [(r.action_type, pb.decode_row(r.record)) for r in response.stream_records]
        if not response.stream_records:
            return records, response.next_shard_iterator
        shard_iterator = response.next_shard_iterator if response.HasField("next_shard_iterator") else None
    return records, None


def read_table_stream(client, table: str) -> list[tuple[int, pb.PlainRow]]:
    sid = stream_id(client, table)
    records = []
    for shard in shards(client, sid):
        records += read_shard(client, iterator(client, sid, shard.shard_id))[0]
    return sorted(records, key=lambda r: (r[1].sequence.timestamp, r[1].sequence.row_index))


def now_us() -> int:
    return time.time_ns() // 1000


def test_stream_details_list_and_switching(client):
    before = now_us()
    create_stream_table(client, "streamed", hours=24)
    described = describe_table(client, "streamed")
    details = described.stream_details
    assert details.enable_stream and details.expiration_time == 24 and details.stream_id
    assert before <= details.last_enable_time <= now_us() and before <= described.creation_time <= now_us()
    listed = call(client, "ListStream", api.ListStreamRequest(table_name="streamed"), api.ListStreamResponse)
    assert [(s.stream_id, s.table_name) for s in listed.streams] == [(details.stream_id, "streamed")]
    stream = call(client, "DescribeStream", api.DescribeStreamRequest(stream_id=details.stream_id),
                  api.DescribeStreamResponse)
    assert (stream.table_name, stream.expiration_time, stream.stream_status, len(stream.shards)) == (
        "streamed", 24, api.STREAM_ACTIVE, 2)

    disable = api.UpdateTableRequest(table_name="streamed", stream_spec=api.StreamSpecification(enable_stream=False))
    assert not call(client, "UpdateTable", disable, api.UpdateTableResponse).stream_details.enable_stream
    assert not call(client, "ListStream", api.ListStreamRequest(), api.ListStreamResponse).streams
    enable = api.UpdateTableRequest(table_name="streamed",
                                    stream_spec=api.StreamSpecification(enable_stream=True, expiration_time=48))
    updated = call(client, "UpdateTable", enable, api.UpdateTableResponse).stream_details
    assert updated.enable_stream and updated.expiration_time == 48 and updated.stream_id != details.stream_id

    # Tables made by the SDK have no stream; a stream needs its retention.
    client.create_table(TableMeta("plain", [("id", "INTEGER")]), TableOptions(), ReservedThroughput(CapacityUnit(0, 0)))
    assert not describe_table(client, "plain").stream_details.enable_stream
    with pytest.raises(OTSServiceError) as info:
        call(client, "UpdateTable", api.UpdateTableRequest(
            table_name="plain", stream_spec=api.StreamSpecification(enable_stream=True)), api.UpdateTableResponse)
    assert info.value.code == "OTSParameterInvalid"


def test_records_describe_every_write(client):
    create_stream_table(client, "changes")
    stamp = int(time.time() * 1000) - 5000
    client.put_row("changes", Row([("id", 1)], [("a", "x"), ("b", 2, stamp)]))
    client.update_row("changes", Row([("id", 1)], {"put": [("c", 1.5)], "delete": [("b", None, stamp)],
                                                  "delete_all": ["a"]}), Condition("IGNORE"))
    client.delete_row("changes", Row([("id", 1)]), Condition("IGNORE"))
    request = BatchWriteRowRequest()
    request.add(TableInBatchWriteRowItem("changes", [PutRowItem(Row([("id", i)], [("v", i)]), Condition("IGNORE"))
                                                     for i in range(10, 20)]))
    client.batch_write_row(request)

    records = read_table_stream(client, "changes")
    assert len(records) == 13
    (put_action, put), (update_action, update), (delete_action, delete) = records[:3]
    assert (put_action, update_action, delete_action) == (api.PUT_ROW, api.UPDATE_ROW, api.DELETE_ROW)
    assert put.primary_key == [("id", 1)]
    assert [(c.name, c.value, c.op) for c in put.cells] == [("a", "x", pb.PUT), ("b", 2, pb.PUT)]
    assert put.cells[1].timestamp == stamp and abs(put.cells[0].timestamp - time.time() * 1000) < 60_000
    assert [(c.name, c.value, c.op) for c in update.cells] == [
        ("c", 1.5, pb.PUT), ("b", None, pb.DELETE_ONE_VERSION), ("a", None, pb.DELETE_ALL_VERSION)]
    assert update.cells[1].timestamp == stamp and update.cells[2].timestamp is None
    assert delete.primary_key == [("id", 1)] and delete.cells == []
    batch = records[3:]
    assert sorted(r.primary_key[0][1] for _, r in batch) == list(range(10, 20))
    assert len({r.sequence.timestamp for _, r in batch}) == 1  # one commit
    assert sorted(r.sequence.row_index for _, r in batch) == list(range(10))
    stamps = [put.sequence.timestamp, update.sequence.timestamp, delete.sequence.timestamp, batch[0][1].sequence.timestamp]
    assert stamps == sorted(set(stamps))


def test_iterators_by_time_paging_and_catching_up(client):
    create_stream_table(client, "paged")
    sid = stream_id(client, "paged")
    for i in range(6):
        client.put_row("paged", Row([("id", 7)], [("v", i)]))  # one row: one shard holds all
    page = call(client, "DescribeStream", api.DescribeStreamRequest(stream_id=sid, shard_limit=1),
                api.DescribeStreamResponse)
    assert len(page.shards) == 1 and page.HasField("next_shard_id")
    rest = call(client, "DescribeStream", api.DescribeStreamRequest(
        stream_id=sid, inclusive_start_shard_id=page.next_shard_id), api.DescribeStreamResponse)
    assert len(rest.shards) == 1 and not rest.HasField("next_shard_id")

    owner = next(s.shard_id for s in shards(client, sid) if read_shard(client, iterator(client, sid, s.shard_id))[0])
    first = get_records(client, iterator(client, sid, owner), limit=4)
    assert len(first.stream_records) == 4 and first.may_more_record
    second = get_records(client, first.next_shard_iterator, limit=4)
    assert len(second.stream_records) == 2 and not second.may_more_record
    caught_up = get_records(client, second.next_shard_iterator)
    assert not caught_up.stream_records and caught_up.next_shard_iterator  # open shard: come back later
    client.put_row("paged", Row([("id", 7)], [("v", 6)]))
    assert len(get_records(client, caught_up.next_shard_iterator).stream_records) == 1

    stamps = [pb.decode_row(r.record).sequence.timestamp for r in first.stream_records]
    from_third = get_records(client, iterator(client, sid, owner, timestamp=stamps[2]))
    assert [pb.decode_row(r.record).cells[0].value for r in from_third.stream_records] == [2, 3, 4, 5, 6]
    with pytest.raises(OTSServiceError) as info:
        get_records(client, "not-an-iterator")
    assert info.value.code == "OTSParameterInvalid"


def test_trimmed_records_answer_trimmed_data_access(client, endpoint):
    create_stream_table(client, "trimmed")
    control.set_shard_count(endpoint, 1, table="trimmed")
    sid = stream_id(client, "trimmed")
    (shard,) = shards(client, sid)
    client.put_row("trimmed", Row([("id", 1)], [("v", "old")]))
    old_iterator = iterator(client, sid, shard.shard_id)
    cut = now_us()
    client.put_row("trimmed", Row([("id", 1)], [("v", "new")]))
    control.trim_stream(endpoint, "trimmed", cut)
    with pytest.raises(OTSServiceError) as info:
        get_records(client, old_iterator)
    assert (info.value.code, info.value.http_status) == ("OTSTrimmedDataAccess", 404)
    records, _ = read_shard(client, iterator(client, sid, shard.shard_id))
    assert [r.cells[0].value for _, r in records] == ["new"]


def test_split_closes_the_parent_and_children_take_new_writes(client, endpoint):
    control.set_shard_count(endpoint, 1, table="split")
    create_stream_table(client, "split")
    sid = stream_id(client, "split")
    (parent,) = shards(client, sid)
    for i in range(5):
        client.put_row("split", Row([("id", i)], [("v", "before")]))
    children = control.split_shard(endpoint, "split", parent.shard_id)
    for i in range(40):
        client.put_row("split", Row([("id", i)], [("v", "after")]))

    listed = shards(client, sid)
    assert [s.shard_id for s in listed] == [parent.shard_id, *children]
    assert [s.parent_id for s in listed[1:]] == [parent.shard_id, parent.shard_id]
    before, next_iterator = read_shard(client, iterator(client, sid, parent.shard_id))
    assert [r.cells[0].value for _, r in before] == ["before"] * 5 and next_iterator is None
    after = [read_shard(client, iterator(client, sid, child))[0] for child in children]
    assert all(after)  # both children own part of the keys
    assert sorted(r.primary_key[0][1] for part in after for _, r in part) == list(range(40))
    assert {r.cells[0].value for part in after for _, r in part} == {"after"}
    with pytest.raises(urllib.error.HTTPError) as info:
        control.split_shard(endpoint, "split", parent.shard_id)  # already closed
    assert info.value.code == 400


def write_sized_rows(client, table: str, count: int, size: int) -> None:
    client.create_table(TableMeta(table, [("k", "STRING"), ("n", "INTEGER")]), TableOptions(),
                        ReservedThroughput(CapacityUnit(0, 0)))
    for first in range(0, count, 100):
        request = BatchWriteRowRequest()
        request.add(TableInBatchWriteRowItem(table, [
            PutRowItem(Row([("k", f"key{i:04d}"), ("n", i)], [("v", "x" * size)]), Condition("IGNORE"))
            for i in range(first, min(first + 100, count))]))
        client.batch_write_row(request)


MIB = 1024 * 1024


def split_points(client, table: str, split_size: int, unit: int | None = None, limit: int | None = None):
    request = api.ComputeSplitPointsBySizeRequest(table_name=table, split_size=split_size)
    if unit is not None:
        request.split_size_unit_in_byte = unit
    if limit is not None:
        request.split_point_limit = limit
    return call(client, "ComputeSplitPointsBySize", request, api.ComputeSplitPointsBySizeResponse)


def test_compute_split_points_by_size(client):
    write_sized_rows(client, "sized", 1000, 10_000)  # about 10 MB
    response = split_points(client, "sized", 1, unit=MIB)
    points = [pb.decode_row(p).primary_key for p in response.split_points]
    assert 8 <= len(points) <= 11
    assert all(len(p) == 1 and p[0][0] == "k" for p in points)  # trailing INF_MIN columns omitted
    values = [p[0][1] for p in points]
    assert values == sorted(set(values))
    assert [(s.name, s.type) for s in response.schema] == [("k", api.STRING), ("n", api.INTEGER)]
    assert sum(loc.repeat for loc in response.locations) == len(points) + 1

    # The splits cover the table: each holds about 1 MiB of rows.
    bounds = [INF_MIN, *values, INF_MAX]
    counts = []
    for low, high in zip(bounds, bounds[1:]):
        _, _, rows, _ = client.get_range("sized", "FORWARD", [("k", low), ("n", INF_MIN)],
                                         [("k", high), ("n", INF_MIN)])
        counts.append(len(rows))
    assert sum(counts) == 1000 and max(counts) <= 120

    limited = split_points(client, "sized", 1, unit=MIB, limit=3)
    assert len(limited.split_points) == 3
    assert len(split_points(client, "sized", 1).split_points) == 0  # 100 MiB default unit
    with pytest.raises(OTSServiceError) as info:
        split_points(client, "sized", 0)
    assert info.value.code == "OTSParameterInvalid"
    with pytest.raises(OTSServiceError) as info:
        split_points(client, "absent", 1)
    assert info.value.code == "OTSObjectNotExist"


def test_a_size_scale_cuts_a_table_as_one_that_many_times_its_size(client, endpoint):
    write_sized_rows(client, "scaled", 100, 10_000)  # about 1 MB: no point at 1 MiB
    assert split_points(client, "scaled", 1, unit=MIB).split_points == []
    control.set_size_scale(endpoint, "scaled", 10)  # counted as about 10 MB
    scaled = [pb.decode_row(p).primary_key[0][1] for p in split_points(client, "scaled", 1, unit=MIB).split_points]
    assert 8 <= len(scaled) <= 11 and scaled == sorted(set(scaled))
    with pytest.raises(urllib.error.HTTPError):
        control.set_size_scale(endpoint, "scaled", 0)
    with pytest.raises(urllib.error.HTTPError):
        control.set_size_scale(endpoint, "absent", 10)


def test_stream_records_survive_restart(cloud):
    client = make_client(cloud)
    before = read_table_stream(client, "changes")
    cloud.restart()
    client = make_client(cloud)
    after = read_table_stream(client, "changes")
    assert after == before and len(after) == 13
    client.put_row("changes", Row([("id", 99)], [("v", "later")]))
    latest = read_table_stream(client, "changes")[-1][1]
    assert latest.primary_key == [("id", 99)] and latest.sequence.timestamp > after[-1][1].sequence.timestamp
    sid = stream_id(client, "split")
    assert len(shards(client, sid)) == 3
