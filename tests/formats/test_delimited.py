"""Delimited files (csv, text): configuration checks, exact output, round trips, dirty records."""

from __future__ import annotations

import datetime as dt
import enum
import io
import math
import random
import struct
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from tablestore_channels.errors import ConfigError, DirtyRecord
from tablestore_channels.formats.delimited import DelimitedFormat
from tablestore_channels.formats.values import parse_value


class TrickleStream:
    """A binary stream returning a few bytes per read, so lines straddle every chunk boundary."""

    def __init__(self, data: bytes, step: int = 3) -> None:
        self._data = data
        self._step = step
        self.position = 0
        self.largest_request = 0

    def read(self, size: int = -1) -> bytes:
        self.largest_request = max(self.largest_request, size)
        chunk = self._data[self.position:self.position + self._step]
        self.position += len(chunk)
        return chunk


def write(fmt: DelimitedFormat, records: Sequence[Sequence[Any]]) -> bytes:
    return b"".join(fmt.encode_record(record) for record in records)


def read(fmt: DelimitedFormat, data: bytes, step: int = 3) -> list[list[str | None]]:
    return list(fmt.iter_records(TrickleStream(data, step)))


def round_trip(fmt: DelimitedFormat, records: Sequence[Sequence[Any]], step: int = 3) -> list[list]:
    return read(fmt, write(fmt, records), step)


def read_all(fmt: DelimitedFormat, data: bytes) -> list[Any]:
    """Every record or the DirtyRecord raised in its place, going on after each."""
    out: list[Any] = []
    records = fmt.iter_records(io.BytesIO(data))
    while True:
        try:
            out.append(next(records))
        except StopIteration:
            return out
        except DirtyRecord as error:
            out.append(error)


CSV = DelimitedFormat("csv")
TEXT = DelimitedFormat("text")

# ---- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "key", "needle"), [
    ({"kind": "orc"}, "fileFormat", "'orc'"),
    ({"kind": "csv", "field_delimiter": "||"}, "fieldDelimiter", "exactly one character"),
    ({"kind": "csv", "field_delimiter": ""}, "fieldDelimiter", "exactly one character"),
    ({"kind": "csv", "field_delimiter": '"'}, "fieldDelimiter", "double quote"),
    ({"kind": "csv", "field_delimiter": "\n"}, "fieldDelimiter", "LF"),
    ({"kind": "csv", "field_delimiter": "\r"}, "fieldDelimiter", "CR"),
    ({"kind": "text", "field_delimiter": ""}, "fieldDelimiter", "non-empty"),
    ({"kind": "text", "field_delimiter": "a\nb"}, "fieldDelimiter", "CR or LF"),
    ({"kind": "csv", "field_delimiter": "€", "encoding": "ISO-8859-1"}, "fieldDelimiter", "ISO-8859-1"),
    ({"kind": "csv", "encoding": "NO-SUCH-CHARSET"}, "encoding", "NO-SUCH-CHARSET"),
    ({"kind": "csv", "encoding": "base64"}, "encoding", "base64"),
    ({"kind": "csv", "encoding": "UTF-16"}, "encoding", "line ends"),
    ({"kind": "csv", "null_format": "a,b"}, "nullFormat", "delimiter"),
    ({"kind": "csv", "null_format": '"N"'}, "nullFormat", "quote"),
    ({"kind": "text", "null_format": "N\n"}, "nullFormat", "line break"),
    ({"kind": "text", "field_delimiter": "\t", "null_format": "a\tb"}, "nullFormat", "delimiter"),
    ({"kind": "csv", "null_format": "空", "encoding": "ISO-8859-1"}, "nullFormat", "ISO-8859-1"),
    ({"kind": "csv", "date_format": "vvvv-MM-dd HH:mm:ss"}, "dateFormat", "'v'"),
])
def test_config_errors_name_the_key(kwargs: dict, key: str, needle: str) -> None:
    with pytest.raises(ConfigError) as raised:
        DelimitedFormat(**kwargs)
    assert raised.value.key == key
    assert str(raised.value).startswith(f"{key}: ")
    assert needle in str(raised.value)


@pytest.mark.parametrize("name", ["UTF-8", "utf8", "GBK", "gb18030", "ISO-8859-1", "US-ASCII", "Big5"])
def test_java_charset_names_are_accepted(name: str) -> None:
    assert DelimitedFormat("csv", encoding=name).encode_record(["a"]) == b"a\n"


def test_text_delimiter_may_be_several_characters_and_null_format_empty() -> None:
    fmt = DelimitedFormat("text", field_delimiter="|^|", null_format="")
    assert fmt.encode_record(["a", None, 1]) == b"a|^||^|1\n"
    assert read(fmt, b"a|^||^|1\n") == [["a", None, "1"]]


# ---- exact output --------------------------------------------------------------------------------


def test_csv_line_for_every_value_type() -> None:
    record = ("s", 7, -1.5, True, False, b"\x00\xff", bytearray(b"A"), None,
              dt.datetime(2020, 1, 2, 3, 4, 5), dt.date(2020, 1, 2), math.nan, -math.inf)
    assert CSV.encode_record(record) == (
        b"s,7,-1.5,true,false,AP8=,QQ==,null,2020-01-02 03:04:05,2020-01-02 00:00:00,NaN,-Infinity\n")


def test_csv_quotes_exactly_the_fields_that_need_it() -> None:
    record = ("a,b", 'say "hi"', "line\nbreak", "cr\rhere", "null", "", "plain", None, " pad ")
    assert CSV.encode_record(record) == (
        b'"a,b","say ""hi""","line\nbreak","cr\rhere","null",,plain,null, pad \n')


def test_csv_quotes_the_empty_string_when_null_format_is_empty() -> None:
    fmt = DelimitedFormat("csv", null_format="")
    assert fmt.encode_record(["", None, "null", b""]) == b'"",,null,""\n'


def test_csv_quotes_any_value_whose_text_is_the_null_format() -> None:
    fmt = DelimitedFormat("csv", null_format="0")
    assert fmt.encode_record([0, None, 0.5, "0"]) == b'"0",0,0.5,"0"\n'
    assert [[parse_value(t, "int") for t in read(fmt, fmt.encode_record([0, None]))[0]]] == [[0, None]]


def test_csv_quotes_values_containing_another_delimiter() -> None:
    fmt = DelimitedFormat("csv", field_delimiter="-")
    assert fmt.encode_record([-5, "a-b", 3]) == b'"-5"-"a-b"-3\n'
    assert read(fmt, fmt.encode_record([-5, "a-b", 3])) == [["-5", "a-b", "3"]]


def test_date_format_applies_to_dates() -> None:
    fmt = DelimitedFormat("csv", date_format="yyyyMMdd'T'HHmmss.SSS")
    assert fmt.encode_record([dt.datetime(2020, 10, 15, 1, 2, 3, 456789)]) == b"20201015T010203.456\n"


def test_header_lines() -> None:
    assert CSV.encode_header(["id", "a,b", "null"]) == b'id,"a,b","null"\n'
    assert TEXT.encode_header(["id", "name"]) == b"id,name\n"
    with pytest.raises(ConfigError, match=r"^header: .*delimiter"):
        TEXT.encode_header(["id", "a,b"])


class Level(enum.IntEnum):
    HIGH = 3


class Name(str):
    pass


def test_subclasses_render_as_their_base_type() -> None:
    assert CSV.encode_record([Level.HIGH, Name("n,m"), True]) == b'3,"n,m",true\n'


@pytest.mark.parametrize("value", [Decimal("1.5"), [1], {"a": 1}, object(), 1j])
def test_unsupported_types_are_dirty_with_their_column(value: Any) -> None:
    for fmt in (CSV, TEXT):
        with pytest.raises(DirtyRecord, match=type(value).__name__) as raised:
            fmt.encode_record(["ok", 1, value])
        assert raised.value.column == 2


# ---- round trips ---------------------------------------------------------------------------------

AWKWARD_STRINGS = [
    "", " ", "  lead", "trail  ", "null", "NULL", "\\N", "N", '"', '""', '"quoted"', ",", ",,", "a,b",
    "\n", "\r", "\r\n", "\n\r", "a\r\nb\nc\rd", '"\n"', "\t", "tab\there", "中文", "ü", "😀", "\u2028",
    "\x00", "\x0b\x0c\x1c", "x" * 10_000, '"a","b"\n"c"',
]


@pytest.mark.parametrize("null_format", ["null", "", "\\N"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_csv_round_trips_awkward_strings_and_nulls(null_format: str, line_end: str) -> None:
    fmt = DelimitedFormat("csv", null_format=null_format)
    records = [[value, None, value] for value in AWKWARD_STRINGS] + [[None], [""], [None, None], ["", ""]]
    # CRLF as a Windows tool would write it: between records only, embedded line breaks unchanged.
    data = b"".join(fmt.encode_record(record)[:-1] + line_end.encode() for record in records)
    assert read(fmt, data) == [list(record) for record in records]


def test_csv_reads_quoted_fields_spanning_lines_across_chunk_boundaries() -> None:
    data = b'1,"a\nb\r\nc",2\r\n"",x\n"""",\n'
    for step in (1, 2, 5, 1 << 20):
        assert read(CSV, data, step) == [["1", "a\nb\r\nc", "2"], ["", "x"], ['"', ""]]


def test_a_quoted_field_is_never_null() -> None:
    assert read(CSV, b'"null",null\n') == [["null", None]]
    assert read(DelimitedFormat("csv", null_format=""), b'"",\n') == [["", None]]


def test_last_line_without_a_line_end_is_read() -> None:
    assert read(CSV, b"a,b\nc,d") == [["a", "b"], ["c", "d"]]
    assert read(CSV, b'a,"b"') == [["a", "b"]]
    assert read(TEXT, b"a,b\r\nc") == [["a", "b"], ["c"]]


@pytest.mark.parametrize("null_format", ["null", "\\N"])
def test_text_round_trips(null_format: str) -> None:
    fmt = DelimitedFormat("text", field_delimiter="\t", null_format=null_format)
    records = [["a,b", None, ' "q" ', "", "中文", 1, 2.5, True, b"\x01"], [None], [""]]
    expected = [["a,b", None, ' "q" ', "", "中文", "1", "2.5", "true", "AQ=="], [None], [""]]
    assert round_trip(fmt, records) == expected
    crlf = b"".join(fmt.encode_record(record)[:-1] + b"\r\n" for record in records)
    assert read(fmt, crlf) == expected


def test_typed_values_round_trip_through_csv() -> None:
    types = ["string", "int", "double", "bool", "binary", "string"]
    records = [
        ["k1", 2**63 - 1, -0.0, True, b"", "null"],
        ["k2", -(2**63), 5e-324, False, bytes(range(256)), ""],
        ["k3", 0, 1.7976931348623157e308, True, b"\x00", None],
        [None, None, None, None, None, None],
    ]
    for null_format in ("null", "", "\\N"):
        fmt = DelimitedFormat("csv", null_format=null_format)
        back = [[parse_value(text, type_name) for text, type_name in zip(fields, types)]
                for fields in round_trip(fmt, records)]
        assert back == records
        assert math.copysign(1.0, back[0][2]) == -1.0


def test_every_double_class_round_trips_bit_exactly_through_csv_and_text() -> None:
    rnd = random.Random(8)
    values = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072009e-308, 1.7976931348623157e308,
              -1.7976931348623157e308, 2.2250738585072014e-308, math.inf, -math.inf, math.nan]
    values += [struct.unpack("<d", rnd.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(20_000)]
    records = [values[i:i + 10] for i in range(0, len(values), 10)]
    for fmt in (CSV, TEXT):
        back = [parse_value(text, "double") for fields in round_trip(fmt, records, 1 << 16) for text in fields]
        assert len(back) == len(values)
        for original, parsed in zip(values, back):
            if math.isnan(original):
                assert math.isnan(parsed)
            else:
                assert struct.pack("<d", parsed) == struct.pack("<d", original)


def test_gbk_round_trip_and_bytes() -> None:
    fmt = DelimitedFormat("csv", encoding="GBK")
    data = fmt.encode_record(["中文", "a,文"])
    assert data == '中文,"a,文"\n'.encode("gbk")
    assert read(fmt, data) == [["中文", "a,文"]]


@pytest.mark.parametrize("kind", ["csv", "text"])
def test_unencodable_characters_are_dirty_with_their_column(kind: str) -> None:
    fmt = DelimitedFormat(kind, encoding="GBK")
    with pytest.raises(DirtyRecord, match=r"column 1: '😀' cannot be written in GBK") as raised:
        fmt.encode_record(["中文", "smile 😀"])
    assert raised.value.column == 1
    with pytest.raises(DirtyRecord) as raised:
        DelimitedFormat(kind).encode_record(["ok", "lone \ud800 surrogate"])
    assert raised.value.column == 1


def test_invalid_bytes_are_a_dirty_line_and_reading_goes_on() -> None:
    fmt = DelimitedFormat("csv", encoding="UTF-8")
    out = read_all(fmt, b"a,b\nc,\xff\xfe\ne,f\n")
    assert out[0] == ["a", "b"]
    assert isinstance(out[1], DirtyRecord) and "line 2" in out[1].reason and "UTF-8" in out[1].reason
    assert out[2] == ["e", "f"]


# ---- text format: values it cannot hold ------------------------------------------------------------


@pytest.mark.parametrize(("value", "needle"), [
    ("a,b", "delimiter"), ("a\nb", "line break"), ("a\rb", "line break"), ("null", "nullFormat"),
    (1.5, None),
])
def test_text_refuses_values_it_cannot_represent(value: Any, needle: str | None) -> None:
    fmt = DelimitedFormat("text", null_format="1.5") if needle is None else TEXT
    with pytest.raises(DirtyRecord) as raised:
        fmt.encode_record(["ok", None, value])
    assert raised.value.column == 2
    assert (needle or "nullFormat") in raised.value.reason


def test_text_with_empty_null_format_refuses_empty_strings() -> None:
    fmt = DelimitedFormat("text", null_format="")
    with pytest.raises(DirtyRecord, match="nullFormat") as raised:
        fmt.encode_record(["a", ""])
    assert raised.value.column == 1


def test_text_refuses_a_delimiter_formed_by_neighbours() -> None:
    fmt = DelimitedFormat("text", field_delimiter="||")
    with pytest.raises(DirtyRecord, match="neighbour") as raised:
        fmt.encode_record(["x", "a|", "b"])
    assert raised.value.column == 1
    # A partial delimiter that splits back the same way is kept.
    assert read(fmt, fmt.encode_record(["a|b", "|c"])) == [["a|b", "|c"]]
    assert read(fmt, fmt.encode_record(["a", "b|"])) == [["a", "b|"]]


# ---- malformed csv -------------------------------------------------------------------------------


def test_unterminated_quote_is_dirty_with_its_line() -> None:
    out = read_all(CSV, b'a,b\nc,"open\nmore\n')
    assert out[0] == ["a", "b"]
    assert isinstance(out[1], DirtyRecord)
    assert "line 2" in out[1].reason and "not closed" in out[1].reason
    assert len(out) == 2


def test_garbage_after_a_closing_quote_is_dirty_and_the_next_line_is_read() -> None:
    out = read_all(CSV, b'"a"x,b\nc,d\n"e" ,f\n')
    assert isinstance(out[0], DirtyRecord) and "line 1" in out[0].reason and "'x'" in out[0].reason
    assert out[1] == ["c", "d"]
    assert isinstance(out[2], DirtyRecord) and "line 3" in out[2].reason


def test_a_quote_inside_an_unquoted_field_is_dirty() -> None:
    out = read_all(CSV, b'a"b,c\nok\n')
    assert isinstance(out[0], DirtyRecord) and "line 1" in out[0].reason
    assert out[1] == ["ok"]


def test_line_numbers_count_physical_lines_of_multiline_records() -> None:
    out = read_all(CSV, b'"a\nb\nc",1\n"x"y\n')
    assert out[0] == ["a\nb\nc", "1"]
    assert isinstance(out[1], DirtyRecord) and "line 4" in out[1].reason


# ---- streaming -----------------------------------------------------------------------------------


class EndlessStream:
    """An endless csv stream; fails the test if asked for everything at once."""

    def __init__(self) -> None:
        self.served = 0

    def read(self, size: int = -1) -> bytes:
        assert 0 < size <= 1 << 24, f"read({size}) asks for the whole stream"
        chunk = b"1,two,3.0\n" * (size // 10)
        self.served += len(chunk)
        return chunk


def test_records_are_read_lazily_in_bounded_chunks() -> None:
    stream = EndlessStream()
    records = CSV.iter_records(stream)
    first = [next(records) for _ in range(100_001)]
    assert first[-1] == ["1", "two", "3.0"]
    assert stream.served < 4 << 20


def test_a_line_longer_than_a_chunk_is_read_whole() -> None:
    long_value = "v" * (3 << 20)
    data = CSV.encode_record(["a", long_value]) + b"b,c\n"
    assert list(CSV.iter_records(io.BytesIO(data))) == [["a", long_value], ["b", "c"]]
