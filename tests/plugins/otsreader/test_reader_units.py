"""OTSReader's page converters: rows as the SDK returns them -> records, a page at a time."""

from __future__ import annotations

from tablestore.metadata import Row

from tablestore_channels.plugins.otsreader.config import Column
from tablestore_channels.plugins.otsreader.reader import RowRecords

DECLARED = {"k": "STRING", "n": "INTEGER", "blob": "BINARY", "x": "DOUBLE"}


def row(pk: list, attrs: list) -> Row:
    return Row(pk, [(name, value, 1) for name, value in attrs])


def test_rows_of_any_layout_become_records_of_the_columns_with_immutable_binaries():
    convert = RowRecords((Column(name="k"), Column(name="blob"), Column(name="extra"), Column(name="x")), DECLARED)
    page = [row([("k", "a"), ("n", 1)], [("blob", bytearray(b"\x00")), ("extra", bytearray(b"e")), ("x", 1.5)]),
            row([("k", "b"), ("n", 2)], [("x", 2.5), ("blob", bytearray(b"\x01"))]),  # another order, no extra
            row([("k", "c"), ("n", 3)], [("blob", bytearray(b"\x02")), ("extra", "text"), ("x", 3.5)])]
    records = convert(page)
    assert records == [("a", b"\x00", b"e", 1.5), ("b", b"\x01", None, 2.5), ("c", b"\x02", "text", 3.5)]
    assert not any(isinstance(value, bytearray) for record in records for value in record)
    assert len(convert.layouts) == 2  # the first and the third row share a layout
    assert convert([row([("k", "d"), ("n", 4)], [("blob", bytearray(b"\x03")), ("x", 4.5)])]) == [
        ("d", b"\x03", None, 4.5)]


def test_constants_keep_their_place_and_a_single_column_is_a_one_value_record():
    page = [row([("k", "a"), ("n", 1)], [("x", 0.5)])]
    assert RowRecords((Column(constant="c"), Column(name="n")), DECLARED)(page) == [("c", 1)]
    assert RowRecords((Column(name="k"),), DECLARED)(page) == [("a",)]


def test_a_later_duplicate_name_wins_as_in_a_dict():
    page = [row([("k", "a"), ("n", 1)], [("x", 0.5), ("x", 0.75)])]
    assert RowRecords((Column(name="x"),), DECLARED)(page) == [(0.75,)]
