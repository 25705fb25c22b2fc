"""Parquet records: declared and inferred types, late columns, dirty type conflicts, streaming to a
write-only sink."""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import Any

import pyarrow.parquet as pq
import pytest

from tablestore_channels.errors import ConfigError, DirtyRecord
from tablestore_channels.formats.parquet import ParquetRecordWriter, WiderSchema, iter_parquet_records


class WriteOnlySink:
    """Only ``write()``: no seek, tell, flush, close or ``closed``, like an upload stream."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> int:
        assert isinstance(data, bytes)
        self.writes.append(data)
        return len(data)

    @property
    def data(self) -> bytes:
        return b"".join(self.writes)


def write_file(names: list[str], records: list[list[Any]], **kwargs: Any) -> WriteOnlySink:
    sink = WriteOnlySink()
    writer = ParquetRecordWriter(sink, names, **kwargs)
    for record in records:
        writer.write(record)
    writer.close()
    return sink


NAMES = ["s", "i", "d", "b", "bin", "ts", "tsz", "day", "empty"]
RECORDS = [
    ["a", 2**63 - 1, 1.5, True, b"\x00\xff", dt.datetime(2020, 1, 2, 3, 4, 5, 6000),
     dt.datetime(2020, 1, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))), dt.date(2020, 10, 15), None],
    [None, None, None, None, None, None, None, None, None],
    ["", -(2**63), -0.0, False, bytearray(b""), dt.datetime(1970, 1, 1), None, dt.date(1, 1, 1), None],
    ["中文\n,\"", 0, math.inf, True, bytes(range(256)), dt.datetime(9999, 12, 31, 23, 59, 59, 999000),
     dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.date(9999, 12, 31), None],
]


def test_round_trip_of_every_type() -> None:
    sink = write_file(NAMES, RECORDS)
    back = list(iter_parquet_records(io.BytesIO(sink.data)))
    assert len(back) == len(RECORDS)
    for original, read in zip(RECORDS, back):
        assert read[:6] == [bytes(v) if isinstance(v, bytearray) else v for v in original[:6]]
        assert read[7:] == original[7:]
    assert back[0][6] == dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # same instant, in UTC
    assert math.copysign(1.0, back[2][2]) == -1.0
    schema = pq.read_schema(io.BytesIO(sink.data))
    assert [str(schema.field(name).type) for name in NAMES] == [
        "string", "int64", "double", "bool", "binary", "timestamp[ms]", "timestamp[ms, tz=UTC]",
        "date32[day]", "string"]


def test_nan_round_trips() -> None:
    sink = write_file(["d"], [[math.nan], [1.0]])
    (first,), (second,) = iter_parquet_records(io.BytesIO(sink.data))
    assert math.isnan(first) and second == 1.0


@pytest.mark.parametrize(("first", "later", "column_type"), [
    (1.5, 2, "double"),          # an int is never widened into a double column
    (1, 2.0, "int64"),
    (1, True, "int64"),          # bool is an int subclass in Python, not in Parquet
    (True, 1, "bool"),
    ("1", 1, "string"),
    (b"x", "x", "binary"),
    (dt.date(2020, 1, 1), dt.datetime(2020, 1, 1), "date"),
    (dt.datetime(2020, 1, 1), dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "timestamp"),
])
def test_a_type_conflict_is_dirty_at_once_and_the_file_goes_on(first: Any, later: Any, column_type: str) -> None:
    sink = WriteOnlySink()
    writer = ParquetRecordWriter(sink, ["k", "v"], row_group_rows=100)
    writer.write(["r1", first])
    with pytest.raises(DirtyRecord, match=f"column 1 \\(v\\).*of type {column_type}") as raised:
        writer.write(["r2", later])  # still buffered: checked on write, not at flush
    assert raised.value.column == 1
    assert sink.writes == []
    writer.write(["r3", None])
    writer.close()
    assert [row[0] for row in iter_parquet_records(io.BytesIO(sink.data))] == ["r1", "r3"]


def test_a_dirty_record_does_not_decide_column_types() -> None:
    sink = WriteOnlySink()
    writer = ParquetRecordWriter(sink, ["a", "b"])
    with pytest.raises(DirtyRecord) as raised:
        writer.write([1, object()])
    assert raised.value.column == 1
    writer.write(["text", 2])
    writer.close()
    assert list(iter_parquet_records(io.BytesIO(sink.data))) == [["text", 2]]


def test_an_all_null_first_row_group_makes_a_string_column() -> None:
    sink = WriteOnlySink()
    writer = ParquetRecordWriter(sink, ["k", "v"], row_group_rows=2)
    writer.write(["a", None])
    writer.write(["b", None])
    writer.write(["c", "late"])
    with pytest.raises(DirtyRecord, match="int64 value in a column of type string"):
        writer.write(["d", 5])
    writer.close()
    assert list(iter_parquet_records(io.BytesIO(sink.data))) == [["a", None], ["b", None], ["c", "late"]]


def test_a_late_column_asks_for_a_wider_file_and_is_not_dirty() -> None:
    sink = WriteOnlySink()
    writer = ParquetRecordWriter(sink, ["k", "v", "w"], row_group_rows=2)
    writer.write(["a", None, None])
    writer.write(["b", None, None])  # the schema is fixed: v and w are strings for want of a value
    writer.write(["c", None, "text"])  # a string teaches w its type: string, from now on
    with pytest.raises(WiderSchema) as raised:
        writer.write(["d", 5, "more"])
    assert raised.value.kinds == ["string", "int64", "string"]
    with pytest.raises(DirtyRecord, match=r"column 2 \(w\): a int64 value in a column of type string"):
        writer.write(["e", None, 6])
    writer.close()
    assert list(iter_parquet_records(io.BytesIO(sink.data))) == [["a", None, None], ["b", None, None],
                                                                 ["c", None, "text"]]
    wider = write_file(["k", "v", "w"], [["d", 5, "more"]], kinds=raised.value.kinds)
    assert [str(f.type) for f in pq.read_schema(io.BytesIO(wider.data))] == ["string", "int64", "string"]


def test_declared_types_hold_from_the_first_row() -> None:
    sink = WriteOnlySink()
    writer = ParquetRecordWriter(sink, ["k", "v"], kinds=[None, "int64"], row_group_rows=1)
    writer.write(["a", None])
    writer.write(["b", 7])
    with pytest.raises(DirtyRecord, match="a string value in a column of type int64"):
        writer.write(["c", "7"])
    writer.close()
    assert writer.kinds == ["string", "int64"]
    assert list(iter_parquet_records(io.BytesIO(sink.data))) == [["a", None], ["b", 7]]
    with pytest.raises(ValueError, match="do not fit"):
        ParquetRecordWriter(sink, ["k"], kinds=["int"])


@pytest.mark.parametrize(("value", "needle"), [
    (2**63, "64-bit"), (-(2**63) - 1, "64-bit"), (dt.datetime(2020, 1, 1, 0, 0, 0, 1), "sub-millisecond"),
    (1j, "complex"), ([1], "list"),
])
def test_values_parquet_cannot_hold_exactly_are_dirty(value: Any, needle: str) -> None:
    writer = ParquetRecordWriter(WriteOnlySink(), ["k", "v"])
    with pytest.raises(DirtyRecord, match=needle) as raised:
        writer.write(["k", value])
    assert raised.value.column == 1


def test_a_record_of_the_wrong_length_is_dirty() -> None:
    writer = ParquetRecordWriter(WriteOnlySink(), ["a", "b"])
    with pytest.raises(DirtyRecord, match="3 values for 2 columns"):
        writer.write([1, 2, 3])


def test_row_groups_stream_to_the_sink_as_they_fill() -> None:
    sink = WriteOnlySink()
    writer = ParquetRecordWriter(sink, ["n", "text"], row_group_rows=4)
    for number in range(3):
        writer.write([number, f"v{number}"])
    assert sink.writes == []
    writer.write([3, "v3"])
    assert len(sink.writes) == 1  # the first row group, in one piece
    for number in range(4, 10):
        writer.write([number, f"v{number}"])
    assert len(sink.writes) == 2
    writer.close()
    parquet = pq.ParquetFile(io.BytesIO(sink.data))
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [4, 4, 2]
    assert list(iter_parquet_records(io.BytesIO(sink.data))) == [[n, f"v{n}"] for n in range(10)]


def test_a_file_without_records_is_valid() -> None:
    sink = write_file(["a", "b"], [])
    table = pq.read_table(io.BytesIO(sink.data))
    assert table.num_rows == 0 and table.schema.names == ["a", "b"]
    assert list(iter_parquet_records(io.BytesIO(sink.data))) == []


def test_reading_a_path(tmp_path) -> None:
    path = tmp_path / "part.parquet"
    path.write_bytes(write_file(["a"], [[1], [2]], row_group_rows=1).data)
    assert list(iter_parquet_records(str(path))) == [[1], [2]]


def test_write_after_close_is_refused() -> None:
    writer = ParquetRecordWriter(WriteOnlySink(), ["a"])
    writer.close()
    with pytest.raises(ValueError, match="after close"):
        writer.write([1])


@pytest.mark.parametrize(("names", "rows", "key"), [
    ([], 10, "column"), (["a", "a"], 10, "column"), (["a", ""], 10, "column"), (["a"], 0, "rowGroupRows"),
])
def test_config_errors_name_the_key(names: list[str], rows: int, key: str) -> None:
    with pytest.raises(ConfigError, match=f"^{key}: ") as raised:
        ParquetRecordWriter(WriteOnlySink(), names, row_group_rows=rows)
    assert raised.value.key == key


def test_the_sink_is_left_open() -> None:
    buffer = io.BytesIO()
    writer = ParquetRecordWriter(buffer, ["a"])
    writer.write([1])
    writer.close()
    assert not buffer.closed
    assert list(iter_parquet_records(io.BytesIO(buffer.getvalue()))) == [[1]]
