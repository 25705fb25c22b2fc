"""``TablestoreClient``: the SDK's ``OTSClient`` plus the Stream APIs, ComputeSplitPointsBySize and
stream settings on tables.

The new calls go through the SDK's own request path (``_request_helper``): signing, response
checks, errors (``OTSServiceError`` with the service's code) and the retry policy are the SDK's.
They are registered on this client's protocol object only, so other ``OTSClient`` instances are
unchanged. Without a ``retry_policy`` argument the client uses :class:`ReadAwareRetryPolicy`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tablestore import OTSClient, ReservedThroughput, TableMeta, TableOptions

from tablestore_channels.ots_client.codec import ApiCodec
from tablestore_channels.ots_client.models import (
    SplitPoints,
    Stream,
    StreamDescription,
    StreamRecordBatch,
    StreamShard,
    StreamSpec,
    TableDescription,
    TableUpdate,
)
from tablestore_channels.ots_client.retry import ReadAwareRetryPolicy


class TablestoreClient(OTSClient):
    """An ``OTSClient`` (same constructor arguments) with the calls the Python SDK lacks."""

    def __init__(self, end_point, access_key_id=None, access_key_secret=None, instance_name=None,
                 **kwargs) -> None:
        kwargs.setdefault("retry_policy", ReadAwareRetryPolicy())
        super().__init__(end_point, access_key_id, access_key_secret, instance_name, **kwargs)
        codec = ApiCodec(self.protocol.encoder, self.protocol.decoder)
        # An instance attribute shadows the class-level list, leaving OTSProtocol itself alone.
        self.protocol.api_list = [*self.protocol.api_list,
                                  *(api for api in codec.encoders if api not in self.protocol.api_list)]
        self.protocol.encoder.api_encode_map.update(codec.encoders)
        self.protocol.decoder.api_decode_map.update(codec.decoders)

    # ---- tables -----------------------------------------------------------------------------

    def create_table(self, table_meta: TableMeta, table_options: TableOptions,
                     reserved_throughput: ReservedThroughput, secondary_indexes: Iterable = (),
                     sse_spec=None, stream_spec: StreamSpec | None = None) -> None:
        """Create a table, as ``OTSClient.create_table``, optionally with a stream."""
        self._request_helper("CreateTable", table_meta, table_options, reserved_throughput, sse_spec,
                             list(secondary_indexes or ()), None, stream_spec)

    def update_table(self, table_name: str, table_options: TableOptions | None = None,
                     reserved_throughput: ReservedThroughput | None = None,
                     stream_spec: StreamSpec | None = None) -> TableUpdate:
        """Update options, throughput and/or the stream of a table (as ``OTSClient.update_table``);
        the result adds ``stream_details``."""
        return self._request_helper("UpdateTable", table_name, table_options, reserved_throughput,
                                    stream_spec)

    def describe_table(self, table_name: str) -> TableDescription:
        """The SDK's ``DescribeTableResponse`` plus ``stream_details`` and ``creation_time_us``."""
        return self._request_helper("DescribeTable", table_name)

    def compute_split_points_by_size(self, table_name: str, split_size: int,
                                     split_size_unit_in_byte: int | None = None,
                                     split_point_limit: int | None = None) -> SplitPoints:
        """Split the table into ranges of about ``split_size`` units (default unit 100 MiB; the
        service accepts units >= 1 MiB), at most ``split_point_limit`` + 1 of them."""
        return self._request_helper("ComputeSplitPointsBySize", table_name, split_size,
                                    split_size_unit_in_byte, split_point_limit)

    # ---- streams ----------------------------------------------------------------------------

    def list_stream(self, table_name: str | None = None) -> list[Stream]:
        """Streams of one table, or of every table of the instance."""
        return self._request_helper("ListStream", table_name)

    def describe_stream(self, stream_id: str, inclusive_start_shard_id: str | None = None,
                        shard_limit: int | None = None) -> StreamDescription:
        """One page of the stream's shards, from ``inclusive_start_shard_id``."""
        return self._request_helper("DescribeStream", stream_id, inclusive_start_shard_id, shard_limit)

    def iter_stream_shards(self, stream_id: str,
                           shard_limit: int | None = None) -> Iterator[StreamShard]:
        """All shards of the stream, following ``next_shard_id`` from page to page."""
        start = None
        while True:
            page = self.describe_stream(stream_id, start, shard_limit)
            yield from page.shards
            if page.next_shard_id is None:
                return
            start = page.next_shard_id

    def get_shard_iterator(self, stream_id: str, shard_id: str, timestamp_us: int | None = None) -> str:
        """An iterator at the start of the shard's retained data, or at ``timestamp_us`` (µs since
        the epoch). Follows ``next_token`` with the same timestamp until positioning completes."""
        token = None
        while True:
            iterator, token = self._request_helper("GetShardIterator", stream_id, shard_id,
                                                   timestamp_us, token)
            if token is None:
                return iterator

    def get_stream_record(self, shard_iterator: str, limit: int | None = None) -> StreamRecordBatch:
        """Up to ``limit`` records from ``shard_iterator`` and the iterator to continue from
        (None once the shard is finished)."""
        return self._request_helper("GetStreamRecord", shard_iterator, limit)
