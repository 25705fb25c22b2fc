"""Request encoders and response decoders for the calls the SDK lacks, in the SDK's own shape.

``ApiCodec`` wraps one client's SDK encoder and decoder: its ``encoders`` / ``decoders`` maps plug
into the SDK's ``api_encode_map`` / ``api_decode_map`` (an encoder returns a protobuf message, a
decoder takes ``(body, request_id)`` and returns ``(result, message)``). CreateTable, UpdateTable
and DescribeTable reuse the SDK's own codec and add the fields its bundled proto lacks, by
re-reading the same bytes with this package's current message shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tablestore import INF_MAX, INF_MIN, OTSClientError
from tablestore.protobuf import table_store_pb2 as sdk_pb

from tablestore_channels.ots_client import ots_api_pb2 as pb
from tablestore_channels.ots_client.models import (
    CellType,
    RecordAction,
    RowPage,
    Split,
    SplitPoints,
    Stream,
    StreamColumn,
    StreamDescription,
    StreamDetails,
    StreamRecord,
    StreamRecordBatch,
    StreamShard,
    StreamSpec,
    StreamStatus,
    TableDescription,
    TableUpdate,
)
from tablestore_channels.ots_client.plainbuffer import PlainBufferError, PlainCell, read_row
from tablestore_channels.ots_client.row_pages import decode_rows
from tablestore_channels.ots_client.stream_changes import decode_changes


def _optional(message: Any, name: str) -> Any:
    return getattr(message, name) if message.HasField(name) else None


def _optional_text(message: Any, name: str) -> str | None:
    # The service may leave an optional string empty instead of absent; both mean "none".
    return getattr(message, name) or None


def encode_stream_spec(message: pb.StreamSpecification, spec: StreamSpec) -> None:
    """Fill ``message``; retention and origin columns travel only when enabling, as the SDKs send."""
    if not isinstance(spec, StreamSpec):
        raise OTSClientError(f"stream_spec should be a StreamSpec, not {type(spec).__name__}.")
    message.enable_stream = spec.enable
    if spec.enable and spec.expiration_time_hours is not None:  # StreamSpec requires it when enabling
        message.expiration_time = spec.expiration_time_hours
        message.columns_to_get.extend(spec.columns_to_get)


def decode_stream_details(message: Any) -> StreamDetails | None:
    if not message.HasField("stream_details"):
        return None
    details = message.stream_details
    return StreamDetails(
        enable_stream=details.enable_stream,
        stream_id=_optional_text(details, "stream_id"),
        expiration_time_hours=_optional(details, "expiration_time"),
        last_enable_time_us=_optional(details, "last_enable_time"),
        columns_to_get=tuple(details.columns_to_get),
    )


def _stream_column(cell: PlainCell) -> StreamColumn:
    """A record cell as a column change, by its op byte (absent means a put)."""
    if cell.op is None:
        if not cell.has_value or cell.timestamp is None:
            raise PlainBufferError(
                f"Stream record: put of column {cell.name!r} lacks value or timestamp.")
        return StreamColumn(cell.name, cell.value, CellType.PUT, cell.timestamp)
    if cell.op == CellType.DELETE_ONE_VERSION.value:
        if cell.timestamp is None:
            raise PlainBufferError(
                f"Stream record: deletion of one version of {cell.name!r} lacks the timestamp."
            )
        return StreamColumn(cell.name, None, CellType.DELETE_ONE_VERSION, cell.timestamp)
    if cell.op == CellType.DELETE_ALL_VERSION.value:
        return StreamColumn(cell.name, None, CellType.DELETE_ALL_VERSION, None)
    raise PlainBufferError(f"Stream record: column {cell.name!r} has unknown cell type 0x{cell.op:02X}.")


def decode_stream_record(message: pb.GetStreamRecordResponse.StreamRecord) -> StreamRecord:
    """One record: the kind from ``action_type``, the row and its position from the PlainBuffer."""
    try:
        action = RecordAction(message.action_type)
    except ValueError:
        raise PlainBufferError(f"Stream record: unknown action type {message.action_type}.") from None
    row = read_row(message.record)
    if row.sequence_info is None:
        raise PlainBufferError("Stream record: the row lacks its sequence info extension.")
    origin = read_row(message.origin_record).cells if message.origin_record else []
    return StreamRecord(
        action=action,
        primary_key=row.primary_key,
        columns=[_stream_column(cell) for cell in row.cells],
        sequence_info=row.sequence_info,
        origin_columns=[_stream_column(cell) for cell in origin],
    )


def _split_locations(locations: Iterable[Any], count: int) -> list[str | None]:
    """Expand the run-length ``(location, repeat)`` list to one hint per split."""
    expanded = [entry.location for entry in locations for _ in range(max(entry.repeat, 0))]
    if not expanded:
        return [None] * count
    if len(expanded) != count:
        raise OTSClientError(
            f"ComputeSplitPointsBySize: locations cover {len(expanded)} split(s), expected {count}."
        )
    return expanded


def decode_split_points(message: pb.ComputeSplitPointsBySizeResponse, schema: list[tuple],
                        consumed: Any) -> SplitPoints:
    """Splits between INF_MIN and INF_MAX cut at each point, short points padded with INF_MIN."""
    names = [column[0] for column in schema]
    bounds = [[(name, INF_MIN) for name in names]]
    for raw in message.split_points:
        key = read_row(raw).primary_key
        if [name for name, _ in key] != names[:len(key)] or not key:
            raise OTSClientError(
                f"ComputeSplitPointsBySize: split point {key!r} does not match the schema {names}."
            )
        bounds.append(key + [(name, INF_MIN) for name in names[len(key):]])
    bounds.append([(name, INF_MAX) for name in names])
    locations = _split_locations(message.locations, len(bounds) - 1)
    splits = [Split(lower, upper, location)
              for lower, upper, location in zip(bounds, bounds[1:], locations)]
    return SplitPoints(schema=schema, splits=splits, consumed=consumed)


class ApiCodec:
    """Encoders and decoders for one client, built on that client's SDK encoder and decoder."""

    def __init__(self, sdk_encoder: Any, sdk_decoder: Any) -> None:
        self._sdk_encoder = sdk_encoder
        self._sdk_decoder = sdk_decoder
        self.encoders: dict[str, Callable[..., Any]] = {
            "CreateTable": self.encode_create_table,
            "UpdateTable": self.encode_update_table,
            "ComputeSplitPointsBySize": self.encode_compute_split_points_by_size,
            "ListStream": self.encode_list_stream,
            "DescribeStream": self.encode_describe_stream,
            "GetShardIterator": self.encode_get_shard_iterator,
            "GetStreamRecord": self.encode_get_stream_record,
        }
        self.decoders: dict[str, Callable[[bytes, str], tuple[Any, Any]]] = {
            "GetRange": self.decode_get_range,
            "UpdateTable": self.decode_update_table,
            "DescribeTable": self.decode_describe_table,
            "ComputeSplitPointsBySize": self.decode_compute_split_points_by_size,
            "ListStream": self.decode_list_stream,
            "DescribeStream": self.decode_describe_stream,
            "GetShardIterator": self.decode_get_shard_iterator,
            "GetStreamRecord": self.decode_get_stream_record,
        }

    # ---- table calls: the SDK's message plus the stream fields ----------------------------

    def encode_create_table(self, table_meta, table_options, reserved_throughput, sse_spec,
                            secondary_indexes, split_points=None, stream_spec=None):
        sdk_message = self._sdk_encoder._encode_create_table(
            table_meta, table_options, reserved_throughput, sse_spec, secondary_indexes, split_points)
        message = pb.CreateTableRequest.FromString(sdk_message.SerializeToString())
        if stream_spec is not None:
            encode_stream_spec(message.stream_spec, stream_spec)
        return message

    def encode_update_table(self, table_name, table_options, reserved_throughput, stream_spec=None):
        sdk_message = self._sdk_encoder._encode_update_table(
            table_name, table_options, reserved_throughput)
        message = pb.UpdateTableRequest.FromString(sdk_message.SerializeToString())
        if stream_spec is not None:
            encode_stream_spec(message.stream_spec, stream_spec)
        return message

    def decode_update_table(self, body: bytes, request_id: str):
        base, _ = self._sdk_decoder._decode_update_table(body, request_id)
        message = pb.UpdateTableResponse.FromString(body)
        return TableUpdate(base, decode_stream_details(message)), message

    def decode_describe_table(self, body: bytes, request_id: str):
        base, _ = self._sdk_decoder._decode_describe_table(body, request_id)
        message = pb.DescribeTableResponse.FromString(body)
        description = TableDescription(base, decode_stream_details(message),
                                       _optional(message, "creation_time"))
        return description, message

    # ---- GetRange: the rows decoded when used -----------------------------------------------

    def decode_get_range(self, body: bytes, request_id: str):
        """The SDK's ``(consumed, next_start_primary_key, rows, next_token)``, ``rows`` a
        :class:`RowPage`: the SDK's ``Row`` objects on first use, or columns for an export."""
        message = sdk_pb.GetRangeResponse.FromString(body)
        consumed = self._sdk_decoder._parse_capacity_unit(message.consumed.capacity_unit)
        next_start = read_row(message.next_start_primary_key).primary_key if message.next_start_primary_key else None
        rows = RowPage(message.rows, lambda: self._sdk_decoder._decode_get_range(body, request_id)[0][2], decode_rows)
        return (consumed, next_start, rows, message.next_token), message

    # ---- ComputeSplitPointsBySize -----------------------------------------------------------

    def encode_compute_split_points_by_size(self, table_name, split_size, split_size_unit_in_byte,
                                            split_point_limit):
        message = pb.ComputeSplitPointsBySizeRequest(table_name=table_name, split_size=split_size)
        if split_size_unit_in_byte is not None:
            message.split_size_unit_in_byte = split_size_unit_in_byte
        if split_point_limit is not None:
            message.split_point_limit = split_point_limit
        return message

    def decode_compute_split_points_by_size(self, body: bytes, request_id: str):
        message = pb.ComputeSplitPointsBySizeResponse.FromString(body)
        schema = self._sdk_decoder._parse_schema_list(message.schema)
        consumed = self._sdk_decoder._parse_capacity_unit(message.consumed.capacity_unit)
        return decode_split_points(message, schema, consumed), message

    # ---- Stream APIs ------------------------------------------------------------------------

    def encode_list_stream(self, table_name):
        message = pb.ListStreamRequest()
        if table_name is not None:
            message.table_name = table_name
        return message

    def decode_list_stream(self, body: bytes, request_id: str):
        message = pb.ListStreamResponse.FromString(body)
        streams = [Stream(s.stream_id, s.table_name, s.creation_time) for s in message.streams]
        return streams, message

    def encode_describe_stream(self, stream_id, inclusive_start_shard_id, shard_limit):
        message = pb.DescribeStreamRequest(stream_id=stream_id)
        if inclusive_start_shard_id is not None:
            message.inclusive_start_shard_id = inclusive_start_shard_id
        if shard_limit is not None:
            message.shard_limit = shard_limit
        return message

    def decode_describe_stream(self, body: bytes, request_id: str):
        message = pb.DescribeStreamResponse.FromString(body)
        description = StreamDescription(
            stream_id=message.stream_id,
            table_name=message.table_name,
            expiration_time_hours=message.expiration_time,
            creation_time_us=message.creation_time,
            status=StreamStatus(message.stream_status),
            shards=[StreamShard(shard.shard_id, _optional_text(shard, "parent_id"),
                                _optional_text(shard, "parent_sibling_id"))
                    for shard in message.shards],
            next_shard_id=_optional_text(message, "next_shard_id"),
        )
        return description, message

    def encode_get_shard_iterator(self, stream_id, shard_id, timestamp_us, token):
        message = pb.GetShardIteratorRequest(stream_id=stream_id, shard_id=shard_id)
        if timestamp_us is not None:
            message.timestamp = timestamp_us
        if token is not None:
            message.token = token
        return message

    def decode_get_shard_iterator(self, body: bytes, request_id: str):
        message = pb.GetShardIteratorResponse.FromString(body)
        return (message.shard_iterator, _optional_text(message, "next_token")), message

    def encode_get_stream_record(self, shard_iterator, limit):
        message = pb.GetStreamRecordRequest(shard_iterator=shard_iterator)
        if limit is not None:
            message.limit = limit
        return message

    def decode_get_stream_record(self, body: bytes, request_id: str):
        message = pb.GetStreamRecordResponse.FromString(body)
        consumed = (self._sdk_decoder._parse_capacity_unit(message.consumed.capacity_unit)
                    if message.HasField("consumed") else None)
        batch = StreamRecordBatch(
            encoded=message.stream_records, decode=decode_stream_record,
            next_shard_iterator=_optional_text(message, "next_shard_iterator"),
            may_more_record=_optional(message, "may_more_record"),
            consumed=consumed, decode_changes=decode_changes,
        )
        return batch, message
