"""The Tablestore API's responses: one function per operation, protobuf in and out (parse and
serialize only), the logic in :mod:`localcloud.tablestore.models`; :mod:`localcloud.tablestore.routes`
maps API names to them.

Table, split and stream messages come from the server's own ``messages.proto`` (the current
shapes); row messages from the SDK's bundled ``table_store_pb2`` (the same wire as the service).
"""

from __future__ import annotations

import math

import tablestore.protobuf.table_store_pb2 as sdk
from google.protobuf.message import DecodeError, Message

from localcloud.tablestore import messages_pb2 as api
from localcloud.tablestore import plainbuffer as pb
from localcloud.tablestore.errors import UNSUPPORTED_FILTERS, OTSError, invalid, unsupported
from localcloud.tablestore.models import RowWrite, TablestoreState
from localcloud.tablestore.table import MAX_COLUMNS_TO_GET, Options, ReadSpec, check_name

MAX_BATCH_WRITE_ROWS = 200
MAX_BATCH_WRITE_BYTES = 4 * 1024 * 1024
MAX_BATCH_GET_ROWS = 100
DEFAULT_SPLIT_UNIT = 100 * 1024 * 1024
DEFAULT_RECORD_LIMIT = 100
MAX_RECORD_LIMIT = 1000
SPLIT_LOCATION = "localcloud"

_PK_TYPE_NAMES = {api.INTEGER: "INTEGER", api.STRING: "STRING", api.BINARY: "BINARY"}
_PK_TYPE_ENUMS = {name: number for number, name in _PK_TYPE_NAMES.items()}
_WRITE_KINDS = {sdk.PUT: "PUT", sdk.UPDATE: "UPDATE", sdk.DELETE: "DELETE"}


# --- helpers ------------------------------------------------------------------------------
def _parse(message_class: type[Message], body: bytes) -> Message:
    message = message_class()
    try:
        message.ParseFromString(body)
    except DecodeError as exc:
        raise invalid(f"Failed to parse the request body as {message_class.__name__}: {exc}.") from None
    if not message.IsInitialized():
        missing = ", ".join(message.FindInitializationErrors())
        raise invalid(f"{message_class.__name__} lacks required field(s): {missing}.")
    return message


def _capacity(message, read_bytes: int = 0, write_bytes: int = 0) -> None:
    """Fill ConsumedCapacity: a CU per started 4 KB, at least one for the side used."""
    unit = message.capacity_unit
    unit.read = max(1, math.ceil(read_bytes / 4096)) if read_bytes or not write_bytes else 0
    unit.write = max(1, math.ceil(write_bytes / 4096)) if write_bytes else 0


def _value_size(value: object) -> int:
    if isinstance(value, bool):
        return 1
    if isinstance(value, (int, float)):
        return 8
    if isinstance(value, str):
        return len(value.encode())
    return len(value) if isinstance(value, (bytes, bytearray)) else 0


def data_size(row: pb.PlainRow) -> int:
    """A row's size as the service bills CUs: the names and values of its key and cells (an integer
    or double 8 bytes, a boolean 1, a string or binary its bytes), not the PlainBuffer size. Single
    row reads and writes bill it; a GetRange page bills its PlainBuffer size (decoding a 4 MB page
    to count it would slow every scan)."""
    return (sum(len(name.encode()) + _value_size(value) for name, value in row.primary_key)
            + sum(len(cell.name.encode()) + _value_size(cell.value) for cell in row.cells))


def _pk_buffer(pairs: list[tuple[str, object]]) -> bytes:
    return pb.encode_buffer([pb.PlainRow(pairs)])


def _primary_key(buf: bytes) -> list[tuple[str, object]]:
    return pb.decode_row(buf).primary_key


def _read_spec(columns_to_get, message) -> ReadSpec:
    """ReadSpec of GetRow / BatchGetRow / GetRange; rejects what this server does not do."""
    if message.filter:
        raise invalid(UNSUPPORTED_FILTERS)
    if message.HasField("start_column") or message.HasField("end_column"):
        raise unsupported("Wide-row reading (start_column/end_column)")
    if len(columns_to_get) > MAX_COLUMNS_TO_GET:
        raise invalid(f"The number of columns_to_get must not exceed {MAX_COLUMNS_TO_GET}.")
    for name in columns_to_get:
        check_name(name, "column")
    max_versions = message.max_versions if message.HasField("max_versions") else None
    if max_versions is not None and max_versions <= 0:
        raise invalid("max_versions must be greater than 0.")
    time_range = None
    if message.HasField("time_range"):
        tr = message.time_range
        if tr.HasField("specific_time"):
            time_range = (tr.specific_time, tr.specific_time + 1)
        else:
            time_range = (tr.start_time if tr.HasField("start_time") else 0,
                          tr.end_time if tr.HasField("end_time") else 2 ** 63 - 1)
            if time_range[0] >= time_range[1]:
                raise invalid("The start_time of time_range must be less than its end_time.")
    if max_versions is None and time_range is None:
        raise invalid("Either max_versions or time_range must be set.")
    return ReadSpec(frozenset(columns_to_get) or None, max_versions, time_range)


def _no_transaction(message) -> None:
    if message.HasField("transaction_id"):
        raise unsupported("Local transactions")


def _expectation(condition) -> int:
    if condition.column_condition:
        raise invalid(UNSUPPORTED_FILTERS)
    return condition.row_existence


def _wants_pk(message) -> bool:
    if not message.HasField("return_content"):
        return False
    kind = message.return_content.return_type
    if kind not in (sdk.RT_NONE, sdk.RT_PK):
        raise unsupported("ReturnType RT_AFTER_MODIFY")
    return kind == sdk.RT_PK


def _options(message) -> dict:
    fields = {"time_to_live": "time_to_live", "max_versions": "max_versions",
              "deviation_cell_version_in_sec": "deviation_seconds", "allow_update": "allow_update"}
    if message.HasField("update_full_row") and message.update_full_row:
        raise unsupported("TableOptions.update_full_row")
    return {ours: getattr(message, theirs) for theirs, ours in fields.items() if message.HasField(theirs)}


def _fill_options(message, options: Options) -> None:
    message.time_to_live = options.time_to_live
    message.max_versions = options.max_versions
    message.deviation_cell_version_in_sec = options.deviation_seconds
    message.allow_update = options.allow_update


def _fill_stream_details(message, stream) -> None:
    message.enable_stream = stream is not None
    if stream is not None:
        message.stream_id = stream.id
        message.expiration_time = stream.expiration_hours
        message.last_enable_time = stream.created_us


def _fill_throughput(message, table) -> None:
    message.capacity_unit.read = table.read_cu
    message.capacity_unit.write = table.write_cu
    message.last_increase_time = table.created_us // 1_000_000


def _stream_hours(spec) -> tuple[bool, int | None]:
    if spec.columns_to_get:
        raise unsupported("StreamSpecification.columns_to_get (origin records)")
    hours = spec.expiration_time if spec.HasField("expiration_time") else None
    if spec.enable_stream and hours is None:
        raise invalid("Enabling a stream needs an expiration_time (hours).")
    return spec.enable_stream, hours


# --- tables -------------------------------------------------------------------------------
def create_table(service: TablestoreState, body: bytes) -> Message:
    request = _parse(api.CreateTableRequest, body)
    meta = request.table_meta
    schema = []
    for column in meta.primary_key:
        if column.HasField("option"):
            raise unsupported(f"AUTO_INCREMENT primary key column {column.name!r}")
        schema.append((column.name, _PK_TYPE_NAMES[column.type]))
    if request.index_metas:
        raise unsupported("Secondary indexes")
    if request.HasField("sse_spec") and request.sse_spec.enable:
        raise unsupported("Server-side encryption")
    if request.enable_local_txn:
        raise unsupported("Local transactions")
    options = Options(**_options(request.table_options))
    stream_hours = None
    if request.HasField("stream_spec"):
        enabled, hours = _stream_hours(request.stream_spec)
        stream_hours = hours if enabled else None
    capacity = request.reserved_throughput.capacity_unit
    service.create_table(meta.table_name, schema, [(c.name, c.type) for c in meta.defined_column],
                         options, capacity.read, capacity.write, stream_hours)
    return api.CreateTableResponse()


def delete_table(service: TablestoreState, body: bytes) -> Message:
    service.delete_table(_parse(sdk.DeleteTableRequest, body).table_name)
    return sdk.DeleteTableResponse()


def list_table(service: TablestoreState, body: bytes) -> Message:
    _parse(sdk.ListTableRequest, body)
    return sdk.ListTableResponse(table_names=service.list_tables())


def describe_table(service: TablestoreState, body: bytes) -> Message:
    table, stream = service.describe(_parse(api.DescribeTableRequest, body).table_name)
    # Tables are usable as soon as CreateTable answers: always ACTIVE.
    response = api.DescribeTableResponse(creation_time=table.created_us, table_status=api.ACTIVE)
    response.table_meta.table_name = table.name
    for name, kind in table.schema:
        response.table_meta.primary_key.add(name=name, type=_PK_TYPE_ENUMS[kind])
    for name, kind in table.defined_columns:
        response.table_meta.defined_column.add(name=name, type=kind)
    _fill_throughput(response.reserved_throughput_details, table)
    _fill_options(response.table_options, table.options)
    _fill_stream_details(response.stream_details, stream)
    return response


def update_table(service: TablestoreState, body: bytes) -> Message:
    request = _parse(api.UpdateTableRequest, body)
    options = _options(request.table_options) if request.HasField("table_options") else {}
    capacity = (None, None)
    if request.HasField("reserved_throughput"):
        unit = request.reserved_throughput.capacity_unit
        capacity = (unit.read if unit.HasField("read") else None, unit.write if unit.HasField("write") else None)
    stream = _stream_hours(request.stream_spec) if request.HasField("stream_spec") else None
    table, new_stream = service.update_table(request.table_name, options, capacity, stream)
    response = api.UpdateTableResponse()
    _fill_throughput(response.reserved_throughput_details, table)
    _fill_options(response.table_options, table.options)
    _fill_stream_details(response.stream_details, new_stream)
    return response


# --- single rows --------------------------------------------------------------------------
def _write_one(service: TablestoreState, write: RowWrite, response: Message, wants_pk: bool) -> Message:
    outcome = service.write([write])[0]
    if isinstance(outcome, OTSError):
        raise outcome
    _capacity(response.consumed, write_bytes=max(1, data_size(write.row)))
    if wants_pk:
        response.row = _pk_buffer(write.row.primary_key)
    return response


def put_row(service: TablestoreState, body: bytes) -> Message:
    request = _parse(sdk.PutRowRequest, body)
    _no_transaction(request)
    write = RowWrite(request.table_name, "PUT", pb.decode_row(request.row), _expectation(request.condition))
    return _write_one(service, write, sdk.PutRowResponse(), _wants_pk(request))


def update_row(service: TablestoreState, body: bytes) -> Message:
    request = _parse(sdk.UpdateRowRequest, body)
    _no_transaction(request)
    write = RowWrite(request.table_name, "UPDATE", pb.decode_row(request.row_change), _expectation(request.condition))
    return _write_one(service, write, sdk.UpdateRowResponse(), _wants_pk(request))


def delete_row(service: TablestoreState, body: bytes) -> Message:
    request = _parse(sdk.DeleteRowRequest, body)
    _no_transaction(request)
    write = RowWrite(request.table_name, "DELETE", pb.decode_row(request.primary_key), _expectation(request.condition))
    return _write_one(service, write, sdk.DeleteRowResponse(), _wants_pk(request))


def get_row(service: TablestoreState, body: bytes) -> Message:
    request = _parse(sdk.GetRowRequest, body)
    _no_transaction(request)
    if request.HasField("token"):
        raise unsupported("Wide-row reading (token)")
    spec = _read_spec(request.columns_to_get, request)
    result = service.get_rows(request.table_name, [_primary_key(request.primary_key)], spec)[0]
    if isinstance(result, OTSError):
        raise result
    response = sdk.GetRowResponse(row=pb.HEADER_BYTES + result if result else b"")
    _capacity(response.consumed, read_bytes=data_size(pb.decode_row(response.row)) if response.row else 0)
    return response


# --- batches ------------------------------------------------------------------------------
def _no_duplicate_tables(tables) -> None:
    seen: set[str] = set()
    for table_request in tables:
        if table_request.table_name in seen:
            raise invalid(f"Duplicated table name: {table_request.table_name}.")
        seen.add(table_request.table_name)


def batch_get_row(service: TablestoreState, body: bytes) -> Message:
    request = _parse(sdk.BatchGetRowRequest, body)
    _no_duplicate_tables(request.tables)
    if not request.tables:  # a table without rows is answered with none
        raise invalid("No row specified in the request of BatchGetRow.")
    if sum(len(t.primary_key) for t in request.tables) > MAX_BATCH_GET_ROWS:
        raise invalid(f"Rows count exceeds the upper limit: {MAX_BATCH_GET_ROWS}.")
    response = sdk.BatchGetRowResponse()
    for table_request in request.tables:
        if table_request.token:
            raise unsupported("Wide-row reading (token)")
        spec = _read_spec(table_request.columns_to_get, table_request)
        keys = [_primary_key(buf) for buf in table_request.primary_key]
        table_response = response.tables.add(table_name=table_request.table_name)
        for result in service.get_rows(table_request.table_name, keys, spec):
            item = table_response.rows.add()
            if isinstance(result, OTSError):
                item.is_ok = False
                item.error.code, item.error.message = result.code, result.message
                continue
            item.is_ok = True
            item.row = pb.HEADER_BYTES + result if result else b""
            _capacity(item.consumed, read_bytes=data_size(pb.decode_row(item.row)) if item.row else 0)
    return response


def batch_write_row(service: TablestoreState, body: bytes) -> Message:
    if len(body) > MAX_BATCH_WRITE_BYTES:
        raise invalid(f"The total data size of BatchWriteRow exceeds {MAX_BATCH_WRITE_BYTES} bytes.")
    request = _parse(sdk.BatchWriteRowRequest, body)
    _no_transaction(request)
    _no_duplicate_tables(request.tables)
    if not request.tables:
        raise invalid("No row is specified in BatchWriteRow.")
    for table_request in request.tables:
        if not table_request.rows:
            raise invalid(f"No operation is specified for table: '{table_request.table_name}'.")
    if sum(len(t.rows) for t in request.tables) > MAX_BATCH_WRITE_ROWS:
        raise invalid(f"Rows count exceeds the upper limit: {MAX_BATCH_WRITE_ROWS}.")
    writes, shapes = [], []
    for table_request in request.tables:
        for row in table_request.rows:
            writes.append(RowWrite(table_request.table_name, _WRITE_KINDS[row.type],
                                   pb.decode_row(row.row_change), _expectation(row.condition)))
            shapes.append((_wants_pk(row), max(1, data_size(writes[-1].row))))
    outcomes = iter(service.write(writes))
    response = sdk.BatchWriteRowResponse()
    shape = iter(shapes)
    for table_request in request.tables:
        table_response = response.tables.add(table_name=table_request.table_name)
        for _ in table_request.rows:
            outcome, (wants_pk, size) = next(outcomes), next(shape)
            item = table_response.rows.add()
            if isinstance(outcome, OTSError):
                item.is_ok = False
                item.error.code, item.error.message = outcome.code, outcome.message
                continue
            item.is_ok = True
            _capacity(item.consumed, write_bytes=size)
            if wants_pk:
                item.row = _pk_buffer(list(zip(service.table(table_request.table_name).pk_names, outcome)))
    return response


# --- ranges and splits --------------------------------------------------------------------
def get_range(service: TablestoreState, body: bytes) -> Message:
    request = _parse(sdk.GetRangeRequest, body)
    _no_transaction(request)
    if request.HasField("token"):
        raise unsupported("Wide-row reading (token)")
    spec = _read_spec(request.columns_to_get, request)
    limit = request.limit if request.HasField("limit") else None
    if limit is not None and limit <= 0:
        raise invalid("The limit must be greater than 0.")
    rows, next_pk = service.get_range(
        request.table_name, _primary_key(request.inclusive_start_primary_key),
        _primary_key(request.exclusive_end_primary_key), request.direction == sdk.FORWARD, limit, spec)
    response = sdk.GetRangeResponse(rows=b"".join([pb.HEADER_BYTES, *rows]) if rows else b"")
    if next_pk is not None:
        response.next_start_primary_key = _pk_buffer(next_pk)
    _capacity(response.consumed, read_bytes=len(response.rows))
    return response


# The service's smallest unit; tests split tables of a few MiB.
MIN_SPLIT_UNIT = 1024 * 1024


def compute_split_points_by_size(service: TablestoreState, body: bytes) -> Message:
    request = _parse(api.ComputeSplitPointsBySizeRequest, body)
    unit = request.split_size_unit_in_byte if request.HasField("split_size_unit_in_byte") else DEFAULT_SPLIT_UNIT
    if request.split_size <= 0:
        raise invalid("split_size must be greater than 0.")
    if unit < MIN_SPLIT_UNIT:
        raise invalid(f"split_size_unit_in_byte must be at least {MIN_SPLIT_UNIT} (1 MiB).")
    limit = request.split_point_limit if request.HasField("split_point_limit") else None
    if limit is not None and limit <= 0:
        raise invalid("split_point_limit must be greater than 0.")
    table, points = service.split_points(request.table_name, request.split_size * unit, limit)
    response = api.ComputeSplitPointsBySizeResponse()
    _capacity(response.consumed, read_bytes=1)
    for name, kind in table.schema:
        response.schema.add(name=name, type=_PK_TYPE_ENUMS[kind])
    first_column = table.schema[0][0]
    response.split_points.extend(_pk_buffer([(first_column, value)]) for value in points)
    response.locations.add(location=SPLIT_LOCATION, repeat=len(points) + 1)
    return response


# --- streams ------------------------------------------------------------------------------
def list_stream(service: TablestoreState, body: bytes) -> Message:
    request = _parse(api.ListStreamRequest, body)
    table = request.table_name if request.HasField("table_name") else None
    response = api.ListStreamResponse()
    for stream in service.list_streams(table):
        response.streams.add(stream_id=stream.id, table_name=stream.table, creation_time=stream.created_us)
    return response


def describe_stream(service: TablestoreState, body: bytes) -> Message:
    request = _parse(api.DescribeStreamRequest, body)
    if request.HasField("shard_limit") and request.shard_limit <= 0:
        raise invalid("shard_limit must be greater than 0.")
    stream = service.describe_stream(request.stream_id)
    response = api.DescribeStreamResponse(
        stream_id=stream.id, expiration_time=stream.expiration_hours, table_name=stream.table,
        creation_time=stream.created_us, stream_status=api.STREAM_ACTIVE)
    shards = list(stream.shards.values())  # in id order, parents before children
    start = request.inclusive_start_shard_id if request.HasField("inclusive_start_shard_id") else None
    if start is not None:
        shards = [s for s in shards if s.id >= start]
    limit = request.shard_limit if request.HasField("shard_limit") else len(shards)
    for shard in shards[:limit]:
        item = response.shards.add(shard_id=shard.id)
        if shard.parent_id is not None:
            item.parent_id = shard.parent_id
        if shard.parent_sibling_id is not None:
            item.parent_sibling_id = shard.parent_sibling_id
    if len(shards) > limit:
        response.next_shard_id = shards[limit].id
    return response


def get_shard_iterator(service: TablestoreState, body: bytes) -> Message:
    request = _parse(api.GetShardIteratorRequest, body)
    timestamp = request.timestamp if request.HasField("timestamp") else None
    # The whole positioning is done in one call, so no next_token is ever returned.
    iterator = service.shard_iterator(request.stream_id, request.shard_id, timestamp)
    return api.GetShardIteratorResponse(shard_iterator=iterator)


def get_stream_record(service: TablestoreState, body: bytes) -> Message:
    request = _parse(api.GetStreamRecordRequest, body)
    limit = request.limit if request.HasField("limit") else DEFAULT_RECORD_LIMIT
    if not 0 < limit <= MAX_RECORD_LIMIT:
        raise invalid(f"limit must be in range [1, {MAX_RECORD_LIMIT}].")
    records, next_iterator, more = service.stream_records(request.shard_iterator, limit)
    response = api.GetStreamRecordResponse(may_more_record=more)
    for record in records:
        response.stream_records.add(action_type=record.action, record=record.data)
    if next_iterator is not None:
        response.next_shard_iterator = next_iterator
    _capacity(response.consumed, read_bytes=sum(len(r.data) for r in records))
    return response


def list_search_index(service: TablestoreState, body: bytes) -> Message:
    """No search index can be created here (CreateSearchIndex is refused), so a table has none."""
    request = _parse(api.ListSearchIndexRequest, body)
    if request.HasField("table_name"):
        service.table(request.table_name)
    return api.ListSearchIndexResponse()
