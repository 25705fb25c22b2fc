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
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from tablestore_channels.ots_client.models import CellType, RecordAction, StreamRecord
from tablestore_channels.ots_client.stream_changes import SequenceInfoTuple, StreamRecordTuple
from tablestore_channels.pages import ColumnarPage, Repeated

MULTI_VERSION_FIELDS = ("column", "timestamp", "value", "op_type")
SEQUENCE_FIELD = "sequence_info"
_OP = {CellType.PUT: "U", CellType.DELETE_ONE_VERSION: "DO", CellType.DELETE_ALL_VERSION: "DA"}

# An output page takes a window's records (as the dataclass or as the tuple of the same fields,
# which a window's reader decodes), a batch at a time, and gives their output records as a page.
Record = StreamRecord | StreamRecordTuple


class OutputPage(Protocol):
    def add(self, records: Iterable[Record], shard_id: str) -> None:
        """Add the output records of ``records`` (of shard ``shard_id``, in order)."""

    def take(self) -> Sequence[tuple]:
        """The output records added since the last call, as one page."""


def sequence_info(record: Record, shard_id: str) -> str:
    seq = record.sequence_info
    return f"{seq.epoch:010d}_{seq.timestamp_us:020d}_{seq.row_index:010d}_{shard_id}"


# the fields of a change that the output's columns take: key, names, timestamps, values, ops
_KEY, _CELLS = 2, (3, 4, 5, 6)
_ROW_DELETE = (None, None, None, (None,), (None,), (None,), ("DR",))  # a change's DR, in those places


class MultiVersionPage:
    """The multi-version mode's output records, built column by column at :meth:`take` from the
    changes' own tuples (C-speed joins; no tuple per output record)."""

    def __init__(self, export_sequence_info: bool) -> None:
        self.export_sequence_info = export_sequence_info
        self._changes: list[StreamRecordTuple] = []
        self._tails: list[str] = []

    def add(self, records: Iterable[Record], shard_id: str) -> None:
        start = len(self._changes)
        self._changes += [record if isinstance(record, StreamRecordTuple) else _as_tuple(record)
                          for record in records]
        if self.export_sequence_info:
            for change in self._changes[start:]:
                seq = sequence_info(change, shard_id)
                if change.action is not RecordAction.UPDATE:
                    self._tails.append(seq)
                if change.action is not RecordAction.DELETE:
                    self._tails += [f"{seq}:{index:010d}" for index in range(len(change.names))]

    def take(self) -> Sequence[tuple]:
        changes, tails = self._changes, self._tails
        self._changes, self._tails = [], []
        pieces: list[tuple] = []  # per change, its DR and its cells, in order
        counts: list[int] = []  # output records per change
        put, delete = RecordAction.PUT, RecordAction.DELETE
        for change in changes:
            action = change.action
            if action is put:
                pieces += (_ROW_DELETE, change)
                counts.append(1 + len(change.names))
            elif action is delete:
                pieces.append(_ROW_DELETE)
                counts.append(1)
            else:
                pieces.append(change)
                counts.append(len(change.names))
        columns: list[Sequence[Any]] = [list(itertools.chain.from_iterable(map(operator.itemgetter(at), pieces)))
                                        for at in _CELLS]
        if self.export_sequence_info:
            columns.append(tails)
        keys = list(map(operator.itemgetter(_KEY), changes))
        widths = set(map(len, keys))
        if len(widths) > 1:  # (keys of several widths: not one table's) a record at a time
            return list(map(operator.add, itertools.chain.from_iterable(map(itertools.repeat, keys, counts)),
                            zip(*columns)))
        width = widths.pop() if widths else 0
        key_columns: list[Sequence[Any]] = [Repeated(list(map(operator.itemgetter(index), keys)), counts)
                                            for index in range(width)]
        return ColumnarPage(key_columns + columns, sum(counts))


def _as_tuple(record: StreamRecord) -> StreamRecordTuple:
    """The dataclass record as the tuple a window decodes (BINARY as bytes, deletes without value)."""
    cells = [(column.name, column.timestamp_ms, _plain(column.value), "U") if column.cell_type is CellType.PUT
             else (column.name, column.timestamp_ms, None, _OP[column.cell_type]) for column in record.columns]
    names, timestamps, values, ops = zip(*cells) if cells else ((), (), (), ())
    seq = record.sequence_info
    return StreamRecordTuple(record.action, tuple(name for name, _ in record.primary_key),
                             tuple([_plain(value) for _, value in record.primary_key]), names, timestamps, values, ops,
                             SequenceInfoTuple(seq.epoch, seq.timestamp_us, seq.row_index), ())


class SingleVersionPage:
    """``single_version_and_update_only``'s output records: ``columns`` in output order."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = columns
        self._rows: list[tuple] = []

    def add(self, records: Iterable[Record], shard_id: str) -> None:
        for record in records:
            if record.action is RecordAction.DELETE:
                continue
            values = dict(record.primary_key)
            values.update((c.name, c.value) for c in record.columns if c.cell_type is CellType.PUT)
            self._rows.append(tuple(_plain(values.get(name)) for name in self.columns))

    def take(self) -> Sequence[tuple]:
        rows, self._rows = self._rows, []
        return rows


def _plain(value: Any) -> Any:
    """BINARY arrives as bytearray; records carry immutable bytes."""
    return bytes(value) if isinstance(value, bytearray) else value
