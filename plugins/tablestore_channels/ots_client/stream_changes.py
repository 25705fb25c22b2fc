"""Stream records decoded in one lean pass into tuples, for a window's reader.

:func:`codec.decode_stream_record` reads a record with the checking reader (:mod:`plainbuffer`)
into frozen dataclasses; a window spends most of its CPU there (CRC-8 byte by byte in Python,
and a few object constructions per cell). :func:`decode_change` reads the same bytes once with
``struct.unpack_from`` into named tuples with the same fields (:class:`StreamRecordTuple`,
:class:`StreamColumnTuple`, :class:`SequenceInfoTuple`), which the converters of
:mod:`tablestore_channels.plugins.otsstreamreader.output_records` take as they take the dataclasses.

Checks: the grammar (tags, lengths, value types, the end of the buffer) and the rules of
:func:`codec._stream_column` (a put has a value and a timestamp, a one-version delete a
timestamp, op bytes known). CRC-8 is not recomputed: the SDK has checked the response body's MD5
(``x-ots-contentmd5``) before decoding. Origin columns (rare: a stream configured with
``columns_to_get``) go through the checking reader.
"""

from __future__ import annotations

import struct
from typing import Any, NamedTuple

from tablestore import INF_MAX, INF_MIN

from tablestore_channels.ots_client import plainbuffer as pbuf
from tablestore_channels.ots_client.models import CellType, RecordAction
from tablestore_channels.ots_client.plainbuffer import PlainBufferError

_U32 = struct.Struct("<I").unpack_from
_I64 = struct.Struct("<q").unpack_from
_F64 = struct.Struct("<d").unpack_from
_SEQUENCE = struct.Struct("<BIBIBqBI").unpack_from  # 0x0C len 0x0D epoch 0x0E ts_us 0x0F row_index
_ACTIONS = {action.value: action for action in RecordAction}
_PUT, _DELETE_ONE, _DELETE_ALL = CellType.PUT, CellType.DELETE_ONE_VERSION, CellType.DELETE_ALL_VERSION
_NAMES: dict[bytes, str] = {}


class SequenceInfoTuple(NamedTuple):
    """:class:`models.SequenceInfo` as a tuple (orders the same way)."""

    epoch: int
    timestamp_us: int
    row_index: int


class StreamColumnTuple(NamedTuple):
    """:class:`models.StreamColumn` as a tuple."""

    name: str
    value: Any
    cell_type: CellType
    timestamp_ms: int | None


_CELL_TYPES = {"U": _PUT, "DO": _DELETE_ONE, "DA": _DELETE_ALL}


class StreamRecordTuple(NamedTuple):
    """:class:`models.StreamRecord` as a tuple, with its cells already in the multi-version
    output's shape: ``key`` the primary-key values (BINARY as bytes), ``cells`` one
    ``(column, timestamp_ms, value, op_type)`` per column change (``U`` / ``DO`` / ``DA``, the
    value BINARY as bytes); :attr:`columns` gives them as column changes."""

    action: RecordAction
    primary_key: list[tuple[str, Any]]
    key: tuple[Any, ...]
    cells: list[tuple[str, int | None, Any, str]]
    sequence_info: SequenceInfoTuple
    origin_columns: list[StreamColumnTuple]

    @property
    def columns(self) -> list[StreamColumnTuple]:
        return [StreamColumnTuple(name, value, _CELL_TYPES[op], timestamp) for name, timestamp, value, op in self.cells]


def decode_change(message: Any) -> StreamRecordTuple:
    """One ``GetStreamRecordResponse.StreamRecord`` as a :class:`StreamRecordTuple`."""
    action = _ACTIONS.get(message.action_type)
    if action is None:
        raise PlainBufferError(f"Stream record: unknown action type {message.action_type}.")
    data = message.record
    try:
        primary_key, cells, sequence = _read(data)
    except (IndexError, struct.error):
        raise PlainBufferError(f"PlainBuffer truncated: a stream record of {len(data)} bytes.") from None
    origin: list[StreamColumnTuple] = []
    if message.origin_record:  # rare: by the checking reader
        origin = [StreamColumnTuple(name, value, _CELL_TYPES[op], timestamp) for name, timestamp, value, op in (
            _cell(cell.name, cell.value, cell.has_value, cell.op, cell.timestamp)
            for cell in pbuf.read_row(message.origin_record).cells)]
    key = tuple([bytes(value) if value.__class__ is bytearray else value for _, value in primary_key])
    return StreamRecordTuple(action, primary_key, key, cells, sequence, origin)


def _name(data: bytes, pos: int) -> tuple[str, int]:
    """The cell name whose length prefix is at ``pos``, and the offset after it."""
    end = pos + 4 + _U32(data, pos)[0]
    raw = data[pos + 4:end]
    name = _NAMES.get(raw)
    if name is None:
        name = _text(raw)
        if len(_NAMES) < 4096:
            _NAMES[raw] = name
    return name, end


def _text(raw: bytes) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError as exc:
        raise PlainBufferError(f"PlainBuffer: a name or STRING value is not UTF-8: {exc}.") from exc


def _value(data: bytes, pos: int, key: bool) -> tuple[Any, int]:
    """The value whose length prefix is at ``pos`` (``key``: of a primary-key cell), and the
    offset after it."""
    size, kind = _U32(data, pos)[0], data[pos + 4]
    end = pos + 4 + size
    if kind in (pbuf.VT_STRING, pbuf.VT_BLOB):
        if _U32(data, pos + 5)[0] != size - 5 or end > len(data):
            raise PlainBufferError(f"PlainBuffer: value at offset {pos} does not match its length prefix.")
        raw = data[pos + 9:end]
        if kind == pbuf.VT_STRING:
            return _text(raw), end
        return (bytearray(raw) if key else raw), end
    if kind == pbuf.VT_INTEGER and size == 9:
        return _I64(data, pos + 5)[0], end
    if key:
        if kind in (pbuf.VT_INF_MIN, pbuf.VT_INF_MAX) and size == 1:
            return (INF_MIN if kind == pbuf.VT_INF_MIN else INF_MAX), end
    elif kind == pbuf.VT_DOUBLE and size == 9:
        return _F64(data, pos + 5)[0], end
    elif kind == pbuf.VT_BOOLEAN and size == 2:
        return data[pos + 5] != 0, end
    raise PlainBufferError(f"PlainBuffer: value type 0x{kind:02X} of length {size} not allowed here.")


def _read(data: bytes) -> tuple[list[tuple[str, Any]], list[tuple[str, int | None, Any, str]], SequenceInfoTuple]:
    if _U32(data, 0)[0] != pbuf.HEADER:
        raise PlainBufferError("PlainBuffer: missing header 0x75.")
    pos = 4
    primary_key: list[tuple[str, Any]] = []
    if data[pos] == pbuf.TAG_ROW_PK:
        pos += 1
        while data[pos] == pbuf.TAG_CELL:
            if data[pos + 1] != pbuf.TAG_CELL_NAME or data[pos + 2 + 4 + _U32(data, pos + 2)[0]] != pbuf.TAG_CELL_VALUE:
                raise PlainBufferError(f"PlainBuffer: a primary-key cell at offset {pos} without name or value.")
            name, pos = _name(data, pos + 2)
            value, pos = _value(data, pos + 1, True)
            if data[pos] != pbuf.TAG_CELL_CHECKSUM:
                raise PlainBufferError(f"PlainBuffer: expected a cell checksum at offset {pos}.")
            primary_key.append((name, value))
            pos += 2
    cells: list[tuple[str, int | None, Any, str]] = []
    if data[pos] == pbuf.TAG_ROW_DATA:
        pos += 1
        names = _NAMES
        while data[pos] == pbuf.TAG_CELL:
            if data[pos + 1] != pbuf.TAG_CELL_NAME:
                raise PlainBufferError(f"PlainBuffer: expected a cell name at offset {pos + 1}.")
            end = pos + 6 + _U32(data, pos + 2)[0]
            name = names.get(data[pos + 6:end]) or _name(data, pos + 2)[0]
            pos = end
            value, op, timestamp = None, None, None
            has_value = data[pos] == pbuf.TAG_CELL_VALUE
            if has_value:
                value, pos = _value(data, pos + 1, False)
                if data[pos] == pbuf.TAG_CELL_TIMESTAMP and data[pos + 9] == pbuf.TAG_CELL_CHECKSUM:
                    # a put, the common case (an attribute's BINARY value comes as bytes)
                    timestamp = _I64(data, pos + 1)[0]
                    if timestamp < 0:
                        raise PlainBufferError(f"PlainBuffer: negative cell timestamp {timestamp}.")
                    cells.append((name, timestamp, value, "U"))
                    pos += 11
                    continue
            if data[pos] == pbuf.TAG_CELL_TYPE:
                op, pos = data[pos + 1], pos + 2
            if data[pos] == pbuf.TAG_CELL_TIMESTAMP:
                timestamp, pos = _I64(data, pos + 1)[0], pos + 9
                if timestamp < 0:
                    raise PlainBufferError(f"PlainBuffer: negative cell timestamp {timestamp}.")
            if data[pos] != pbuf.TAG_CELL_CHECKSUM:
                raise PlainBufferError(f"PlainBuffer: expected a cell checksum at offset {pos}.")
            pos += 2
            cells.append(_cell(name, value, has_value, op, timestamp))
    if data[pos] == pbuf.TAG_DELETE_ROW_MARKER:
        pos += 1
    sequence = None
    if data[pos] == pbuf.TAG_EXTENSION:
        end = pos + 5 + _U32(data, pos + 1)[0]
        pos += 5
        while pos < end:
            if data[pos] == pbuf.TAG_SEQ_INFO:
                _, size, epoch_tag, epoch, ts_tag, timestamp_us, index_tag, row_index = _SEQUENCE(data, pos)
                if (epoch_tag, ts_tag, index_tag) != (pbuf.TAG_SEQ_INFO_EPOCH, pbuf.TAG_SEQ_INFO_TS,
                                                      pbuf.TAG_SEQ_INFO_ROW_INDEX) or size < 19:
                    raise PlainBufferError(f"PlainBuffer: malformed sequence info at offset {pos}.")
                sequence = SequenceInfoTuple(epoch, timestamp_us, row_index)
            pos += 5 + _U32(data, pos + 1)[0]  # (an extension this reader does not know: skipped)
        if pos != end:
            raise PlainBufferError("PlainBuffer: extension overruns its length prefix.")
    if data[pos] != pbuf.TAG_ROW_CHECKSUM or pos + 2 != len(data):
        raise PlainBufferError(f"PlainBuffer: expected the row checksum and the end at offset {pos}.")
    if sequence is None:
        raise PlainBufferError("Stream record: the row lacks its sequence info extension.")
    return primary_key, cells, sequence


def _cell(name: str, value: Any, has_value: bool, op: int | None,
          timestamp: int | None) -> tuple[str, int | None, Any, str]:
    """A record cell as ``(column, timestamp_ms, value, op_type)``, by its op byte (absent means
    a put); a BINARY value as bytes."""
    if op is None:
        if not has_value or timestamp is None:
            raise PlainBufferError(f"Stream record: put of column {name!r} lacks value or timestamp.")
        return (name, timestamp, bytes(value) if value.__class__ is bytearray else value, "U")
    if op == _DELETE_ONE.value:
        if timestamp is None:
            raise PlainBufferError(f"Stream record: deletion of one version of {name!r} lacks the timestamp.")
        return (name, timestamp, None, "DO")
    if op == _DELETE_ALL.value:
        return (name, None, None, "DA")
    raise PlainBufferError(f"Stream record: column {name!r} has unknown cell type 0x{op:02X}.")
