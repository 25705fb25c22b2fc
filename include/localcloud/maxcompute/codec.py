"""Tunnel data streams <-> Arrow tables, with pyodps's own readers and writers.

Record stream: protobuf fields per record, a CRC32C per record, then the record count and a
checksum of the checksums. pyodps decodes it (``TunnelRecordReader``) and encodes it
(``BaseRecordWriter``); both verify or compute every checksum. DATETIME, DATE and TIMESTAMP travel
as plain integers (milliseconds, days, seconds + nanoseconds), so the codecs read and write them
as the wire-identical BIGINT / INTERVAL_DAY_TIME: the stored value is exactly what was sent, free
of the server's time zone.

Arrow stream: a big-endian uint32 chunk size, then the IPC record-batch messages cut into chunks,
each followed by its CRC32C, and at the end the CRC32C of all data. pyodps's
``ArrowStreamReader`` verifies uploads; downloads are framed here the same way (pyodps's Arrow
writer needs pandas for a type check, which this server does not require).
"""

from __future__ import annotations

import io
import struct
import zlib
from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa
from odps import types as odps_types
from odps.config import option_context
from odps.models import Record
from odps.tunnel.checksum import Checksum
from odps.tunnel.io.reader import ArrowStreamReader, TunnelRecordReader
from odps.tunnel.io.writer import BaseRecordWriter

from localcloud.maxcompute.errors import MaxComputeError
from localcloud.maxcompute.schema import Column

ARROW_CHUNK_SIZE = 65536


def decompress(body: bytes, encoding: str | None) -> bytes:
    """Undo a request's ``Content-Encoding`` (pyodps sends ``deflate`` with zlib compression)."""
    if not encoding or encoding.lower() == "identity":
        return body
    if encoding.lower() == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            try:
                return zlib.decompress(body, -zlib.MAX_WBITS)
            except zlib.error as exc:
                raise MaxComputeError("MalformedDataStream", f"the deflate body is corrupt: {exc}") from exc
    raise MaxComputeError("UnsupportedEncoding", f"Content-Encoding {encoding!r} is not supported; "
                          "use no compression or deflate (zlib)")


def wire_type(data_type: odps_types.DataType) -> odps_types.DataType:
    """The type whose encoding equals ``data_type``'s and whose values are raw integers."""
    if isinstance(data_type, (odps_types.Datetime, odps_types.Date)):
        return odps_types.bigint
    if isinstance(data_type, (odps_types.Timestamp, odps_types.TimestampNTZ)):
        return odps_types.interval_day_time
    if isinstance(data_type, odps_types.Array):
        return odps_types.Array(wire_type(data_type.value_type))
    if isinstance(data_type, odps_types.Map):
        return odps_types.Map(wire_type(data_type.key_type), wire_type(data_type.value_type))
    if isinstance(data_type, odps_types.Struct):
        return odps_types.Struct([(k, wire_type(v)) for k, v in data_type.field_types.items()])
    return data_type


def _wire_schema(columns: list[Column]) -> odps_types.OdpsSchema:
    return odps_types.OdpsSchema([odps_types.Column(c.name, wire_type(c.odps_type)) for c in columns])


def _to_storage(value, data_type: odps_types.DataType):
    """A decoded wire value as pyarrow accepts it for the column's storage type."""
    if value is None:
        return None
    if isinstance(data_type, (odps_types.Timestamp, odps_types.TimestampNTZ)):
        return value.value  # pandas Timedelta of (seconds, nanoseconds) -> epoch nanoseconds
    if isinstance(data_type, odps_types.Decimal):
        scale = data_type.scale if data_type.scale is not None else odps_types.Decimal._default_scale
        return Decimal(value).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if isinstance(data_type, odps_types.Array):
        return [_to_storage(v, data_type.value_type) for v in value]
    if isinstance(data_type, odps_types.Map):
        return [(_to_storage(k, data_type.key_type), _to_storage(v, data_type.value_type))
                for k, v in value.items()]
    if isinstance(data_type, odps_types.Struct):
        items = value.items() if isinstance(value, dict) else zip(data_type.field_types, value)
        return {k: _to_storage(v, data_type.field_types[k]) for k, v in items}
    return value


def _from_storage(value, data_type: odps_types.DataType):
    """A stored value (integers for times) as the record writer takes it for the wire type."""
    if value is None:
        return None
    if isinstance(data_type, (odps_types.Timestamp, odps_types.TimestampNTZ)):
        try:
            import pandas as pd
        except ImportError:
            raise MaxComputeError("InvalidArgument", "reading TIMESTAMP columns as records needs "
                                  "pandas (as pyodps does); read them with the Arrow reader") from None
        return pd.Timedelta(nanoseconds=value)
    if isinstance(data_type, odps_types.Array):
        return [_from_storage(v, data_type.value_type) for v in value]
    if isinstance(data_type, odps_types.Map):
        return {_from_storage(k, data_type.key_type): _from_storage(v, data_type.value_type)
                for k, v in value}
    if isinstance(data_type, odps_types.Struct):
        return {k: _from_storage(value[k], t) for k, t in data_type.field_types.items()}
    return value


def _integer_storage_type(arrow_type: pa.DataType) -> pa.DataType:
    """The storage type with times as integers (what ``to_pylist`` should give the writer)."""
    if pa.types.is_timestamp(arrow_type):
        return pa.int64()
    if pa.types.is_date32(arrow_type):
        return pa.int32()
    if pa.types.is_map(arrow_type):
        return pa.map_(_integer_storage_type(arrow_type.key_type), _integer_storage_type(arrow_type.item_type))
    if pa.types.is_list(arrow_type):
        return pa.list_(_integer_storage_type(arrow_type.value_type))
    if pa.types.is_struct(arrow_type):
        return pa.struct([pa.field(f.name, _integer_storage_type(f.type)) for f in arrow_type])
    return arrow_type


def decode_records(columns: list[Column], body: bytes) -> pa.Table:
    """Decode and verify a record stream block; raise MalformedDataStream if it is corrupt."""
    served = []

    def stream_creator(cursor, row_number=None, raw_size=None):
        if served:  # a re-read would replay the block from its start: fail instead
            raise MaxComputeError("MalformedDataStream", "the record stream could not be decoded")
        served.append(cursor)
        return io.BytesIO(body)

    values: list[list] = [[] for _ in columns]
    try:
        with option_context() as options:
            # One pass over the body: no re-reads, and a stream without its footer is an error.
            options.retry_times, options.retry_delay = 0, 0
            options.tunnel.require_stream_footer = True
            reader = TunnelRecordReader(_wire_schema(columns), stream_creator)
            while (record := reader.read()) is not None:
                for i, value in enumerate(record.values):
                    values[i].append(value)
            # The C decoder reads a cut-off final varint past the end: check it stopped exactly there.
            if reader.n_bytes != len(body):
                raise MaxComputeError("MalformedDataStream", f"the record stream is truncated or has "
                                      f"trailing bytes ({reader.n_bytes} of {len(body)} bytes decoded)")
    except MaxComputeError:
        raise
    except Exception as exc:  # pyodps raises ChecksumError, IOError, DecodeError, ...
        raise MaxComputeError("MalformedDataStream", f"the record stream is corrupt or does not "
                              f"match the table schema: {type(exc).__name__}: {exc}") from exc
    return _arrow_table(columns, values)


def _arrow_table(columns: list[Column], values: list[list]) -> pa.Table:
    arrays = []
    for column, column_values in zip(columns, values):
        data_type = column.odps_type
        try:
            arrays.append(pa.array([_to_storage(v, data_type) for v in column_values], column.arrow_type))
        except (pa.ArrowException, ValueError, TypeError, ArithmeticError) as exc:
            raise MaxComputeError("MalformedDataStream", f"values of column {column.name} do not fit "
                                  f"its type {column.type}: {exc}") from exc
    return pa.Table.from_arrays(arrays, schema=pa.schema([pa.field(c.name, c.arrow_type) for c in columns]))


def encode_records(columns: list[Column], table: pa.Table) -> bytes:
    """Encode stored rows as a record stream (fields numbered in ``columns`` order)."""
    schema = _wire_schema(columns)
    lists = [table.column(c.name).cast(_integer_storage_type(c.arrow_type)).to_pylist() for c in columns]
    out = io.BytesIO()
    writer = BaseRecordWriter(schema, out)
    types = [c.odps_type for c in columns]
    for row in zip(*lists):
        writer.write(Record(schema=schema, values=[_from_storage(v, t) for v, t in zip(row, types)]))
    writer.close()
    return out.getvalue()


def decode_arrow(columns: list[Column], body: bytes) -> pa.Table:
    """Decode and verify an Arrow stream block (CRC per chunk and over all data)."""
    schema = pa.schema([pa.field(c.name, c.arrow_type) for c in columns])
    try:
        stream = pa.ipc.open_stream(ArrowStreamReader(io.BytesIO(body), schema))
        table = stream.read_all()
    except Exception as exc:  # ChecksumError, DecodeError, ArrowInvalid, ...
        raise MaxComputeError("MalformedDataStream", f"the arrow stream is corrupt or does not match "
                              f"the table schema: {type(exc).__name__}: {exc}") from exc
    return table.cast(schema)


def encode_arrow(table: pa.Table, chunk_size: int = ARROW_CHUNK_SIZE) -> bytes:
    """Frame ``table``'s record batches as the tunnel's Arrow download stream."""
    data = b"".join(batch.serialize().to_pybytes() for batch in table.to_batches())
    out = [struct.pack("!I", chunk_size)]
    total = Checksum()
    for pos in range(0, len(data), chunk_size):
        chunk = data[pos:pos + chunk_size]
        out.append(chunk)
        total.update(chunk)
        if len(chunk) == chunk_size:
            crc = Checksum()
            crc.update(chunk)
            out.append(struct.pack("!I", crc.getvalue()))
    out.append(struct.pack("!I", total.getvalue()))
    return b"".join(out)
