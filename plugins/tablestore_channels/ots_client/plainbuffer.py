"""Reader of PlainBuffer rows as stream records and split points carry them.

The SDK's reader cannot decode INF_MIN/INF_MAX keys, cell op types or the sequence-info extension
(tag 0x0B), so this one reads the full grammar:

    buffer    := u32 0x75, row+
    row       := [0x01 cell*] [0x02 cell*] [0x08] [0x0B u32 extension] 0x09 crc8
    cell      := 0x03 [0x04 u32 name] [0x05 u32 L type body] [0x06 op] [0x07 i64 ts] 0x0A crc8
    extension := (0x0C u32 (0x0D u32 epoch, 0x0E i64 ts_us, 0x0F u32 row_index) | tag u32 skip)*

Integers are little-endian. A cell's CRC-8 (poly 0x07) covers name, value (type byte and body),
timestamp and then op byte - not the wire order; a row's covers its cells' CRCs and the delete
marker flag, not the extension. Checksums are verified.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from tablestore import INF_MAX, INF_MIN, OTSClientError

from tablestore_channels.ots_client.models import SequenceInfo

HEADER = 0x75

TAG_ROW_PK = 0x01
TAG_ROW_DATA = 0x02
TAG_CELL = 0x03
TAG_CELL_NAME = 0x04
TAG_CELL_VALUE = 0x05
TAG_CELL_TYPE = 0x06
TAG_CELL_TIMESTAMP = 0x07
TAG_DELETE_ROW_MARKER = 0x08
TAG_ROW_CHECKSUM = 0x09
TAG_CELL_CHECKSUM = 0x0A
TAG_EXTENSION = 0x0B
TAG_SEQ_INFO = 0x0C
TAG_SEQ_INFO_EPOCH = 0x0D
TAG_SEQ_INFO_TS = 0x0E
TAG_SEQ_INFO_ROW_INDEX = 0x0F

VT_INTEGER = 0x00
VT_DOUBLE = 0x01
VT_BOOLEAN = 0x02
VT_STRING = 0x03
VT_BLOB = 0x07
VT_INF_MIN = 0x09
VT_INF_MAX = 0x0A

PK_VALUE_TYPES = frozenset({VT_INTEGER, VT_STRING, VT_BLOB, VT_INF_MIN, VT_INF_MAX})
ATTRIBUTE_VALUE_TYPES = frozenset({VT_INTEGER, VT_DOUBLE, VT_BOOLEAN, VT_STRING, VT_BLOB})


def _crc8_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return tuple(table)


_CRC8 = _crc8_table()


def crc8(crc: int, data: bytes) -> int:
    """CRC-8 (x^8+x^2+x+1, no reflection) of ``data`` continuing from ``crc``."""
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


class PlainBufferError(OTSClientError):
    """A PlainBuffer that is malformed or fails its checksum."""


@dataclass(frozen=True)
class PlainCell:
    """A decoded cell; ``op`` is the raw op-type byte (None when absent, i.e. a put)."""

    name: str
    value: Any = None
    has_value: bool = False
    op: int | None = None
    timestamp: int | None = None


@dataclass(frozen=True)
class PlainRow:
    primary_key: list[tuple[str, Any]]
    cells: list[PlainCell]
    delete_marker: bool
    sequence_info: SequenceInfo | None


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def peek(self) -> int | None:
        return None if self.at_end() else self.data[self.pos]

    def take(self, size: int) -> bytes:
        end = self.pos + size
        if size < 0 or end > len(self.data):
            raise PlainBufferError(
                f"PlainBuffer truncated: need {size} byte(s) at offset {self.pos}, "
                f"buffer has {len(self.data)}."
            )
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def i64(self) -> int:
        return struct.unpack("<q", self.take(8))[0]

    def expect(self, tag: int) -> None:
        found = self.peek()
        if found != tag:
            raise PlainBufferError(
                f"PlainBuffer: expected tag 0x{tag:02X} at offset {self.pos}, found "
                + ("end of buffer." if found is None else f"0x{found:02X}.")
            )
        self.pos += 1

    def accept(self, tag: int) -> bool:
        if self.peek() == tag:
            self.pos += 1
            return True
        return False


def _read_value(reader: _Reader, allowed: frozenset[int]) -> tuple[Any, bytes]:
    """The value after TAG_CELL_VALUE, and the bytes its checksum covers."""
    size = reader.u32()
    start = reader.pos
    value_type = reader.u8()
    if value_type not in allowed:
        raise PlainBufferError(f"PlainBuffer: value type 0x{value_type:02X} not allowed here.")
    value: Any
    if value_type == VT_INTEGER:
        value = reader.i64()
    elif value_type == VT_DOUBLE:
        value = struct.unpack("<d", reader.take(8))[0]
    elif value_type == VT_BOOLEAN:
        value = reader.u8() != 0
    elif value_type in (VT_STRING, VT_BLOB):
        raw = reader.take(reader.u32())
        if value_type == VT_BLOB:
            value = bytearray(raw)
        else:
            try:
                value = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise PlainBufferError(f"PlainBuffer: STRING value is not UTF-8: {exc}.") from exc
    else:
        value = INF_MIN if value_type == VT_INF_MIN else INF_MAX
    if reader.pos - start != size:
        raise PlainBufferError(
            f"PlainBuffer: value length prefix {size} does not match its {reader.pos - start} bytes."
        )
    if value_type == VT_BOOLEAN:  # the checksum sees a boolean as 0/1, whatever byte travelled
        return value, bytes((VT_BOOLEAN, int(value)))
    return value, reader.data[start:reader.pos]


def _read_cell(reader: _Reader, allowed: frozenset[int]) -> tuple[PlainCell, int]:
    reader.expect(TAG_CELL)
    reader.expect(TAG_CELL_NAME)
    raw_name = reader.take(reader.u32())
    crc = crc8(0, raw_name)
    value, has_value, op, timestamp = None, False, None, None
    if reader.accept(TAG_CELL_VALUE):
        value, covered = _read_value(reader, allowed)
        has_value = True
        crc = crc8(crc, covered)
    if reader.accept(TAG_CELL_TYPE):
        op = reader.u8()
    if reader.accept(TAG_CELL_TIMESTAMP):
        timestamp = reader.i64()
        if timestamp < 0:
            raise PlainBufferError(f"PlainBuffer: negative cell timestamp {timestamp}.")
        crc = crc8(crc, struct.pack("<q", timestamp))
    if op is not None:
        crc = crc8(crc, bytes((op,)))
    reader.expect(TAG_CELL_CHECKSUM)
    expected = reader.u8()
    try:
        name = raw_name.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlainBufferError(f"PlainBuffer: cell name is not UTF-8: {exc}.") from exc
    if expected != crc:
        raise PlainBufferError(
            f"PlainBuffer: checksum mismatch in cell {name!r} (stored 0x{expected:02X}, "
            f"computed 0x{crc:02X})."
        )
    return PlainCell(name, value, has_value, op, timestamp), crc


def _read_sequence_info(reader: _Reader) -> SequenceInfo:
    end = reader.u32() + reader.pos
    reader.expect(TAG_SEQ_INFO_EPOCH)
    epoch = reader.u32()
    reader.expect(TAG_SEQ_INFO_TS)
    timestamp = reader.i64()
    reader.expect(TAG_SEQ_INFO_ROW_INDEX)
    row_index = reader.u32()
    if reader.pos > end:
        raise PlainBufferError("PlainBuffer: sequence info overruns its length prefix.")
    reader.pos = end  # room for fields a newer service may append
    return SequenceInfo(epoch, timestamp, row_index)


def _read_extension(reader: _Reader) -> SequenceInfo | None:
    end = reader.u32() + reader.pos
    if end > len(reader.data):
        raise PlainBufferError("PlainBuffer: extension overruns the buffer.")
    sequence_info = None
    while reader.pos < end:
        if reader.accept(TAG_SEQ_INFO):
            sequence_info = _read_sequence_info(reader)
        else:  # an extension this reader does not know: tag, u32 length, body
            reader.u8()
            reader.take(reader.u32())
    if reader.pos != end:
        raise PlainBufferError("PlainBuffer: extension overruns its length prefix.")
    return sequence_info


def _read_row(reader: _Reader) -> PlainRow:
    primary_key, cells, row_crc = [], [], 0
    if reader.accept(TAG_ROW_PK):
        while reader.peek() == TAG_CELL:
            cell, crc = _read_cell(reader, PK_VALUE_TYPES)
            if not cell.has_value:
                raise PlainBufferError(f"PlainBuffer: primary key column {cell.name!r} has no value.")
            primary_key.append((cell.name, cell.value))
            row_crc = _CRC8[row_crc ^ crc]
    if reader.accept(TAG_ROW_DATA):
        while reader.peek() == TAG_CELL:
            cell, crc = _read_cell(reader, ATTRIBUTE_VALUE_TYPES)
            cells.append(cell)
            row_crc = _CRC8[row_crc ^ crc]
    delete_marker = reader.accept(TAG_DELETE_ROW_MARKER)
    sequence_info = _read_extension(reader) if reader.accept(TAG_EXTENSION) else None
    row_crc = _CRC8[row_crc ^ int(delete_marker)]
    reader.expect(TAG_ROW_CHECKSUM)
    expected = reader.u8()
    if expected != row_crc:
        raise PlainBufferError(
            f"PlainBuffer: row checksum mismatch (stored 0x{expected:02X}, computed 0x{row_crc:02X})."
        )
    return PlainRow(primary_key, cells, delete_marker, sequence_info)


def read_rows(data: bytes) -> list[PlainRow]:
    """All rows of a PlainBuffer that starts with the header."""
    reader = _Reader(data)
    if len(reader.data) < 4 or reader.u32() != HEADER:
        raise PlainBufferError("PlainBuffer: missing header 0x75.")
    rows = [_read_row(reader)]
    while not reader.at_end():
        rows.append(_read_row(reader))
    return rows


def read_row_at(data: bytes, pos: int) -> tuple[PlainRow, int]:
    """The row at offset ``pos`` of a PlainBuffer (after its header), and the offset after it."""
    reader = _Reader(data)
    reader.pos = pos
    return _read_row(reader), reader.pos


def read_row(data: bytes) -> PlainRow:
    """The single row of a stream record or split point."""
    rows = read_rows(data)
    if len(rows) != 1:
        raise PlainBufferError(f"PlainBuffer: expected one row, found {len(rows)}.")
    return rows[0]
