"""The Tablestore API as data: each API name (the request path, ``POST /<ApiName>``) and the
function in :mod:`localcloud.tablestore.responses` that answers it. An API missing here is refused
as not supported by localcloud (:mod:`localcloud.tablestore.handler`)."""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.message import Message

from localcloud.tablestore import responses
from localcloud.tablestore.models import TablestoreState

ROUTES: dict[str, Callable[[TablestoreState, bytes], Message]] = {
    "CreateTable": responses.create_table,
    "DeleteTable": responses.delete_table,
    "ListTable": responses.list_table,
    "DescribeTable": responses.describe_table,
    "UpdateTable": responses.update_table,
    "PutRow": responses.put_row,
    "UpdateRow": responses.update_row,
    "DeleteRow": responses.delete_row,
    "GetRow": responses.get_row,
    "BatchGetRow": responses.batch_get_row,
    "BatchWriteRow": responses.batch_write_row,
    "GetRange": responses.get_range,
    "ComputeSplitPointsBySize": responses.compute_split_points_by_size,
    "ListStream": responses.list_stream,
    "DescribeStream": responses.describe_stream,
    "GetShardIterator": responses.get_shard_iterator,
    "GetStreamRecord": responses.get_stream_record,
    "ListSearchIndex": responses.list_search_index,
}
