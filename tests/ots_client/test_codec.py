"""Request encoding and response decoding of the added calls, checked at the byte level against
the documented field numbers, and the client loops that need several calls."""

from __future__ import annotations

import pytest
import tablestore.protobuf.table_store_pb2 as sdk_pb
from tablestore import CapacityUnit, ReservedThroughput, TableMeta, TableOptions
from tablestore.decoder import OTSProtoBufferDecoder
from tablestore.encoder import OTSProtoBufferEncoder

from tablestore_channels.ots_client import ots_api_pb2 as pb
from tablestore_channels.ots_client.client import TablestoreClient
from tablestore_channels.ots_client.codec import ApiCodec
from tablestore_channels.ots_client.models import StreamDetails, StreamSpec, TableDescription


@pytest.fixture
def codec() -> ApiCodec:
    return ApiCodec(OTSProtoBufferEncoder("utf8"), OTSProtoBufferDecoder("utf8"))


def test_create_table_carries_the_full_stream_spec(codec):
    message = codec.encode_create_table(
        TableMeta("t", [("id", "INTEGER")], [("c", "STRING")]), TableOptions(max_version=2),
        ReservedThroughput(CapacityUnit(0, 0)), None, [], None, StreamSpec(True, 24, ["a", "b"]))
    body = message.SerializeToString()
    ours = pb.CreateTableRequest.FromString(body)
    assert ours.stream_spec.enable_stream and ours.stream_spec.expiration_time == 24
    assert list(ours.stream_spec.columns_to_get) == ["a", "b"]
    # What the SDK encoded is kept, and the SDK's older message reads the same bytes.
    theirs = sdk_pb.CreateTableRequest.FromString(body)
    assert theirs.table_meta.table_name == "t" and theirs.table_meta.defined_column[0].name == "c"
    assert theirs.table_options.max_versions == 2 and theirs.stream_spec.expiration_time == 24


def test_disabling_sends_only_the_flag(codec):
    message = codec.encode_update_table("t", None, None, StreamSpec(False))
    assert message.SerializeToString() == b"\n\x01t\x22\x02\x08\x00"


def test_field_numbers_of_the_new_fields(codec):
    assert codec.encode_get_shard_iterator("s", "h", 5, "tok").SerializeToString() == (
        b'\n\x01s\x12\x01h\x18\x05"\x03tok')
    assert codec.encode_compute_split_points_by_size("t", 3, 1 << 20, 2).SerializeToString() == (
        b"\n\x01t\x10\x03\x18\x80\x80\x40\x20\x02")
    assert codec.encode_describe_stream("s", "h", 7).SerializeToString() == b"\n\x01s\x12\x01h\x18\x07"
    assert codec.encode_get_stream_record("it", 10).SerializeToString() == b"\n\x02it\x10\x0a"
    location = pb.ComputeSplitPointsBySizeResponse.SplitLocation(location="h", repeat=2)
    assert location.SerializeToString() == b"\n\x01h\x10\x04"  # sint64: ZigZag


def test_describe_table_adds_stream_details_and_creation_time(codec):
    message = pb.DescribeTableResponse()
    message.table_meta.table_name = "t"
    message.table_meta.primary_key.add(name="id", type=pb.INTEGER)
    message.reserved_throughput_details.capacity_unit.read = 0
    message.reserved_throughput_details.last_increase_time = 1
    message.table_options.max_versions = 1
    message.stream_details.enable_stream = True
    message.stream_details.stream_id = "sid"
    message.stream_details.expiration_time = 24
    message.stream_details.last_enable_time = 1_700_000_000_000_000
    message.stream_details.columns_to_get.append("a")
    message.creation_time = 1_600_000_000_000_000
    described, _ = codec.decode_describe_table(message.SerializeToString(), "rid")
    assert isinstance(described, TableDescription)
    assert described.table_meta.schema_of_primary_key == [("id", "INTEGER")]
    assert described.request_id == "rid"
    assert described.stream_details == StreamDetails(True, "sid", 24, 1_700_000_000_000_000, ("a",))
    assert described.creation_time_us == 1_600_000_000_000_000
    message.ClearField("stream_details")
    message.ClearField("creation_time")
    bare, _ = codec.decode_describe_table(message.SerializeToString(), "rid")
    assert bare.stream_details is None and bare.creation_time_us is None


def test_finished_shard_and_absent_flags(codec):
    for iterator in (None, ""):
        message = pb.GetStreamRecordResponse()
        if iterator is not None:
            message.next_shard_iterator = iterator
        batch, _ = codec.decode_get_stream_record(message.SerializeToString(), "rid")
        assert batch.records == [] and batch.next_shard_iterator is None
        assert batch.may_more_record is None and batch.consumed is None
    message = pb.GetStreamRecordResponse(next_shard_iterator="n", may_more_record=False)
    message.consumed.capacity_unit.read = 2
    batch, _ = codec.decode_get_stream_record(message.SerializeToString(), "rid")
    assert (batch.next_shard_iterator, batch.may_more_record) == ("n", False)
    assert (batch.consumed.read, batch.consumed.write) == (2, 0)


class ScriptedClient(TablestoreClient):
    """Answers ``_request_helper`` from a script, recording the calls: to test client loops."""

    def __init__(self, answers):
        super().__init__("http://127.0.0.1:1", "ak", "secret", "inst")
        self.answers, self.calls = list(answers), []

    def _request_helper(self, api_name, *args):
        self.calls.append((api_name, *args))
        return self.answers.pop(0)


def test_get_shard_iterator_follows_next_token_with_the_same_timestamp():
    client = ScriptedClient([("it1", "tok1"), ("it2", "tok2"), ("it3", None)])
    assert client.get_shard_iterator("s", "h", timestamp_us=99) == "it3"
    assert client.calls == [
        ("GetShardIterator", "s", "h", 99, token) for token in (None, "tok1", "tok2")]
