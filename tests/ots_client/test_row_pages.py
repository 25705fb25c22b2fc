"""The one-pass GetRange page decoder against the checking reader (``plainbuffer``) and the SDK.

Pages are built with the independent writer of ``test_plainbuffer`` and the SDK's own
``PlainBufferBuilder``, plus 24 rows the local Tablestore server answered for the demo table
(``tests/fixtures/tablestore/getrange_demo_rows.bin``, a ``GetRangeResponse``).
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from tablestore import INF_MAX, INF_MIN, OTSClient
from tablestore.plainbuffer.plain_buffer_builder import PlainBufferBuilder
from tablestore.protobuf import table_store_pb2 as sdk_pb

from tablestore_channels.ots_client import row_pages
from tablestore_channels.ots_client.codec import ApiCodec
from tablestore_channels.ots_client.models import RowPage
from tablestore_channels.ots_client.plainbuffer import PlainBufferError, read_rows
from tablestore_channels.plugins.otsreader.config import Column
from tablestore_channels.plugins.otsreader.reader import RowRecords
from tests.ots_client.test_plainbuffer import (
    HEADER,
    SEQ,
    V_INF_MAX,
    V_INF_MIN,
    cell,
    row,
    v_blob,
    v_bool,
    v_double,
    v_int,
    v_str,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "tablestore" / "getrange_demo_rows.bin"


def reference(data: bytes) -> list[tuple[tuple[str, ...], tuple]]:
    """(names, values) of every row by the checking reader, BINARY as bytes."""
    out = []
    for parsed in read_rows(data):
        cells = [*parsed.primary_key, *((c.name, c.value) for c in parsed.cells)]
        out.append((tuple(n for n, _ in cells),
                    tuple(bytes(v) if isinstance(v, bytearray) else v for _, v in cells)))
    return out


def reading(index: int, **overrides) -> bytes:
    """A row of every value type, attribute cells with timestamps."""
    i = index
    values = {"b": v_bool(i % 2 == 0), "bin": v_blob(struct.pack("<q", i) * (i % 3)),
              "d": v_double(i / 7), "i": v_int(i - 3), "s": v_str(f"v{i}, \"quoted\"\n" * (i % 4)), **overrides}
    pk = [cell("id", v_str(f"dev-{i:03d}")), cell("n", v_int(i * 1000))]
    return row(pk, [cell(name, value, ts=1_700_000_000_000 + i) for name, value in values.items()
                    if value is not None])


def page(*rows: bytes) -> bytes:
    return HEADER + b"".join(rows)


def test_a_uniform_page_is_one_run_of_every_value_type():
    data = page(*(reading(i) for i in range(40)))
    runs = row_pages.decode_rows(data)
    assert len(runs) == 1 and len(runs[0]) == 40
    assert runs[0].names == ("id", "n", "b", "bin", "d", "i", "s")
    assert row_pages.row_values(data) == reference(data)
    assert {type(v) for v in runs[0].columns[3]} == {bytes}


def test_layouts_that_change_from_row_to_row():
    rows = [reading(0), reading(1, s=None), reading(2, s=None), reading(3, bin=None, d=None), reading(4),
            row([cell("id", v_str("x")), cell("n", v_int(1))]),  # no attribute columns
            row([cell("id", v_str("y")), cell("n", v_int(2))], [cell("only", v_str("z"))]),  # no timestamp
            reading(5)]
    data = page(*rows)
    assert row_pages.row_values(data) == reference(data)
    assert [len(run) for run in row_pages.decode_rows(data)] == [1, 2, 1, 1, 1, 1, 1]


def test_unicode_empty_and_large_values():
    data = page(reading(0, s=v_str(""), bin=v_blob(b"")), reading(1, s=v_str("héllo 你好 🙂" * 500)),
                reading(2, bin=v_blob(bytes(range(256)) * 300), i=v_int(-2**63), d=v_double(float("inf"))))
    assert row_pages.row_values(data) == reference(data)


def test_strings_with_nul_characters_and_a_run_of_texts_with_a_bad_one():
    # a run's strings are decoded as one text where no string holds a NUL
    data = page(*(reading(i, s=v_str("a\0b" if i == 3 else f"t{i}")) for i in range(6)))
    assert row_pages.row_values(data) == reference(data)
    bad = page(*(reading(i, s=v_str(f"t{i}")) for i in range(3)), reading(3, s=(0x03, struct.pack("<I", 2) + b"a\xc3")),
               reading(4, s=v_str("\x80")))
    with pytest.raises(PlainBufferError, match="not UTF-8"):
        row_pages.decode_rows(bad)


def test_a_body_that_looks_like_the_rest_of_its_row():
    # bytes inside a BLOB that read as its timestamp, checksum and the next cell's head: the
    # pattern's first guess of where the body ends is wrong, and the plain walk decides
    fake_tail = b"\x07" + bytes(8) + b"\x0a\x00" + b"\x03\x04\x01\x00\x00\x00d\x05\x09\x00\x00\x00\x01" + bytes(8)
    tricky = [reading(i, bin=v_blob(fake_tail * (1 + i % 2))) for i in range(6)]
    data = page(reading(7), *tricky, reading(8))
    assert row_pages.row_values(data) == reference(data)
    only_tricky = page(*tricky)
    assert row_pages.row_values(only_tricky) == reference(only_tricky)


def test_infinite_binary_keys_delete_markers_op_types_and_extensions():
    pk = [cell("a", v_blob(b"k")), cell("b", V_INF_MIN), cell("c", V_INF_MAX)]
    data = page(row(pk), row(pk, [cell("x", v_int(1), ts=5)]),
                row(pk, [cell("x", op=1), cell("y", op=3, ts=9), cell("z", v_str("s"), ts=10)]),
                row(pk, delete=True), row(pk, [cell("x", v_int(2), ts=6)], ext=SEQ), row(pk))
    assert row_pages.row_values(data) == reference(data)
    assert row_pages.row_values(data)[0] == (("a", "b", "c"), (b"k", INF_MIN, INF_MAX))


def test_rows_the_sdk_writes():
    rows = [bytes(PlainBufferBuilder.serialize_for_put_row(
        [("pk", i), ("pk2", bytearray(b"z"))], [("s", f"v{i}", 123), ("f", 1.5 * i, 124), ("t", i % 2 == 1, 125)]))[4:]
        for i in range(10)]
    data = page(*rows)
    assert row_pages.row_values(data) == reference(data)
    assert len(row_pages.decode_rows(data)) == 1


def test_rows_the_local_server_answered_match_the_sdk():
    message = sdk_pb.GetRangeResponse.FromString(FIXTURE.read_bytes())
    sdk_rows = OTSClient("http://127.0.0.1:1", "id", "secret", "instance").protocol.decoder.decode_response(
        "GetRange", FIXTURE.read_bytes(), "")[0][2]
    expected = [(tuple(n for n, *_ in r.primary_key + r.attribute_columns),
                 tuple(bytes(v) if isinstance(v, bytearray) else v for _, v, *_ in r.primary_key + r.attribute_columns))
                for r in sdk_rows]
    assert len(expected) == 24
    assert row_pages.row_values(message.rows) == expected == reference(message.rows)


def test_empty_page():
    assert row_pages.decode_rows(b"") == []


@pytest.mark.parametrize("data, message", [
    (struct.pack("<I", 0x76) + reading(0), "missing header"),
    (page(reading(0))[:-1], "row checksum"),
    (page(reading(0))[:40], "truncated|overruns"),
    (page(reading(0, s=(0x03, struct.pack("<I", 2) + b"\xff\xfe"))), "not UTF-8"),
    (page(reading(0), reading(1, s=(0x03, struct.pack("<I", 2) + b"\xff\xfe"))), "not UTF-8"),
])
def test_malformed_pages_raise(data, message):
    with pytest.raises(PlainBufferError, match=message):
        row_pages.decode_rows(data)


# ---- the GetRange answer and the export's records --------------------------------------------


def get_range_body(rows: bytes, next_start: bytes = b"") -> bytes:
    message = sdk_pb.GetRangeResponse(rows=rows, next_start_primary_key=next_start)
    message.consumed.capacity_unit.read = 1
    return message.SerializeToString()


def codec() -> ApiCodec:
    protocol = OTSClient("http://127.0.0.1:1", "id", "secret", "instance").protocol
    return ApiCodec(protocol.encoder, protocol.decoder)


def test_get_range_answer_is_the_sdks_with_rows_decoded_when_used():
    data = page(*(reading(i) for i in range(5)))
    body = get_range_body(data, page(row([cell("id", v_str("dev-005")), cell("n", v_int(5000))])))
    (consumed, next_start, rows, token), _ = codec().decode_get_range(body, "")
    sdk = OTSClient("http://127.0.0.1:1", "id", "secret", "instance").protocol.decoder
    (sdk_consumed, sdk_next, sdk_rows, sdk_token), _ = sdk.decode_response("GetRange", body, "")
    assert isinstance(rows, RowPage)
    assert (consumed.read, next_start, token) == (sdk_consumed.read, sdk_next, sdk_token)
    assert len(rows) == 5
    assert [(r.primary_key, r.attribute_columns) for r in rows] == [
        (r.primary_key, r.attribute_columns) for r in sdk_rows]
    assert rows[2].attribute_columns == sdk_rows[2].attribute_columns
    (_, no_next, empty, _), _ = codec().decode_get_range(get_range_body(b""), "")
    assert no_next is None and len(empty) == 0 and empty.runs() == []


def test_export_records_from_runs_equal_those_from_sdk_rows():
    rows = [reading(i) for i in range(12)] + [reading(12, s=None), reading(13, d=None)]
    (_, _, page_rows, _), _ = codec().decode_get_range(get_range_body(page(*rows)), "")
    columns = [Column(name="s"), Column(name="id"), Column(constant="c"), Column(name="bin"),
               Column(name="missing"), Column(name="d"), Column(name="b"), Column(name="n")]
    declared = {"id": "STRING", "n": "INTEGER", "s": "STRING", "d": "DOUBLE", "b": "BOOLEAN"}
    fast = RowRecords(columns, declared)(page_rows)
    slow = RowRecords(columns, declared)(list(page_rows))  # the SDK's Row objects
    assert fast == slow and len(fast) == 14
    assert all(type(record) is tuple for record in fast)
