"""Stream records as output records, in DataX OTSStreamReader's two modes.

Multi-version (default), one output record per cell change::

    [pk..., column, timestamp, value, op_type(, sequence_info)]

``op_type``: ``U`` (put a version), ``DO`` (delete one version: value null), ``DA`` (delete all
versions: timestamp and value null), ``DR`` (delete the row: column, timestamp and value null).
A PutRow replaces the row, so it is ``DR`` followed by one ``U`` per column; replaying the
records in order onto a table rebuilds it. ``sequence_info`` is
``epoch_timestamp(µs)_rowIndex_shardId`` (zero-padded to 10/20/10 digits, so it sorts), with
``:columnIndex`` for the cell records.

``single_version_and_update_only``: one record per PutRow / UpdateRow with the configured
columns, taken from the primary key and the columns that change put; the rest null. Row
deletes and column deletes are not exported.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from typing import Any, Protocol

from tablestore_channels.ots_client.models import CellType, RecordAction, StreamRecord
from tablestore_channels.ots_client.stream_changes import StreamRecordTuple
from tablestore_channels.pages import ColumnarPage

MULTI_VERSION_FIELDS = ("column", "timestamp", "value", "op_type")
SEQUENCE_FIELD = "sequence_info"
_OP = {CellType.PUT: "U", CellType.DELETE_ONE_VERSION: "DO", CellType.DELETE_ALL_VERSION: "DA"}
_NONE, _ROW_DELETE = (None,), ("DR",)

# A page takes a window's records (as the dataclass or as the tuple of the same fields, which a
# window's reader decodes) one by one and gives their output records as a page.
Record = StreamRecord | StreamRecordTuple


class OutputPage(Protocol):
    def add(self, record: Record, shard_id: str) -> None:
        """Add the output records of ``record`` (of shard ``shard_id``)."""

    def take(self) -> Sequence[tuple]:
        """The output records added since the last call, as one page."""


def sequence_info(record: Record, shard_id: str) -> str:
    seq = record.sequence_info
    return f"{seq.epoch:010d}_{seq.timestamp_us:020d}_{seq.row_index:010d}_{shard_id}"


class MultiVersionPage:
    """The multi-version mode's output records, held column by column: per record its key and
    how many output records it has, and its cells' fields a tuple per field, joined at
    :meth:`take` (C-speed; no tuple per output record)."""

    def __init__(self, export_sequence_info: bool) -> None:
        self.export_sequence_info = export_sequence_info
        self._new()

    def _new(self) -> None:
        self._keys: list[tuple] = []
        self._counts: list[int] = []
        self._fields: tuple[list[tuple], ...] = ([], [], [], [])  # column, timestamp, value, op_type
        self._tails: list[str] = []

    def add(self, record: Record, shard_id: str) -> None:
        if record.__class__ is StreamRecordTuple:  # decoded into the output's shape already
            key, cells = record.key, (record.names, record.timestamps, record.values, record.ops)
        else:
            key, cells = _fields(record)
        action = record.action
        names, stamps, values, ops = self._fields
        count = 0
        if action is not RecordAction.UPDATE:  # a put replaces the row: DR first
            names.append(_NONE), stamps.append(_NONE), values.append(_NONE), ops.append(_ROW_DELETE)
            count = 1
        if action is not RecordAction.DELETE:
            names.append(cells[0]), stamps.append(cells[1]), values.append(cells[2]), ops.append(cells[3])
            count += len(cells[0])
        self._keys.append(key)
        self._counts.append(count)
        if self.export_sequence_info:
            seq = sequence_info(record, shard_id)
            if action is not RecordAction.UPDATE:
                self._tails.append(seq)
            if action is not RecordAction.DELETE:
                self._tails += [f"{seq}:{index:010d}" for index in range(len(cells[0]))]

    def take(self) -> Sequence[tuple]:
        keys, counts = self._keys, self._counts
        count = sum(counts)
        widths = set(map(len, keys))
        columns = [list(itertools.chain.from_iterable(field)) for field in self._fields]
        if self.export_sequence_info:
            columns.append(self._tails)
        if len(widths) > 1:  # (keys of several widths: not one table's) a record at a time
            rows = list(map(operator.add, itertools.chain.from_iterable(map(itertools.repeat, keys, counts)),
                            zip(*columns)))
            self._new()
            return rows
        width = widths.pop() if widths else 0
        key_columns = [list(itertools.chain.from_iterable(map(itertools.repeat, map(operator.itemgetter(index), keys),
                                                              counts))) for index in range(width)]
        self._new()
        return ColumnarPage(key_columns + columns, count)


def _fields(record: StreamRecord) -> tuple[tuple, tuple[tuple, ...]]:
    """The dataclass record's key and its cells' fields (BINARY as bytes, deletes without value)."""
    key = tuple([_plain(value) for _, value in record.primary_key])
    cells = [(column.name, column.timestamp_ms, _plain(column.value), "U") if column.cell_type is CellType.PUT
             else (column.name, column.timestamp_ms, None, _OP[column.cell_type]) for column in record.columns]
    return key, tuple(zip(*cells)) if cells else ((), (), (), ())


class SingleVersionPage:
    """``single_version_and_update_only``'s output records: ``columns`` in output order."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = columns
        self._rows: list[tuple] = []

    def add(self, record: Record, shard_id: str) -> None:
        if record.action is RecordAction.DELETE:
            return
        values = dict(record.primary_key)
        values.update((c.name, c.value) for c in record.columns if c.cell_type is CellType.PUT)
        self._rows.append(tuple(_plain(values.get(name)) for name in self.columns))

    def take(self) -> Sequence[tuple]:
        rows, self._rows = self._rows, []
        return rows


def _plain(value: Any) -> Any:
    """BINARY arrives as bytearray; records carry immutable bytes."""
    return bytes(value) if isinstance(value, bytearray) else value
