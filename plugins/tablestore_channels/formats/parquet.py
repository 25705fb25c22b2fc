"""Parquet files of records, written as a stream to a write-only sink and read back row group by
row group.

A column's type is the one the source declares for it (``kinds``: a table's primary key and
predefined columns), or else comes from the data: the type of its first non-null value among the
records buffered for the first row group. A column still without a value then is written as
``string``, provisionally: when a value of another type comes for it later (a column that appears
late in a table's life), :meth:`ParquetRecordWriter.write` raises :class:`WiderSchema`, and the
caller goes on in a new file with the schema it names. Otherwise a value of another type than its
column's is a dirty record, raised at once; nothing is converted (not even an ``int`` into a
``double`` column).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import IO, Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from tablestore_channels.errors import ConfigError, DirtyRecord
from tablestore_channels.formats.values import INT64_MAX, INT64_MIN

# Kind of a Python value -> its Parquet (Arrow) type. Aware and naive datetimes are different
# kinds: mixing them would shift one of the two by an unknown offset.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "bool": pa.bool_(),
    "int64": pa.int64(),
    "double": pa.float64(),
    "binary": pa.binary(),
    "timestamp": pa.timestamp("ms"),
    "timestamp_utc": pa.timestamp("ms", tz="UTC"),
    "date": pa.date32(),
}
_KIND_BY_TYPE: dict[type, str] = {
    str: "string", bool: "bool", int: "int64", float: "double", bytes: "binary",
    bytearray: "binary", dt.date: "date",
}
# isinstance order for subclasses: bool before int, datetime before date.
_KIND_BY_BASE = ((bool, "bool"), (int, "int64"), (float, "double"), (str, "string"),
                 ((bytes, bytearray), "binary"), (dt.datetime, None), (dt.date, "date"))
# The kinds whose values need no check but their type's (an int64 also its range): a page of them
# is checked a column at a time.
_PAGE_KINDS = {str: "string", bool: "bool", int: "int64", float: "double", bytes: "binary", bytearray: "binary",
               dt.date: "date"}
_NONE = type(None)
# The column types of the reader / writer contract -> Parquet kinds.
KIND_OF_COLUMN_TYPE = {"string": "string", "int": "int64", "double": "double", "bool": "bool", "binary": "binary"}


class WiderSchema(Exception):
    """The record has a value for a column that the file wrote as ``string`` only for want of a
    value: it needs a new file of :attr:`kinds` (the file's known types and the record's new ones,
    None where still unknown). The record was not written."""

    def __init__(self, kinds: list[str | None], columns: list[str]) -> None:
        self.kinds = kinds
        super().__init__(f"late column(s) {', '.join(columns)} need a new file")



class ByteSink(Protocol):
    """Where encoded bytes go (an open binary file, a streamed object)."""

    def write(self, data: bytes, /) -> int: ...

def _kind(value: Any) -> str:
    """The kind of a non-null value; raises DirtyRecord for values Parquet cannot hold exactly."""
    kind = _KIND_BY_TYPE.get(type(value))
    if kind is None:
        for base, base_kind in _KIND_BY_BASE:
            if isinstance(value, base):
                kind = base_kind
                break
        else:
            raise DirtyRecord(f"a {type(value).__name__} value cannot be written to Parquet")
        if kind is None:  # a datetime
            assert isinstance(value, dt.datetime)
            if value.microsecond % 1000:
                raise DirtyRecord(f"{value.isoformat()} has sub-millisecond precision, which a "
                                  "millisecond timestamp would lose")
            kind = "timestamp" if value.tzinfo is None else "timestamp_utc"
    if kind == "int64" and not INT64_MIN <= value <= INT64_MAX:
        raise DirtyRecord(f"{value} is outside the 64-bit integer range")
    return kind


class _SinkStream:
    """The file object pyarrow writes to: collects its many small writes and hands them to the
    sink in one piece per row group. Closing it leaves the sink open (the caller owns it)."""

    closed = False

    def __init__(self, sink: ByteSink) -> None:
        self._sink = sink
        self._pending = bytearray()

    def write(self, data: Any) -> int:
        self._pending += data
        return len(data)

    def flush(self) -> None:
        pass  # pyarrow may flush at any time; the sink receives data only in drain()

    def close(self) -> None:
        self.closed = True

    def drain(self) -> None:
        if self._pending:
            self._sink.write(bytes(self._pending))
            self._pending.clear()


class ParquetRecordWriter:
    """Writes records (sequences of values in ``column_names`` order) to a Parquet stream.

    :param sink: a binary file-like object with ``write()``; no ``seek``/``tell`` needed. It is
        written to once per row group and once by :meth:`close`, and never closed here.
    :param column_names: the columns, in record order; unique and non-empty.
    :param kinds: per column, its fixed kind (``string``, ``int64``, ``double``, ``bool``,
        ``binary``, ...) or None to learn it from the data.
    :param row_group_rows: records per row group (and per buffered batch).
    """

    def __init__(self, sink: ByteSink, column_names: Sequence[str], *, kinds: Sequence[str | None] | None = None,
                 row_group_rows: int = 65536) -> None:
        names = [str(name) for name in column_names]
        if not names or any(not name for name in names) or len(set(names)) != len(names):
            raise ConfigError("column", f"{names!r} are not usable Parquet column names.",
                              "give every column a distinct, non-empty name.")
        if row_group_rows < 1:
            raise ConfigError("rowGroupRows", f"{row_group_rows} is not a positive row count.",
                              "use e.g. 65536.")
        if kinds is not None and (len(kinds) != len(names) or not set(kinds) <= {None, *_ARROW_TYPES}):
            raise ValueError(f"kinds {kinds!r} do not fit the columns {names!r}")
        self._names = names
        self._row_group_rows = row_group_rows
        self._stream = _SinkStream(sink)
        self._kinds: list[str | None] = list(kinds) if kinds is not None else [None] * len(names)
        self._provisional: set[int] = set()  # written as string for want of a value
        self._rows: list[Sequence[Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self._closed = False

    def write(self, values: Sequence[Any]) -> None:
        """Buffer one record; writes a row group when ``row_group_rows`` records are buffered.

        :raises DirtyRecord: (with ``column``) when a value's type differs from its column's, or
            the value cannot be stored exactly. The record is then not written.
        :raises WiderSchema: when the record is clean but has the first value of a column written
            as ``string`` only for want of a value, in another type. The record is then not written.
        """
        if self._closed:
            raise ValueError("write() after close()")
        kinds = self._kinds
        if len(values) != len(kinds):
            raise DirtyRecord(f"the record has {len(values)} values for {len(kinds)} columns")
        provisional = self._provisional
        learned: list[tuple[int, str]] = []
        for index, value in enumerate(values):
            if value is None:
                continue
            try:
                kind = _kind(value)
            except DirtyRecord as error:
                raise DirtyRecord(f"column {index} ({self._names[index]}): {error.reason}",
                                  column=index) from None
            expected = kinds[index]
            if index in provisional or expected is None:  # (None only before the schema is fixed)
                learned.append((index, kind))
            elif kind != expected:
                raise DirtyRecord(f"column {index} ({self._names[index]}): a {kind} value in a column "
                                  f"of type {expected}", column=index)
        # Only a clean record teaches a column its type.
        late = [index for index, kind in learned if index in provisional and kind != "string"]
        if late:
            wider: list[str | None] = [None if i in provisional else k for i, k in enumerate(kinds)]
            for index, kind in learned:
                wider[index] = kind
            raise WiderSchema(wider, [self._names[index] for index in late])
        for index, kind in learned:
            kinds[index] = kind
            provisional.discard(index)
        self._rows.append(values)
        if len(self._rows) >= self._row_group_rows:
            self._flush()

    def write_page(self, records: Sequence[Sequence[Any]]) -> int:
        """Buffer records from the first on, up to the end of the row group being filled, exactly
        as :meth:`write` would one by one, but a column at a time; how many. 0 when they need
        :meth:`write` (a record may be dirty or have a late column; a datetime is checked there)."""
        if self._closed:
            raise ValueError("write_page() after close()")
        page = records[:self._row_group_rows - len(self._rows)]
        learned = self._page_kinds(page) if page else None
        if learned is None:
            return 0
        for index, kind in learned:
            self._kinds[index] = kind
            self._provisional.discard(index)
        self._rows.extend(page)
        if len(self._rows) >= self._row_group_rows:
            self._flush()
        return len(page)

    def _page_kinds(self, page: Sequence[Sequence[Any]]) -> list[tuple[int, str]] | None:
        """The kinds the page's columns teach (as :meth:`write` learns them), or None if a record
        needs :meth:`write`."""
        kinds, provisional = self._kinds, self._provisional
        if set(map(len, page)) != {len(kinds)}:
            return None
        learned: list[tuple[int, str]] = []
        for index, column in enumerate(zip(*page)):
            types = set(map(type, column))
            nulls = _NONE in types
            types.discard(_NONE)
            if not types:
                continue
            kind = _PAGE_KINDS.get(types.pop()) if len(types) == 1 else None
            if kind is None:
                return None
            if index in provisional or kinds[index] is None:
                if index in provisional and kind != "string":
                    return None  # a late column: write() names the wider schema
                learned.append((index, kind))
            elif kind != kinds[index]:
                return None
            if kind == "int64":
                values = [value for value in column if value is not None] if nulls else column
                if min(values) < INT64_MIN or max(values) > INT64_MAX:
                    return None
        return learned

    def close(self) -> None:
        """Write the buffered records and the footer. A file with no records is still valid."""
        if self._closed:
            return
        self._flush()
        if self._writer is None:
            self._writer = self._open()
        self._writer.close()
        self._stream.drain()
        self._closed = True

    @property
    def kinds(self) -> list[str]:
        """The file's column kinds, once its schema is fixed (after the first row group)."""
        return [kind or "string" for kind in self._kinds]

    def _open(self) -> pq.ParquetWriter:
        # The schema is fixed now; columns without a value so far are strings, provisionally.
        self._provisional = {i for i, kind in enumerate(self._kinds) if kind is None}
        kinds = self.kinds
        self._kinds = list(kinds)
        schema = pa.schema([pa.field(name, _ARROW_TYPES[kind]) for name, kind in zip(self._names, kinds)])
        return pq.ParquetWriter(self._stream, schema)

    def _flush(self) -> None:
        if not self._rows:
            return
        if self._writer is None:
            self._writer = self._open()
        columns = zip(*self._rows)
        arrays = [pa.array(column, type=_ARROW_TYPES[kind or "string"]) for column, kind in zip(columns, self._kinds)]
        self._writer.write_batch(pa.RecordBatch.from_arrays(arrays, names=self._names),
                                 row_group_size=len(self._rows))
        self._rows = []
        self._stream.drain()


def iter_parquet_records(file: str | IO[bytes]) -> Iterator[list[Any]]:
    """Records of a Parquet file (a path or a seekable binary file) as lists of Python values,
    read one row group at a time. Binary comes back as ``bytes``, timestamps as ``datetime``."""
    parquet = pq.ParquetFile(file)
    for group in range(parquet.num_row_groups):
        table = parquet.read_row_group(group)
        for row in zip(*(column.to_pylist() for column in table.columns)):
            yield list(row)
