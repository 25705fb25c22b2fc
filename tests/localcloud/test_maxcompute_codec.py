"""The local MaxCompute's tunnel codec against pyodps: bytes pyodps writes decode with ours, bytes
ours writes decode with pyodps, for every column type the server stores, nulls included; damage
is refused as ``MalformedDataStream``, the service's code for a bad block."""

from __future__ import annotations

import datetime as dt
import io
import struct
import sys
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest
from odps import types as odps_types
from odps.config import option_context
from odps.models import Record
from odps.tunnel.io.reader import TunnelArrowReader, TunnelRecordReader
from odps.tunnel.io.writer import BaseArrowWriter, BaseRecordWriter

from localcloud.maxcompute import codec
from localcloud.maxcompute.errors import MaxComputeError
from localcloud.maxcompute.schema import Column
from localcloud.maxcompute.types import parse_type

UTC = dt.UTC
STAMP = pd.Timestamp("2024-05-06 07:08:09.123456789", tz="UTC")
OLD_STAMP = pd.Timestamp("1969-12-31 23:59:58.75", tz="UTC")  # negative seconds, positive nanos

# name: (type, values as pyodps writes them, the values the server stores: times as integers)
TYPES = {
    "c_bigint": ("bigint", [2**63 - 1, -(2**63), 0], [2**63 - 1, -(2**63), 0]),
    "c_int": ("int", [2**31 - 1, -(2**31), None], [2**31 - 1, -(2**31), None]),
    "c_smallint": ("smallint", [-300, None, 7], [-300, None, 7]),
    "c_tinyint": ("tinyint", [-128, 127, None], [-128, 127, None]),
    "c_double": ("double", [2.5, -0.0, None], [2.5, -0.0, None]),
    "c_float": ("float", [1.5, None, -3.25], [1.5, None, -3.25]),
    "c_boolean": ("boolean", [True, False, None], [True, False, None]),
    "c_string": ("string", ["héllo, 世界", "", None], ["héllo, 世界", "", None]),
    "c_varchar": ("varchar(10)", ["short", None, "x"], ["short", None, "x"]),
    "c_char": ("char(3)", ["abc", None, "xyz"], ["abc", None, "xyz"]),
    "c_binary": ("binary", [b"\x00\xff\x10", None, b""], [b"\x00\xff\x10", None, b""]),
    "c_datetime": ("datetime", [dt.datetime(2024, 3, 1, 12, 30, 5, 123000, tzinfo=UTC), None,
                                dt.datetime(1960, 1, 1, tzinfo=UTC)],
                   [1709296205123, None, -315619200000]),
    "c_date": ("date", [dt.date(2024, 2, 29), dt.date(1969, 12, 31), None], [19782, -1, None]),
    "c_timestamp": ("timestamp", [STAMP, None, OLD_STAMP], [STAMP.value, None, OLD_STAMP.value]),
    "c_timestamp_ntz": ("timestamp_ntz", [STAMP.tz_localize(None), None, None], [STAMP.value, None, None]),
    "c_decimal": ("decimal(10,2)", [Decimal("3.14"), Decimal("-0.5"), None],
                  [Decimal("3.14"), Decimal("-0.50"), None]),
    "c_decimal_default": ("decimal", [Decimal("12345678901234567890.123456789012345678"), None, Decimal(1)],
                          [Decimal("12345678901234567890.123456789012345678"), None,
                           Decimal("1.000000000000000000")]),
    "c_array": ("array<bigint>", [[1, None, 3], [], None], [[1, None, 3], [], None]),
    "c_map": ("map<string,datetime>", [{"k": dt.datetime(2020, 1, 1, tzinfo=UTC), "n": None}, None, {}],
              [[("k", 1577836800000), ("n", None)], None, []]),
    "c_struct": ("struct<x:bigint,y:string,t:timestamp>", [{"x": 1, "y": None, "t": STAMP}, None,
                                                           {"x": None, "y": "z", "t": None}],
                 [{"x": 1, "y": None, "t": STAMP.value}, None, {"x": None, "y": "z", "t": None}]),
    "c_nested": ("array<map<bigint,array<date>>>", [[{1: [dt.date(1970, 1, 2), None]}, None], None, []],
                 [[[(1, [1, None])], None], None, []]),
}
COLUMNS = [Column.create(name, type_) for name, (type_, _, _) in TYPES.items()]
ODPS_SCHEMA = odps_types.OdpsSchema([odps_types.Column(c.name, c.type) for c in COLUMNS])
ROWS = [list(row) for row in zip(*(written for _, written, _ in TYPES.values()))]
STORED = pa.table({c.name: pa.array(stored, c.arrow_type) for c, (_, _, stored) in zip(COLUMNS, TYPES.values())})


@pytest.fixture(autouse=True)
def utc_clients():
    """pyodps converts naive times with the local zone: pin it, and give structs as dicts."""
    with option_context() as options:
        options.local_timezone = "UTC"
        options.struct_as_dict = True
        yield


def pyodps_record_stream(rows: list[list], schema: odps_types.OdpsSchema = ODPS_SCHEMA) -> bytes:
    out = io.BytesIO()
    writer = BaseRecordWriter(schema, out)
    for row in rows:
        writer.write(Record(schema=schema, values=row))
    writer.close()
    return out.getvalue()


def pyodps_records(body: bytes) -> list[list]:
    reader = TunnelRecordReader(ODPS_SCHEMA, lambda *args, **kwargs: io.BytesIO(body))
    return [list(record.values) for record in reader]


def as_utc(value):
    """A pyodps-read value in a comparable form: times as UTC instants, structs as dicts."""
    if isinstance(value, pd.Timestamp):
        return value.tz_localize("UTC") if value.tz is None else value.tz_convert("UTC")
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if hasattr(value, "_asdict"):
        value = value._asdict()
    if isinstance(value, dict):
        return {as_utc(k): as_utc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_utc(v) for v in value]
    return value


def test_the_type_parser_agrees_with_pyodps():
    from odps.tunnel.io.types import odps_type_to_arrow_type

    for column in COLUMNS:
        pyodps_type = odps_types.validate_data_type(column.type)
        assert column.type == str(pyodps_type).lower().replace("`", "")
        assert column.arrow_type == odps_type_to_arrow_type(pyodps_type)
    assert str(parse_type("STRUCT< a : BIGINT, `b` : Array<Decimal(5, 2)> >")) == "struct<a:bigint,b:array<decimal(5,2)>>"


@pytest.mark.parametrize("text, fragment", [
    ("integer", "unknown column type"), ("array<>", "unknown column type"), ("varchar", "unknown column type"),
    ("varchar(70000)", "unknown column type"), ("decimal(0)", "unknown column type"),
    ("struct<a:int,a:int>", "unknown column type"), ("json", "not supported"), ("interval_day_time", "not supported"),
])
def test_the_type_parser_refuses_unknown_and_unsupported_types(text, fragment):
    with pytest.raises(MaxComputeError, match=fragment) as info:
        parse_type(text)
    assert info.value.code == "InvalidArgument"


def test_pyodps_record_uploads_decode_to_the_stored_values():
    assert codec.decode_records(COLUMNS, pyodps_record_stream(ROWS)).equals(STORED)


def test_record_downloads_decode_with_pyodps():
    body = codec.encode_records(COLUMNS, STORED)
    assert as_utc(pyodps_records(body)) == as_utc(ROWS)
    assert codec.decode_records(COLUMNS, body).equals(STORED)


def test_an_all_null_row_and_an_empty_block():
    empty = codec.encode_records(COLUMNS, STORED.slice(0, 0))
    assert empty == pyodps_record_stream([])
    assert codec.decode_records(COLUMNS, empty).num_rows == 0
    nulls = pyodps_record_stream([[None] * len(COLUMNS)])
    assert codec.encode_records(COLUMNS, codec.decode_records(COLUMNS, nulls)) == nulls


def test_positive_checksums_encode_to_the_bytes_pyodps_writes():
    # pyodps's C writer sends a checksum with its top bit set as a 10-byte varint, the protocol's
    # uint32 form is 5 bytes: rows whose checksums stay below 2**31 give identical bytes.
    column = [Column.create("id", "bigint")]
    schema = odps_types.OdpsSchema([odps_types.Column("id", "bigint")])
    body = pyodps_record_stream([[1], [None]], schema)  # checksums 0x532d1c4a, 0, footer 0x798aac7d
    assert codec.encode_records(column, pa.table({"id": pa.array([1, None], pa.int64())})) == body


def test_a_sign_extended_checksum_is_accepted():
    column = [Column.create("id", "bigint")]
    schema = odps_types.OdpsSchema([odps_types.Column("id", "bigint")])
    body = pyodps_record_stream([[-1]], schema)  # record checksum 0xde5e9820, sent in 10 bytes
    assert b"\xff\xff\xff\xff\x01" in body
    assert codec.decode_records(column, body).column("id").to_pylist() == [-1]


def _flip(body: bytes, index: int) -> bytes:
    return body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1:]


@pytest.mark.parametrize("damage, fragment", [
    (lambda b: _flip(b, b.index("héllo".encode()) + 2), "checksum of record 1 does not match"),
    (lambda b: b[:-1], "truncated"),
    (lambda b: b + b"\x00", "follow the footer"),
    (lambda b: b[:b.rindex(b"\xf8\xff\xff\x7f") + 4] + b"\x05", "footer does not match"),
    (lambda b: b[:b.rindex(b"\xf0\xff\xff\x7f")], "ends without its footer"),
])
def test_damaged_record_streams_are_refused(damage, fragment):
    body = pyodps_record_stream(ROWS)
    with pytest.raises(MaxComputeError, match=fragment) as info:
        codec.decode_records(COLUMNS, damage(body))
    assert (info.value.code, info.value.status) == ("MalformedDataStream", 400)


def test_a_record_with_more_columns_than_the_table_is_refused():
    wider = odps_types.OdpsSchema([odps_types.Column(c.name, c.type) for c in COLUMNS[:2]])
    with pytest.raises(MaxComputeError, match="unexpected field 2") as info:
        codec.decode_records(COLUMNS[:1], pyodps_record_stream([[1, 2]], wider))
    assert info.value.code == "MalformedDataStream"


# --- Arrow stream ------------------------------------------------------------------------------------
ARROW_COLUMNS = [c for c in COLUMNS if c.name != "c_nested"]  # pyodps's Arrow writer: one level of nesting


def pyodps_arrow_stream(table: pa.Table, chunk_size: int) -> bytes:
    schema = odps_types.OdpsSchema([odps_types.Column(c.name, c.type) for c in ARROW_COLUMNS])
    out = io.BytesIO()
    writer = BaseArrowWriter(schema, out, chunk_size=chunk_size)
    writer.write(table)
    writer.close()
    return out.getvalue()


@pytest.mark.parametrize("chunk_size", [64, 65536])
def test_pyodps_arrow_uploads_decode_to_the_stored_values(chunk_size):
    stored = STORED.select([c.name for c in ARROW_COLUMNS])
    assert codec.decode_arrow(ARROW_COLUMNS, pyodps_arrow_stream(stored, chunk_size)).equals(stored)


@pytest.mark.parametrize("chunk_size", [64, 65536])
def test_arrow_downloads_decode_with_pyodps(chunk_size):
    body = codec.encode_arrow(STORED, chunk_size=chunk_size)
    reader = TunnelArrowReader(ODPS_SCHEMA, lambda *args, **kwargs: io.BytesIO(body))
    got = reader.read()  # with its times in the local zone, UTC here
    assert got.cast(STORED.schema).equals(STORED.combine_chunks())


def test_an_arrow_stream_of_whole_chunks_ends_with_its_total_checksum():
    data_size = len(codec.encode_arrow(STORED, chunk_size=1 << 30)) - 8
    body = codec.encode_arrow(STORED, chunk_size=data_size // 2 if data_size % 2 == 0 else data_size)
    assert codec.decode_arrow(COLUMNS, body).equals(STORED)


@pytest.mark.parametrize("damage, fragment", [
    (lambda b: _flip(b, 10), "chunk 1 does not match"),
    (lambda b: _flip(b, len(b) - 10), "final checksum does not match"),
    (lambda b: b[:72], "final checksum is missing"),  # size, one whole chunk and its checksum
    (lambda b: struct.pack("!I", 0) + b[4:], "chunk size is 0"),
])
def test_damaged_arrow_streams_are_refused(damage, fragment):
    body = codec.encode_arrow(STORED, chunk_size=64)
    with pytest.raises(MaxComputeError, match=fragment) as info:
        codec.decode_arrow(COLUMNS, damage(body))
    assert (info.value.code, info.value.status) == ("MalformedDataStream", 400)


def test_arrow_batches_of_another_schema_are_refused():
    body = codec.encode_arrow(pa.table({"x": pa.array(["a", "b", "c"])}))
    with pytest.raises(MaxComputeError, match="does not match the table schema") as info:
        codec.decode_arrow([Column.create("id", "bigint")], body)
    assert info.value.code == "MalformedDataStream"


def test_the_server_codec_imports_nothing_of_pyodps():
    import subprocess

    code = ("import sys, localcloud.serve, localcloud.maxcompute.handler, localcloud.maxcompute.codec; "
            "print(sorted(m for m in sys.modules if m == 'odps' or m.startswith('odps.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
