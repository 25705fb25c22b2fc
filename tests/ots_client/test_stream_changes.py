"""The lean stream-record decoder against the checking one (``codec.decode_stream_record``).

Records are built with the independent writer of ``test_plainbuffer``, plus 30 records the local
Tablestore server answered (``tests/fixtures/tablestore/getstreamrecord_changes.bin``: puts,
updates with a put, a one-version and an all-versions delete, and row deletes).
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest

from tablestore_channels.ots_client import ots_api_pb2 as pb
from tablestore_channels.ots_client import stream_changes
from tablestore_channels.ots_client.codec import decode_stream_record
from tablestore_channels.ots_client.plainbuffer import PlainBufferError
from tablestore_channels.ots_client.stream_changes import StreamRecordTuple, decode_change, decode_changes
from tablestore_channels.plugins.otsstreamreader import output_records
from tests.ots_client.test_plainbuffer import (
    HEADER,
    PK,
    SEQ,
    V_INF_MAX,
    V_INF_MIN,
    cell,
    extension,
    record,
    row,
    seq_info,
    v_blob,
    v_bool,
    v_double,
    v_int,
    v_str,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "tablestore" / "getstreamrecord_changes.bin"


def same(message) -> StreamRecordTuple:
    """The lean decoding of ``message``, checked field by field against the checking one."""
    fast, checked = decode_changes([message])[0], decode_stream_record(message)
    assert fast.action is checked.action
    assert fast.primary_key == checked.primary_key
    assert [type(v) for _, v in fast.primary_key] == [type(v) for _, v in checked.primary_key]
    assert fast.key == tuple(bytes(v) if isinstance(v, bytearray) else v for _, v in checked.primary_key)
    assert [tuple(c) for c in fast.columns] == [
        (c.name, bytes(c.value) if isinstance(c.value, bytearray) else c.value, c.cell_type, c.timestamp_ms)
        for c in checked.columns]
    assert fast.sequence_info == tuple(vars(checked.sequence_info).values())
    assert [tuple(c) for c in fast.origin_columns] == [tuple(vars(c).values()) for c in checked.origin_columns]
    for page in (lambda: output_records.MultiVersionPage(False), lambda: output_records.MultiVersionPage(True),
                 lambda: output_records.SingleVersionPage(["id", "name", "i", "s", "bin", "a", "missing"])):
        assert taken(page(), fast) == taken(page(), checked)
    return fast


def taken(page: output_records.OutputPage, record) -> list[tuple]:
    page.add([record], "shard-1")
    return list(page.take())


def test_every_value_type_and_cell_op():
    data = [cell("i", v_int(-5), ts=1000), cell("d", v_double(2.5), ts=1001), cell("b", v_bool(True), ts=1002),
            cell("s", v_str("x, \"y\"\n"), ts=1003), cell("bin", v_blob(b"\x00\xff"), ts=1004),
            cell("e", v_str(""), ts=1005)]
    put = same(record(1, data))
    assert put.cells[4] == ("bin", 1004, b"\x00\xff", "U")
    update = same(record(2, [cell("a", v_str("new"), ts=20), cell("b", op=3, ts=15), cell("c", op=1)],
                         origin=HEADER + row(PK, [cell("a", v_str("old"), ts=10)])))
    assert update.cells == [("a", 20, "new", "U"), ("b", 15, None, "DO"), ("c", None, None, "DA")]
    assert update.origin_columns[0].value == "old"


def test_row_deletes_with_and_without_marker():
    for delete in (True, False):
        assert same(record(3, None, delete=delete)).cells == []


def test_binary_and_infinite_keys_and_unknown_extensions():
    pk = [cell("a", v_blob(b"k")), cell("b", V_INF_MIN), cell("c", V_INF_MAX)]
    ext = extension(b"\x20" + struct.pack("<I", 3) + b"abc", seq_info(1, 2, 3, extra=b"\x30\x00"))
    message = pb.GetStreamRecordResponse.StreamRecord(action_type=1, record=HEADER + row(pk, [
        cell("x", v_int(1), ts=5)], ext=ext))
    fast = decode_change(message)
    assert fast.primary_key[0] == ("a", bytearray(b"k")) and fast.key[0] == b"k"
    assert fast.sequence_info == (1, 2, 3)


def test_records_the_local_server_answered():
    message = pb.GetStreamRecordResponse.FromString(FIXTURE.read_bytes())
    decoded = [same(r) for r in message.stream_records]
    assert {r.action.name for r in decoded} == {"PUT", "UPDATE", "DELETE"}
    assert {op for r in decoded for *_, op in r.cells} == {"U", "DO", "DA"}


@pytest.mark.parametrize("message, error", [
    (record(1, [cell("a", op=7, ts=1)]), "unknown cell type 0x07"),
    (record(1, [cell("a", v_int(1))]), "lacks value or timestamp"),
    (record(2, [cell("a", op=3)]), "lacks the timestamp"),
    (pb.GetStreamRecordResponse.StreamRecord(action_type=1, record=HEADER + row(PK)), "lacks its sequence info"),
    (pb.GetStreamRecordResponse.StreamRecord(action_type=1, record=(HEADER + row(PK, ext=SEQ))[:-1]),
     "checksum and the end|truncated"),
    (pb.GetStreamRecordResponse.StreamRecord(action_type=1, record=(HEADER + row(PK, ext=SEQ))[:30]), "truncated"),
    (pb.GetStreamRecordResponse.StreamRecord(action_type=1, record=struct.pack("<I", 0x76) + row(PK, ext=SEQ)),
     "missing header"),
    (record(1, [cell("s", (0x03, struct.pack("<I", 2) + b"\xff\xfe"), ts=1)]), "not UTF-8"),
    (record(1, [cell("d", (0x01, b"\x00" * 4), ts=1)]), "not allowed|length prefix"),
])
def test_malformed_records_raise(message, error):
    with pytest.raises(PlainBufferError, match=error):
        decode_change(message)


# ---- layouts as patterns: the records after the first of a layout -----------------------------

@pytest.fixture
def learned(monkeypatch):
    """Fresh layout caches; the records each layout's pattern decoded, counted."""
    monkeypatch.setattr(stream_changes, "_TEMPLATES", {})
    monkeypatch.setattr(stream_changes, "_LAST", {})
    counted = {"patterns": 0}
    init = stream_changes._Template.__init__

    def counting_init(self, *args):
        init(self, *args)
        decode = self.decode

        def counting(data):
            change = decode(data)
            counted["patterns"] += change is not None
            return change

        self.decode = counting

    monkeypatch.setattr(stream_changes._Template, "__init__", counting_init)
    return counted


def test_records_of_a_learned_layout_decode_by_its_pattern_alike(learned):
    values = [("", b""), ("short", b"\x00"), ("x, \"y\"\n" * 40, bytes(range(256))), ("héllo", b"\x07\x0a")]
    puts = [record(1, [cell("i", v_int(n - 2), ts=1000 + n), cell("d", v_double(n / 3), ts=1000),
                       cell("b", v_bool(n % 2 == 1), ts=n), cell("s", v_str(text), ts=5),
                       cell("bin", v_blob(blob), ts=6)]) for n, (text, blob) in enumerate(values)]
    updates = [record(2, [cell("a", v_str(f"v{n}"), ts=20 + n), cell("b", op=3, ts=15), cell("c", op=1)])
               for n in range(3)]
    deletes = [record(3, None, delete=True) for _ in range(3)]
    for message in [*puts, *updates, *deletes]:
        same(message)
    # all but the first of each layout, and each first once more (a pattern is checked on its record)
    assert learned["patterns"] == (3 + 2 + 2) + 3


def test_a_body_that_looks_like_the_rest_of_the_record_is_decoded_by_its_length(learned):
    # the bytes that follow a BLOB body here (timestamp, checksum, the next cell up to its body),
    # inside the body: the pattern's first match ends the body early, which its length refutes
    after = cell("s2", v_str("zz"), ts=7)[0][:-2 - 4]  # (the next cell's head, no body)
    mimic = b"ab\x07" + struct.pack("<q", 9) + b"\x0a\x00" + after[: after.index(b"\x05") + 10]
    layout = lambda blob, text: record(1, [cell("s1", v_blob(blob), ts=9), cell("s2", v_str(text), ts=7)])  # noqa: E731
    same(layout(b"plain", "zz"))
    message = layout(mimic, "zz")
    pattern = stream_changes._LAST[1]
    assert b"ab" in pattern.fullmatch(message.record).groups()  # the pattern takes it, the body cut short
    assert pattern.decode(message.record) is None  # which its length prefix refutes
    assert same(message).values == (mimic, "zz")  # decoded by the walk


def test_a_record_with_another_extension_is_decoded_by_the_walk(learned):
    ext = extension(b"\x20" + struct.pack("<I", 3) + b"abc", seq_info(1, 2, 3))
    message = pb.GetStreamRecordResponse.StreamRecord(action_type=1, record=HEADER + row(PK, [
        cell("x", v_int(1), ts=5)], ext=ext))
    same(message)
    same(message)
    assert learned["patterns"] == 0 and not stream_changes._LAST  # its pattern fails its own record


def test_a_layout_holding_a_nan_is_learned_too(learned):
    decoded = decode_changes([record(1, [cell("d", v_double(math.nan), ts=n)]) for n in range(3)])
    assert [math.isnan(change.values[0]) for change in decoded] == [True] * 3
    assert [change.timestamps for change in decoded] == [(0,), (1,), (2,)]
    assert learned["patterns"] == 1 + 2  # its pattern checked on the first, then the two others
