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

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from tablestore_channels.ots_client.models import CellType, RecordAction, StreamRecord

MULTI_VERSION_FIELDS = ("column", "timestamp", "value", "op_type")
SEQUENCE_FIELD = "sequence_info"
_OP = {CellType.PUT: "U", CellType.DELETE_ONE_VERSION: "DO", CellType.DELETE_ALL_VERSION: "DA"}

Converter = Callable[[StreamRecord, str], Iterator[tuple]]


def sequence_info(record: StreamRecord, shard_id: str) -> str:
    seq = record.sequence_info
    return f"{seq.epoch:010d}_{seq.timestamp_us:020d}_{seq.row_index:010d}_{shard_id}"


def multi_version(export_sequence_info: bool) -> Converter:
    """Converter of the multi-version mode."""

    def convert(record: StreamRecord, shard_id: str) -> Iterator[tuple]:
        pk = tuple(_plain(v) for _, v in record.primary_key)
        seq = sequence_info(record, shard_id) if export_sequence_info else None
        tail: tuple = (seq,) if export_sequence_info else ()
        if record.action is not RecordAction.UPDATE:
            yield (*pk, None, None, None, "DR", *tail)
        if record.action is RecordAction.DELETE:
            return
        for index, column in enumerate(record.columns):
            value = _plain(column.value) if column.cell_type is CellType.PUT else None
            if export_sequence_info:
                tail = (f"{seq}:{index:010d}",)
            yield (*pk, column.name, column.timestamp_ms, value, _OP[column.cell_type], *tail)

    return convert


def single_version(columns: Sequence[str]) -> Converter:
    """Converter of ``single_version_and_update_only``: ``columns`` in output order."""

    def convert(record: StreamRecord, shard_id: str) -> Iterator[tuple]:
        if record.action is RecordAction.DELETE:
            return
        values = dict(record.primary_key)
        values.update((c.name, c.value) for c in record.columns if c.cell_type is CellType.PUT)
        yield tuple(_plain(values.get(name)) for name in columns)

    return convert


def _plain(value: Any) -> Any:
    """BINARY arrives as bytearray; records carry immutable bytes."""
    return bytes(value) if isinstance(value, bytearray) else value
