"""PlainBuffer decoding of stream records and split points, on hand-built buffers.

The buffers are checksummed with the SDK's own CRC-8 code, so the reader is checked against an
independent implementation of the documented layout.
"""

from __future__ import annotations

import struct

import pytest
from tablestore import INF_MAX, INF_MIN, CapacityUnit
from tablestore.plainbuffer.plain_buffer_builder import PlainBufferBuilder
from tablestore.plainbuffer.plain_buffer_crc8 import PlainBufferCrc8 as Crc

from tablestore_channels.ots_client import ots_api_pb2 as pb
from tablestore_channels.ots_client.codec import decode_split_points, decode_stream_record
from tablestore_channels.ots_client.models import (
    CellType,
    RecordAction,
    SequenceInfo,
    Split,
    StreamColumn,
)
from tablestore_channels.ots_client.plainbuffer import PlainBufferError, read_row, read_rows

HEADER = struct.pack("<I", 0x75)


# ---- a small independent writer ------------------------------------------------------------


def v_int(n: int) -> tuple[int, bytes]:
    return 0x00, struct.pack("<q", n)


def v_double(x: float) -> tuple[int, bytes]:
    return 0x01, struct.pack("<d", x)


def v_bool(b: bool) -> tuple[int, bytes]:
    return 0x02, bytes((int(b),))


def v_str(s: str) -> tuple[int, bytes]:
    raw = s.encode()
    return 0x03, struct.pack("<I", len(raw)) + raw


def v_blob(b: bytes) -> tuple[int, bytes]:
    return 0x07, struct.pack("<I", len(b)) + b


V_INF_MIN = (0x09, b"")
V_INF_MAX = (0x0A, b"")


def cell(name: str, value: tuple[int, bytes] | None = None, op: int | None = None,
         ts: int | None = None, *, crc_in_wire_order: bool = False, bad_crc: bool = False):
    """Wire bytes of one cell and its CRC (name, value, timestamp, op: the documented order)."""
    raw = name.encode()
    out = b"\x03\x04" + struct.pack("<I", len(raw)) + raw
    crc = Crc.crc_string(0, raw)
    if value is not None:
        vtype, body = value
        out += b"\x05" + struct.pack("<I", 1 + len(body)) + bytes((vtype,)) + body
        crc = Crc.crc_bytes(Crc.crc_int8(crc, vtype), body)
    if op is not None:
        out += b"\x06" + bytes((op,))
    if ts is not None:
        out += b"\x07" + struct.pack("<q", ts)
    if crc_in_wire_order and op is not None:
        crc = Crc.crc_int8(crc, op)
    if ts is not None:
        crc = Crc.crc_int64(crc, ts)
    if op is not None and not crc_in_wire_order:
        crc = Crc.crc_int8(crc, op)
    if bad_crc:
        crc ^= 0x5A
    return out + b"\x0a" + bytes((crc,)), crc


def seq_info(epoch: int, ts_us: int, row_index: int, *, extra: bytes = b"") -> bytes:
    body = (b"\x0d" + struct.pack("<I", epoch) + b"\x0e" + struct.pack("<q", ts_us)
            + b"\x0f" + struct.pack("<I", row_index) + extra)
    return b"\x0c" + struct.pack("<I", len(body)) + body


def extension(*parts: bytes) -> bytes:
    body = b"".join(parts)
    return b"\x0b" + struct.pack("<I", len(body)) + body


def row(pk, data=None, *, delete=False, ext=b"", bad_crc=False) -> bytes:
    """One row without header; the extension sits between the delete marker and the checksum."""
    out, crc = b"\x01", 0
    for raw, cell_crc in pk:
        out += raw
        crc = Crc.crc_int8(crc, cell_crc)
    if data is not None:
        out += b"\x02"
        for raw, cell_crc in data:
            out += raw
            crc = Crc.crc_int8(crc, cell_crc)
    if delete:
        out += b"\x08"
    crc = Crc.crc_int8(crc, 1 if delete else 0)
    if bad_crc:
        crc ^= 0x33
    return out + ext + b"\x09" + bytes((crc,))


SEQ = extension(seq_info(3, 1_700_000_000_123_456, 7))
PK = [cell("id", v_int(42)), cell("name", v_str("héllo"))]


def record(action: int, data, *, delete=False, origin: bytes = b""):
    return pb.GetStreamRecordResponse.StreamRecord(
        action_type=action, record=HEADER + row(PK, data, delete=delete, ext=SEQ), origin_record=origin)


# ---- rows -----------------------------------------------------------------------------------


def test_put_record_every_value_type():
    data = [
        cell("i", v_int(-5), ts=1000), cell("d", v_double(2.5), ts=1001),
        cell("b", v_bool(True), ts=1002), cell("s", v_str("x"), ts=1003),
        cell("bin", v_blob(b"\x00\xff"), ts=1004),
    ]
    rec = decode_stream_record(record(1, data))
    assert rec.action is RecordAction.PUT
    assert rec.primary_key == [("id", 42), ("name", "héllo")]
    assert rec.columns == [
        StreamColumn("i", -5, CellType.PUT, 1000), StreamColumn("d", 2.5, CellType.PUT, 1001),
        StreamColumn("b", True, CellType.PUT, 1002), StreamColumn("s", "x", CellType.PUT, 1003),
        StreamColumn("bin", bytearray(b"\x00\xff"), CellType.PUT, 1004),
    ]
    assert type(rec.columns[4].value) is bytearray
    assert rec.sequence_info == SequenceInfo(3, 1_700_000_000_123_456, 7)
    assert rec.origin_columns == []


def test_update_record_cell_types_and_origin_columns():
    data = [cell("a", v_str("new"), ts=20), cell("b", op=3, ts=15), cell("c", op=1)]
    origin = HEADER + row(PK, [cell("a", v_str("old"), ts=10)])
    rec = decode_stream_record(record(2, data, origin=origin))
    assert rec.action is RecordAction.UPDATE
    assert rec.columns == [
        StreamColumn("a", "new", CellType.PUT, 20),
        StreamColumn("b", None, CellType.DELETE_ONE_VERSION, 15),
        StreamColumn("c", None, CellType.DELETE_ALL_VERSION, None),
    ]
    assert rec.origin_columns == [StreamColumn("a", "old", CellType.PUT, 10)]


def test_delete_record_with_and_without_marker():
    for delete in (True, False):
        rec = decode_stream_record(record(3, None, delete=delete))
        assert rec.action is RecordAction.DELETE
        assert rec.primary_key == [("id", 42), ("name", "héllo")]
        assert rec.columns == []


def test_binary_and_infinite_primary_keys():
    pk = [cell("a", v_blob(b"k")), cell("b", V_INF_MIN), cell("c", V_INF_MAX)]
    parsed = read_row(HEADER + row(pk))
    assert parsed.primary_key == [("a", bytearray(b"k")), ("b", INF_MIN), ("c", INF_MAX)]
    assert parsed.sequence_info is None and not parsed.delete_marker


def test_reads_rows_the_sdk_writes():
    put = PlainBufferBuilder.serialize_for_put_row(
        [("pk", 1), ("pk2", bytearray(b"z"))], [("s", "v", 123), ("f", 1.5, 124), ("t", False, 125)])
    parsed = read_row(bytes(put))
    assert parsed.primary_key == [("pk", 1), ("pk2", bytearray(b"z"))]
    assert [(c.name, c.value, c.timestamp) for c in parsed.cells] == [
        ("s", "v", 123), ("f", 1.5, 124), ("t", False, 125)]
    deleted = read_row(bytes(PlainBufferBuilder.serialize_for_delete_row([("pk", 1)])))
    assert deleted.delete_marker and deleted.cells == []


def test_unknown_extension_and_longer_sequence_info_are_skipped():
    ext = extension(b"\x20" + struct.pack("<I", 3) + b"abc", seq_info(1, 2, 3, extra=b"\x30\x00"))
    assert read_row(HEADER + row(PK, ext=ext)).sequence_info == SequenceInfo(1, 2, 3)


# ---- checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "buffer, message",
    [
        (HEADER + row([cell("id", v_int(1), bad_crc=True)]), "checksum mismatch in cell 'id'"),
        (HEADER + row(PK, [cell("a", v_int(1), ts=5)], bad_crc=True), "row checksum mismatch"),
        # the checksum covers the timestamp before the op byte, unlike the wire order
        (HEADER + row(PK, [cell("a", op=3, ts=5, crc_in_wire_order=True)]),
         "checksum mismatch in cell 'a'"),
        (struct.pack("<I", 0x76) + row(PK), "missing header"),
        ((HEADER + row(PK))[:-2], "expected tag 0x09 .* end of buffer"),
        ((HEADER + row(PK))[:12], "truncated"),
        (HEADER + row(PK) + row(PK), "expected one row, found 2"),
        (HEADER + row([cell("id", v_double(1.0))]), "value type 0x01 not allowed"),
        (HEADER + row(PK, [cell("a", V_INF_MIN, ts=1)]), "value type 0x09 not allowed"),
    ],
    ids=["cell-crc", "row-crc", "crc-order", "header", "no-row-checksum", "truncated", "two-rows",
         "double-pk", "inf-attribute"],
)
def test_rejects_malformed_buffers(buffer, message):
    with pytest.raises(PlainBufferError, match=message):
        read_row(buffer)


def test_value_length_prefix_must_match():
    raw, _ = cell("id", v_int(1))
    broken = raw.replace(b"\x05" + struct.pack("<I", 9), b"\x05" + struct.pack("<I", 10))
    crc = Crc.crc_int8(0, raw[-1])
    with pytest.raises(PlainBufferError, match="length prefix 10"):
        read_rows(HEADER + b"\x01" + broken + b"\x09" + bytes((Crc.crc_int8(crc, 0),)))


def test_stream_record_needs_sequence_info_and_known_cell_types():
    bare = pb.GetStreamRecordResponse.StreamRecord(
        action_type=1, record=HEADER + row(PK, [cell("a", v_int(1), ts=1)]))
    with pytest.raises(PlainBufferError, match="sequence info"):
        decode_stream_record(bare)
    with pytest.raises(PlainBufferError, match="unknown cell type 0x04"):
        decode_stream_record(record(2, [cell("a", v_int(1), op=4, ts=1)]))
    with pytest.raises(PlainBufferError, match="lacks value or timestamp"):
        decode_stream_record(record(1, [cell("a", v_int(1))]))


# ---- split points ---------------------------------------------------------------------------


def split_response(points, locations) -> pb.ComputeSplitPointsBySizeResponse:
    message = pb.ComputeSplitPointsBySizeResponse(split_points=points)
    message.consumed.capacity_unit.read = 1
    for location, repeat in locations:
        message.locations.add(location=location, repeat=repeat)
    return message


SCHEMA = [("a", "INTEGER"), ("b", "STRING")]


def test_split_points_pad_with_inf_min_and_expand_locations():
    points = [HEADER + row([cell("a", v_int(10))]),
              HEADER + row([cell("a", v_int(20)), cell("b", v_str("m"))])]
    response = split_response(points, [("h1", 2), ("h2", 1)])
    result = decode_split_points(response, SCHEMA, CapacityUnit(1, 0))
    assert result.schema == SCHEMA
    assert result.splits == [
        Split([("a", INF_MIN), ("b", INF_MIN)], [("a", 10), ("b", INF_MIN)], "h1"),
        Split([("a", 10), ("b", INF_MIN)], [("a", 20), ("b", "m")], "h1"),
        Split([("a", 20), ("b", "m")], [("a", INF_MAX), ("b", INF_MAX)], "h2"),
    ]


def test_split_points_checks():
    whole = decode_split_points(split_response([], []), SCHEMA, CapacityUnit(0, 0))
    assert whole.splits == [
        Split([("a", INF_MIN), ("b", INF_MIN)], [("a", INF_MAX), ("b", INF_MAX)], None)]
    with pytest.raises(Exception, match="locations cover 3 split"):
        decode_split_points(split_response([], [("h", 3)]), SCHEMA, CapacityUnit(0, 0))
    with pytest.raises(Exception, match="does not match the schema"):
        wrong_column = split_response([HEADER + row([cell("b", v_str("x"))])], [])
        decode_split_points(wrong_column, SCHEMA, CapacityUnit(0, 0))
