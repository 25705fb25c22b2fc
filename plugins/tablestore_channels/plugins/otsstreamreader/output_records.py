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

from collections.abc import Callable, Sequence
from typing import Any

from tablestore_channels.ots_client.models import CellType, RecordAction, StreamRecord
from tablestore_channels.ots_client.stream_changes import StreamRecordTuple

MULTI_VERSION_FIELDS = ("column", "timestamp", "value", "op_type")
SEQUENCE_FIELD = "sequence_info"
_OP = {CellType.PUT: "U", CellType.DELETE_ONE_VERSION: "DO", CellType.DELETE_ALL_VERSION: "DA"}
_ROW_DELETE = (None, None, None, "DR")

# A converter returns a record's output records as a list: a window builds its pages of them. It
# takes a record as the dataclass or as the tuple of the same fields (what a window's reader decodes).
Record = StreamRecord | StreamRecordTuple
Converter = Callable[[Record, str], list[tuple]]


def sequence_info(record: Record, shard_id: str) -> str:
    seq = record.sequence_info
    return f"{seq.epoch:010d}_{seq.timestamp_us:020d}_{seq.row_index:010d}_{shard_id}"


def multi_version(export_sequence_info: bool) -> Converter:
    """Converter of the multi-version mode."""
    put, update, delete = CellType.PUT, RecordAction.UPDATE, RecordAction.DELETE

    def cells(record: Record, pk: tuple) -> list[tuple]:
        # one comprehension for the cells (the window's per-change work): a PUT's value, as
        # immutable bytes if binary, the deletes have none; an identity test before the op
        # lookup, whose enum hashing costs more than the rest of a PUT's cell
        return [pk + ((column.name, column.timestamp_ms,
                       bytes(value) if (value := column.value).__class__ is bytearray else value, "U")
                      if column.cell_type is put else (column.name, column.timestamp_ms, None, _OP[column.cell_type]))
                for column in record.columns]

    def convert(record: Record, shard_id: str) -> list[tuple]:
        action = record.action
        if record.__class__ is StreamRecordTuple:  # decoded into the output's shape already
            pk = record.key
            rows = [] if action is update else [pk + _ROW_DELETE]
            if action is not delete:
                rows += [pk + cell for cell in record.cells]
        else:
            pk = tuple([bytes(v) if v.__class__ is bytearray else v for _, v in record.primary_key])
            rows = [] if action is update else [pk + _ROW_DELETE]
            if action is not delete:
                rows += cells(record, pk)
        if not export_sequence_info:
            return rows
        seq = sequence_info(record, shard_id)
        tails = [f"{seq}:{index:010d}" for index in range(len(record.columns))]
        if action is not update:
            tails.insert(0, seq)
        return [row + (tail,) for row, tail in zip(rows, tails)]

    return convert


def single_version(columns: Sequence[str]) -> Converter:
    """Converter of ``single_version_and_update_only``: ``columns`` in output order."""

    def convert(record: Record, shard_id: str) -> list[tuple]:
        if record.action is RecordAction.DELETE:
            return []
        values = dict(record.primary_key)
        values.update((c.name, c.value) for c in record.columns if c.cell_type is CellType.PUT)
        return [tuple(_plain(values.get(name)) for name in columns)]

    return convert


def _plain(value: Any) -> Any:
    """BINARY arrives as bytearray; records carry immutable bytes."""
    return bytes(value) if isinstance(value, bytearray) else value
