"""PlainBuffer, Tablestore's row encoding: our own reader and writer.

The SDK's reader cannot decode INF_MIN/INF_MAX keys, UpdateRow cell types or the stream-record
extension, so the server reads and writes PlainBuffer itself. All integers are little-endian.

    buffer    := u32 0x75  row*
    row       := 0x01 cell* [0x02 cell*] [0x08] [extension] 0x09 crc
    cell      := 0x03 0x04 u32 name  [0x05 u32 L type body] [0x06 op] [0x07 i64 ts] 0x0A crc
    extension := 0x0B u32 24  0x0C u32 19  0x0D u32 epoch  0x0E i64 ts_us  0x0F u32 row_index

Checksums are CRC-8 (poly 0x07, init 0). A cell's covers the name, the value (type byte and body),
the timestamp and then the op byte (not the wire order); a row's covers its cells' checksums and
one byte for the delete marker, not the extension.

Python values: INTEGER ``int``, DOUBLE ``float``, BOOLEAN ``bool``, STRING ``str``, BINARY
``bytes``; primary keys may also be :data:`INF_MIN`, :data:`INF_MAX` or :data:`AUTO_INCREMENT`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import crcmod

from localcloud.tablestore.errors import invalid

# The wire constants, as the Java and Go SDKs' PlainBuffer readers define them.
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
VT_AUTO_INCREMENT = 0x0B

crc8 = crcmod.mkCrcFun(0x107, initCrc=0, rev=False, xorOut=0)


HEADER_BYTES = struct.pack("<I", HEADER)

# Cell op types. PUT has no op byte on the wire.
PUT = 0
DELETE_ALL_VERSION = 0x01
DELETE_ONE_VERSION = 0x03
INCREMENT = 0x04


class _Special:
    """A primary-key value without a body (INF_MIN, INF_MAX, AUTO_INCREMENT)."""

    __slots__ = ("name", "type_byte")

    def __init__(self, name: str, type_byte: int) -> None:
        self.name = name
        self.type_byte = type_byte

    def __repr__(self) -> str:
        return self.name


INF_MIN = _Special("INF_MIN", VT_INF_MIN)
INF_MAX = _Special("INF_MAX", VT_INF_MAX)
AUTO_INCREMENT = _Special("AUTO_INCREMENT", VT_AUTO_INCREMENT)
_SPECIAL_BY_TYPE = {s.type_byte: s for s in (INF_MIN, INF_MAX, AUTO_INCREMENT)}

_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")


@dataclass
class Cell:
    """An attribute cell as a request or record carries it: ``value`` None means no value."""

    name: str
    value: object = None
    op: int = PUT
    timestamp: int | None = None


@dataclass
class SequenceInfo:
    epoch: int
    timestamp: int  # µs
    row_index: int


@dataclass
class PlainRow:
    primary_key: list[tuple[str, object]]
    cells: list[Cell] = field(default_factory=list)
    delete_marker: bool = False
    sequence: SequenceInfo | None = None


# --- writing ------------------------------------------------------------------------------
def value_payload(value) -> bytes:
    """Type byte and body of a value: what TAG_CELL_VALUE carries after its length, and exactly
    what the cell checksum covers for the value."""
    kind = type(value)
    if kind is str:
        data = value.encode("utf-8")
        return b"\x03" + _U32.pack(len(data)) + data
    if kind is int:
        return b"\x00" + _I64.pack(value)
    if kind is bytes:
        return b"\x07" + _U32.pack(len(value)) + value
    if kind is float:
        return b"\x01" + _F64.pack(value)
    if kind is bool:
        return b"\x02\x01" if value else b"\x02\x00"
    if isinstance(value, _Special):
        return bytes((value.type_byte,))
    raise TypeError(f"cannot encode {kind.__name__} as a PlainBuffer value")


def encode_cell(name: str, value=None, timestamp: int | None = None, op: int = PUT) -> tuple[bytes, int]:
    """One cell (TAG_CELL ... TAG_CELL_CHECKSUM crc) and its checksum."""
    name_bytes = name.encode("utf-8")
    if op == PUT and value is not None and timestamp is not None:  # the common case, in one go
        payload = value_payload(value)
        stamp = _I64.pack(timestamp)
        checksum = crc8(stamp, crc8(name_bytes + payload))
        return b"".join((b"\x03\x04", _U32.pack(len(name_bytes)), name_bytes, b"\x05", _U32.pack(len(payload)),
                         payload, b"\x07", stamp, bytes((TAG_CELL_CHECKSUM, checksum)))), checksum
    parts = [b"\x03\x04", _U32.pack(len(name_bytes)), name_bytes]
    covered = name_bytes
    if value is not None:
        payload = value_payload(value)
        parts += [b"\x05", _U32.pack(len(payload)), payload]
        covered += payload
    if op != PUT:
        parts.append(bytes((TAG_CELL_TYPE, op)))
    if timestamp is not None:
        stamp = _I64.pack(timestamp)
        parts += [b"\x07", stamp]
        covered += stamp
    if op != PUT:
        covered += bytes((op,))
    checksum = crc8(covered)
    parts.append(bytes((TAG_CELL_CHECKSUM, checksum)))
    return b"".join(parts), checksum


def encode_primary_key(primary_key) -> tuple[bytes, bytes]:
    """The PK cells (without TAG_ROW_PK) and the concatenated cell checksums."""
    parts, checksums = [], bytearray()
    for name, value in primary_key:
        data, checksum = encode_cell(name, value)
        parts.append(data)
        checksums.append(checksum)
    return b"".join(parts), bytes(checksums)


def encode_row(pk_cells: bytes, pk_checksums: bytes, cells: list[tuple[bytes, int]],
               delete_marker: bool = False, sequence: SequenceInfo | None = None) -> bytes:
    """A row without the buffer header, from an encoded PK and encoded cells."""
    parts = [b"\x01", pk_cells]
    checksums = bytearray(pk_checksums)
    if cells:
        parts.append(b"\x02")
        for data, checksum in cells:
            parts.append(data)
            checksums.append(checksum)
    if delete_marker:
        parts.append(b"\x08")
    checksums.append(1 if delete_marker else 0)
    if sequence is not None:
        parts.append(encode_sequence_info(sequence))
    parts.append(bytes((TAG_ROW_CHECKSUM, crc8(bytes(checksums)))))
    return b"".join(parts)


def encode_sequence_info(sequence: SequenceInfo) -> bytes:
    return b"".join((
        b"\x0b", _U32.pack(24), b"\x0c", _U32.pack(19),
        b"\x0d", _U32.pack(sequence.epoch), b"\x0e", _I64.pack(sequence.timestamp),
        b"\x0f", _U32.pack(sequence.row_index),
    ))


def encode_buffer(rows: list[PlainRow]) -> bytes:
    """A whole buffer (header and rows) from decoded rows: for tests, split points and records."""
    out = [HEADER_BYTES]
    for row in rows:
        pk_cells, pk_checksums = encode_primary_key(row.primary_key)
        cells = [encode_cell(c.name, c.value, c.timestamp, c.op) for c in row.cells]
        out.append(encode_row(pk_cells, pk_checksums, cells, row.delete_marker, row.sequence))
    return b"".join(out)


# --- reading ------------------------------------------------------------------------------
# Plain functions over (buffer, offset): this is the hot path of every write request.
_u32_at = _U32.unpack_from
_i64_at = _I64.unpack_from


class _Malformed(Exception):
    pass


def _read_value(buf: bytes, pos: int, end: int) -> object:
    """The value whose type byte is at ``pos`` and whose payload ends at ``end``."""
    kind = buf[pos]
    if kind in (VT_STRING, VT_BLOB):
        if _u32_at(buf, pos + 1)[0] != end - pos - 5:
            raise _Malformed("bad string length")
        data = buf[pos + 5:end]
        return data if kind == VT_BLOB else data.decode("utf-8")
    size = end - pos
    if kind == VT_INTEGER and size == 9:
        return _i64_at(buf, pos + 1)[0]
    if kind == VT_DOUBLE and size == 9:
        return _F64.unpack_from(buf, pos + 1)[0]
    if kind == VT_BOOLEAN and size == 2:
        return buf[pos + 1] != 0
    if kind in _SPECIAL_BY_TYPE and size == 1:
        return _SPECIAL_BY_TYPE[kind]
    raise _Malformed(f"unsupported value type {kind}")


def _read_cell(buf: bytes, pos: int) -> tuple[Cell, int, int]:
    """The cell at ``pos`` (its TAG_CELL), its checksum and the offset after it."""
    if buf[pos + 1] != TAG_CELL_NAME:
        raise _Malformed(f"expected TAG_CELL_NAME at offset {pos + 1}")
    size = _u32_at(buf, pos + 2)[0]
    start = pos + 6
    pos = start + size
    if pos > len(buf):
        raise _Malformed("truncated cell name")
    cell = Cell(buf[start:pos].decode("utf-8"))
    covered_end = pos
    tag = buf[pos]
    if tag == TAG_CELL_VALUE:
        size = _u32_at(buf, pos + 1)[0]
        value_end = pos + 5 + size
        if size == 0 or value_end > len(buf):
            raise _Malformed("truncated cell value")
        cell.value = _read_value(buf, pos + 5, value_end)
        # name and value payload are covered; the length prefix in between is not
        covered = buf[start:covered_end] + buf[pos + 5:value_end]
        pos = value_end
        tag = buf[pos]
    else:
        covered = buf[start:covered_end]
    if tag == TAG_CELL_TYPE:
        cell.op = buf[pos + 1]
        pos += 2
        tag = buf[pos]
    if tag == TAG_CELL_TIMESTAMP:
        covered += buf[pos + 1:pos + 9]
        cell.timestamp = _i64_at(buf, pos + 1)[0]
        pos += 9
        tag = buf[pos]
    if cell.op != PUT:
        covered += bytes((cell.op,))
    if tag != TAG_CELL_CHECKSUM:
        raise _Malformed(f"expected TAG_CELL_CHECKSUM at offset {pos}")
    checksum = buf[pos + 1]
    if checksum != crc8(covered):
        raise _Malformed(f"checksum mismatch in cell {cell.name!r}")
    return cell, checksum, pos + 2


def _read_extension(buf: bytes, pos: int) -> tuple[SequenceInfo | None, int]:
    end = pos + 4 + _u32_at(buf, pos)[0]
    pos += 4
    sequence = None
    while pos < end:
        tag, size = buf[pos], _u32_at(buf, pos + 1)[0]
        if tag == TAG_SEQ_INFO:
            if (buf[pos + 5], buf[pos + 10], buf[pos + 19]) != (TAG_SEQ_INFO_EPOCH, TAG_SEQ_INFO_TS,
                                                                 TAG_SEQ_INFO_ROW_INDEX):
                raise _Malformed("bad sequence info")
            sequence = SequenceInfo(_u32_at(buf, pos + 6)[0], _i64_at(buf, pos + 11)[0], _u32_at(buf, pos + 20)[0])
        pos += 5 + size
    return sequence, end


def _read_row(buf: bytes, pos: int) -> tuple[PlainRow, int]:
    if buf[pos] != TAG_ROW_PK:
        raise _Malformed(f"expected TAG_ROW_PK at offset {pos}")
    pos += 1
    row = PlainRow([])
    checksums = bytearray()
    while buf[pos] == TAG_CELL:
        cell, checksum, pos = _read_cell(buf, pos)
        if cell.value is None or cell.op != PUT or cell.timestamp is not None:
            raise _Malformed(f"primary key column {cell.name!r} must have only a value")
        row.primary_key.append((cell.name, cell.value))
        checksums.append(checksum)
    if buf[pos] == TAG_ROW_DATA:
        pos += 1
        while buf[pos] == TAG_CELL:
            cell, checksum, pos = _read_cell(buf, pos)
            row.cells.append(cell)
            checksums.append(checksum)
    if buf[pos] == TAG_DELETE_ROW_MARKER:
        pos += 1
        row.delete_marker = True
    checksums.append(1 if row.delete_marker else 0)
    if buf[pos] == TAG_EXTENSION:
        row.sequence, pos = _read_extension(buf, pos + 1)
    if buf[pos] != TAG_ROW_CHECKSUM:
        raise _Malformed(f"expected TAG_ROW_CHECKSUM at offset {pos}")
    if buf[pos + 1] != crc8(bytes(checksums)):
        raise _Malformed("row checksum mismatch")
    return row, pos + 2


def _decode(read, buf: bytes):
    try:
        return read(bytes(buf))
    except _Malformed as exc:
        raise invalid(f"Invalid PlainBuffer: {exc}.") from None
    except (IndexError, struct.error, UnicodeDecodeError):
        raise invalid("Invalid PlainBuffer: truncated or malformed data.") from None


def _rows(buf: bytes) -> list[PlainRow]:
    if len(buf) < 4 or _u32_at(buf, 0)[0] != HEADER:
        raise _Malformed("bad header")
    rows, pos = [], 4
    while pos < len(buf):
        # The Node.js SDK sizes a buffer from an estimate and sends the unused tail as zero
        # bytes; the service reads tag 0 as the end of the input, as the Java SDK's reader does.
        if buf[pos] == 0 and not buf[pos:].strip(b"\x00"):
            break
        row, pos = _read_row(buf, pos)
        rows.append(row)
    return rows


def decode_rows(buf: bytes) -> list[PlainRow]:
    """All rows of a buffer (an empty buffer has none)."""
    return _decode(_rows, buf) if buf else []


def decode_row_body(data: bytes) -> PlainRow:
    """A row stored without the buffer header (as the server keeps its rows)."""
    return _decode(lambda b: _read_row(b, 0)[0], data)


def decode_row(buf: bytes) -> PlainRow:
    """The single row of a buffer (a request's primary key or row change)."""
    rows = decode_rows(buf)
    if len(rows) != 1:
        raise invalid(f"Invalid PlainBuffer: expected one row, found {len(rows)}.")
    return rows[0]
