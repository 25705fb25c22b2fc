"""The page paths of the formats write exactly what their record paths write: CSV / text bytes
(``DelimitedFormat.encode_records``), the column renderers of values, and Parquet values and
schema (``ParquetRecordWriter.write_page``); a page they cannot take whole is left to the
record path, which decides what is dirty."""

from __future__ import annotations

import datetime as dt
import enum
import io
import math
import random
from collections.abc import Sequence
from typing import Any

import pytest

from tablestore_channels.errors import DirtyRecord
from tablestore_channels.formats.delimited import DelimitedFormat
from tablestore_channels.formats.parquet import ParquetRecordWriter, WiderSchema, iter_parquet_records
from tablestore_channels.formats.values import render_binaries, render_binary, render_float, render_floats
from tablestore_channels.pages import ColumnarPage, Repeated


class Level(enum.IntEnum):
    LOW = 1


class Text(str):
    pass


# values of every kind, with the texts that need quotes, nullFormat spellings and unencodable ones
VALUES: list[Any] = [
    None, "", "null", "\\N", "a,b", 'say "hi"', "two\nlines", "cr\rhere", "plain", "tab\there", "pipe|", "e",
    "€uro", "\N{SNOWMAN}", "\ud800", 0, -(2**63), 2**63 - 1, 1.5, -0.0, math.nan, math.inf, -math.inf, 1e16,
    True, False, b"", b"\x00\xff", bytearray(b"abc"), memoryview(b"xyz"), dt.datetime(2024, 5, 1, 12, 0, 1),
    dt.date(2020, 1, 2), Level.LOW, Text("sub"), object(),
]
FORMATS = [
    DelimitedFormat("csv"), DelimitedFormat("text"), DelimitedFormat("csv", field_delimiter="|", null_format=""),
    DelimitedFormat("text", field_delimiter="||"), DelimitedFormat("csv", encoding="ISO-8859-1"),
    DelimitedFormat("csv", encoding="GBK", null_format="\\N"), DelimitedFormat("text", field_delimiter="\t"),
    DelimitedFormat("csv", field_delimiter="e"), DelimitedFormat("csv", encoding="iso2022_jp"),
    # delimiters that numbers, booleans or base64 texts can hold
    DelimitedFormat("csv", field_delimiter="-"), DelimitedFormat("csv", field_delimiter="A"),
    DelimitedFormat("text", field_delimiter="5"),
]


def one_by_one(fmt: DelimitedFormat, records: Sequence[Sequence[Any]]) -> bytes | None:
    """What encode_record writes for the records in turn; None if one of them is dirty."""
    try:
        return b"".join(fmt.encode_record(record) for record in records)
    except DirtyRecord:
        return None


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f"{f.kind}-{f.field_delimiter!r}-{f.encoding}")
def test_a_page_is_the_bytes_of_its_records_or_left_to_them(fmt: DelimitedFormat) -> None:
    rnd = random.Random(16)
    whole = 0
    for _ in range(400):
        width = rnd.randrange(1, 5)
        mixed = rnd.random() < 0.5
        page = [tuple(rnd.choice(VALUES) if mixed else rnd.choice(VALUES[column % 7::7]) for column in range(width))
                for _ in range(rnd.randrange(0, 8))]
        encoded = fmt.encode_records(page)
        if encoded is not None:
            whole += 1
            assert encoded == one_by_one(fmt, page), page
    assert whole > 40


def test_a_clean_page_of_common_types_is_encoded_whole() -> None:
    page = [("dev-1", 17, 0.25, True, b"\x01", None, 'a "quoted", multi\nline'),
            ("dev-2", -3, math.nan, False, b"", "null", "plain")]
    fmt = DelimitedFormat("csv")
    assert fmt.encode_records(page) == one_by_one(fmt, page)
    assert fmt.encode_records(page) is not None
    assert fmt.encode_records([]) == b""


@pytest.mark.parametrize("page", [
    [("ok",), ("two", "fields")],  # widths differ
    [(object(),)],  # a type no renderer takes: encode_record calls it dirty
    [(Text("x"),)],  # a subclass: encode_record renders it as its base type
])
def test_a_page_encode_record_must_look_at_is_left_to_it(page: list[tuple]) -> None:
    assert DelimitedFormat("csv").encode_records(page) is None


def test_the_text_format_leaves_a_page_with_an_unwritable_value_to_encode_record() -> None:
    fmt = DelimitedFormat("text")
    assert fmt.encode_records([("a",), ("b,c",)]) is None
    assert fmt.encode_records([("a",), ("null",)]) is None
    assert fmt.encode_records([("a",), (None,)]) == b"a\nnull\n"


def test_column_renderers_render_each_value_as_its_renderer() -> None:
    floats = [1.0, math.nan, math.inf, -math.inf, 1e16, math.pi * 1e-300, -0.0, 5e-324]
    assert render_floats(floats) == [render_float(value) for value in floats]
    binaries = [b"", b"a", bytearray(b"xyz\n"), memoryview(b"12345"), bytes(range(256))]
    assert render_binaries(binaries) == [render_binary(value) for value in binaries]
    assert render_floats([]) == render_binaries([]) == []


# ---- Parquet ---------------------------------------------------------------------------------


def parquet(records: list[tuple], page_size: int | None, kinds: list[str | None] | None = None,
            rows: int = 3) -> tuple[list[list[Any]], list[str], int]:
    """(the records read back, the kinds, how many went in pages) of records written in pages of
    ``page_size`` (None: one by one), a page's rest one by one as the channel does."""
    sink = io.BytesIO()
    writer = ParquetRecordWriter(sink, ["k", "n", "x"], kinds=kinds, row_group_rows=rows)
    paged = 0
    for start in range(0, len(records), page_size or 1):
        page = records[start:start + (page_size or 1)]
        written = 0
        while page_size and written < len(page):
            count = writer.write_page(page[written:])
            if not count:
                break
            written += count
        paged += written
        for record in page[written:]:
            writer.write(record)
    writer.close()
    sink.seek(0)
    return list(iter_parquet_records(sink)), writer.kinds, paged


RECORDS = [("a", 1, None), ("b", None, 2.5), ("c", 2**40, -0.0), (None, 3, math.inf), ("e", 4, 1.0),
           ("f", -5, None), ("g", 6, 7.0)]


@pytest.mark.parametrize("kinds", [None, ["string", "int64", "double"], ["string", None, None]])
@pytest.mark.parametrize("page_size", [2, 3, 5, 100])
def test_parquet_pages_write_what_records_write(kinds: list[str | None] | None, page_size: int) -> None:
    expected = parquet(RECORDS, None, kinds)
    read, learned, paged = parquet(RECORDS, page_size, kinds)
    assert (read, learned) == expected[:2]
    assert paged == len(RECORDS)


@pytest.mark.parametrize("record", [("x", 1.5, 1.0), ("x", 2**63, 1.0), ("x", True, 1.0), ("x", 1, "text"),
                                    ("x", 1), ("x", 1, dt.datetime(2024, 1, 1))])
def test_a_parquet_page_with_a_record_write_must_check_is_left_to_it(record: tuple) -> None:
    writer = ParquetRecordWriter(io.BytesIO(), ["k", "n", "x"], kinds=["string", "int64", "double"])
    assert writer.write_page([("ok", 1, 0.5), record]) == 0
    assert writer.write_page([("ok", 1, 0.5)]) == 1


def test_a_late_column_in_a_page_is_left_to_write_which_asks_for_a_wider_file() -> None:
    writer = ParquetRecordWriter(io.BytesIO(), ["k", "late"], row_group_rows=2)
    assert writer.write_page([("a", None), ("b", None)]) == 2  # the row group is written: late is a string
    assert writer.write_page([("c", None), ("d", 5)]) == 0
    writer.write(("c", None))
    with pytest.raises(WiderSchema):
        writer.write(("d", 5))
    assert writer.write_page([("e", "text")]) == 1  # a string: the column is a string for good
    assert writer.write_page([("f", 5)]) == 0
    with pytest.raises(DirtyRecord):
        writer.write(("f", 5))


def test_a_parquet_page_stops_at_the_end_of_the_row_group() -> None:
    sizes: list[int] = []
    writer = ParquetRecordWriter(type("Sink", (), {"write": lambda self, data: sizes.append(len(data))})(),
                                 ["k"], row_group_rows=3)
    assert writer.write_page([("a",), ("b",)]) == 2
    assert writer.write_page([("c",), ("d",), ("e",)]) == 1
    assert len(sizes) == 1  # the first row group went to the sink with the record that filled it


@pytest.mark.parametrize("null", ["null", "", "7", "-1", "nan"])
def test_columns_of_one_type_and_nulls_and_of_several_types(null: str) -> None:
    # the column paths: strings with nulls, integers with nulls (each distinct one rendered
    # once), several types (float texts such as "nan" beside strings that read the same)
    page = [("a", 7, 1.5, "nan"), (None, None, "nan", None), ("7", -1, math.nan, 2), ("-1", 7, None, -math.inf),
            ("", 2**63 - 1, b"\x00", "inf"), ("nan", None, True, 0.0)]
    page += [(str(i), i // 10, None, i % 3) for i in range(100)]  # integers that repeat
    fmt = DelimitedFormat("csv", null_format=null)
    expected = one_by_one(fmt, page)
    assert fmt.encode_records(page) == expected
    assert fmt.encode_records(ColumnarPage([list(column) for column in zip(*page)], len(page))) == expected
    repeating = [(i // 10, i) for i in range(100)]  # a column without nulls that repeats, one that does not
    assert fmt.encode_records(repeating) == one_by_one(fmt, repeating)


def test_a_columnar_page_is_its_records() -> None:
    page = ColumnarPage([["a", "b", "c"], (1, 2, 3)], 3)
    assert isinstance(page[1:], ColumnarPage)  # its columns sliced, no records built
    assert list(page) == [("a", 1), ("b", 2), ("c", 3)] == page
    assert page[1] == ("b", 2) and list(page[1:]) == [("b", 2), ("c", 3)] and len(page[5:]) == 0
    assert page[::2] == [("a", 1), ("c", 3)]
    assert ColumnarPage([], 2).records() == [(), ()]


def test_a_column_of_runs_is_rendered_once_per_run_and_reads_as_its_values() -> None:
    keys = Repeated(["a,b", "null", 7, None], [2, 1, 0, 3])
    assert len(keys) == 6 and list(keys) == ["a,b", "a,b", "null", None, None, None] == keys
    assert keys[1:3] == ["a,b", "null"]
    page = ColumnarPage([keys, [1.5, None, "x", True, b"\x00", 2]], 6)
    fmt = DelimitedFormat("csv")
    assert fmt.encode_records(page) == one_by_one(fmt, list(page)) is not None
