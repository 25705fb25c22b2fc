"""Unit tests of the local Tablestore's PlainBuffer codec and sort keys (pure logic)."""

from __future__ import annotations

import pytest
from tablestore.metadata import INF_MAX as SDK_INF_MAX
from tablestore.metadata import INF_MIN as SDK_INF_MIN
from tablestore.plainbuffer.plain_buffer_builder import PlainBufferBuilder
from tablestore.plainbuffer.plain_buffer_coded_stream import PlainBufferCodedInputStream
from tablestore.plainbuffer.plain_buffer_stream import PlainBufferInputStream

from localcloud.tablestore import plainbuffer as pb
from localcloud.tablestore.errors import OTSError
from localcloud.tablestore.keys import decode_key, encode_key, first_key_value


def test_put_row_from_the_sdk_decodes_and_reencodes_byte_exact():
    data = bytes(PlainBufferBuilder.serialize_for_put_row(
        [("a", 1), ("b", "x"), ("c", bytearray(b"\x00z"))],
        [("s", "v"), ("i", -5, 1234), ("f", 1.5), ("t", True), ("bin", bytearray(b"qq"))]))
    row = pb.decode_row(data)
    assert row.primary_key == [("a", 1), ("b", "x"), ("c", b"\x00z")]
    assert [(c.name, c.value, c.timestamp) for c in row.cells] == [
        ("s", "v", None), ("i", -5, 1234), ("f", 1.5, None), ("t", True, None), ("bin", b"qq", None)]
    assert pb.encode_buffer([row]) == data


def test_update_cell_types_and_inf_keys():
    data = bytes(PlainBufferBuilder.serialize_for_update_row(
        [("a", 1)], {"PUT": [("x", 1)], "DELETE": [("y", None, 55)], "DELETE_ALL": ["z"]}))
    row = pb.decode_row(data)
    assert [(c.name, c.value, c.op, c.timestamp) for c in row.cells] == [
        ("x", 1, pb.PUT, None), ("y", None, pb.DELETE_ONE_VERSION, 55), ("z", None, pb.DELETE_ALL_VERSION, None)]
    assert pb.encode_buffer([row]) == data
    keys = bytes(PlainBufferBuilder.serialize_primary_key([("a", SDK_INF_MIN), ("b", SDK_INF_MAX)]))
    assert pb.decode_row(keys).primary_key == [("a", pb.INF_MIN), ("b", pb.INF_MAX)]


def test_stream_record_extension_roundtrip_and_sdk_reads_rows_we_write():
    record = pb.PlainRow([("id", 7)], [pb.Cell("c", "v", pb.PUT, 10), pb.Cell("d", None, pb.DELETE_ALL_VERSION)],
                         sequence=pb.SequenceInfo(0, 1_700_000_000_000_000, 3))
    data = pb.encode_buffer([record])
    assert data.count(b"\x0b\x18\x00\x00\x00\x0c\x13\x00\x00\x00") == 1  # 29-byte extension
    assert pb.decode_row(data) == record
    plain = pb.encode_buffer([pb.PlainRow([("id", 7)], [pb.Cell("c", "v", pb.PUT, 10)])])
    pk, attributes = PlainBufferCodedInputStream(PlainBufferInputStream(plain)).read_row()
    assert (pk, attributes) == ([("id", 7)], [("c", "v", 10)])


def test_zero_bytes_after_the_row_end_the_buffer():
    # The Node.js SDK sends its estimate-sized buffer with the unused tail zeroed.
    data = bytes(PlainBufferBuilder.serialize_for_put_row([("a", "key")], [("c", "value", 5)]))
    row = pb.decode_row(data + bytes(9))
    assert (row.primary_key, [(c.name, c.value, c.timestamp) for c in row.cells]) == ([("a", "key")], [("c", "value", 5)])


@pytest.mark.parametrize("damage", [
    lambda b: b + b"\x00\x00\x01",          # garbage after the row, not only zeros
    lambda b: b[:-1],                     # truncated
    lambda b: b[:-1] + bytes([b[-1] ^ 1]),  # row checksum
    lambda b: b"\x76" + b[1:],            # header
    lambda b: b[:12] + b"\xff" + b[13:],  # cell content under its checksum
])
def test_damaged_buffers_are_parameter_errors(damage):
    data = bytes(PlainBufferBuilder.serialize_for_put_row([("a", "key")], [("c", "value")]))
    with pytest.raises(OTSError) as info:
        pb.decode_row(damage(data))
    assert info.value.code == "OTSParameterInvalid"


def test_sort_keys_order_like_the_service():
    ordered = [
        (pb.INF_MIN,), (-(2 ** 63),), (-1,), (0,), (1,), (2 ** 63 - 1,), (pb.INF_MAX,),
    ]
    assert sorted(ordered, key=encode_key) == ordered
    strings = [("",), ("a",), ("a\x00",), ("a\x00b",), ("ab",), ("b",), ("\u00e9",)]
    assert sorted(reversed(strings), key=encode_key) == strings
    composite = [("a", pb.INF_MIN), ("a", 1), ("a", pb.INF_MAX), ("a\x00", pb.INF_MIN), ("b", 0)]
    assert sorted(reversed(composite), key=encode_key) == composite


@pytest.mark.parametrize("values,kinds", [
    ((-(2 ** 63),), [int]), ((2 ** 63 - 1, "a\x00b"), [int, str]), (("",), [str]),
    ((b"\x00\xff\x00", "é", 7), [bytes, str, int]), (("dev-00001", 1_780_000_000_000), [str, int]),
])
def test_sort_keys_decode_back(values, kinds):
    key = encode_key(values)
    assert decode_key(key, kinds) == values
    assert first_key_value(key, kinds[0]) == values[0]
