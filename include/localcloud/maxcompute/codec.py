"""Tunnel data streams <-> Arrow tables: the record stream and the Arrow stream, both verified.

Record stream (a block upload without ``arrow=``, and a record download). Each record is a run of
protobuf fields, one per non-null column, numbered from 1 in table column order, then
``TUNNEL_END_RECORD`` (varint) with the record's CRC32C as a uint32 (pyodps's C writer sends it
sign-extended to 64 bits when its top bit is set; both forms are read, the 5-byte form written). After the last record come
``TUNNEL_META_COUNT`` (sint64 record count) and ``TUNNEL_META_CHECKSUM`` (uint32 CRC32C of the
records' checksums, each as 4 little-endian bytes). Values:

- integers, DATETIME (epoch ms), DATE (epoch days): zigzag varint (sint64), wire type 0;
  BOOLEAN: varint 0/1, wire type 0; FLOAT / DOUBLE: little-endian fixed32 / fixed64;
- STRING, VARCHAR, CHAR, BINARY: length-prefixed bytes; DECIMAL: its text, length-prefixed;
- TIMESTAMP / TIMESTAMP_NTZ: wire type 2 but no length: sint64 epoch seconds, sint32 nanoseconds;
- ARRAY: uint32 count, then per element a bool "is null" and the element; MAP: the keys as an
  array, then the values as an array; STRUCT: per field a bool "is null" and the value. Nested
  values carry no tag; composite columns use wire type 2 without a length.

A record's CRC32C covers, in order, each present field's number (4 bytes little-endian) and its
value: integers and times as 8 bytes, nanoseconds 4, BOOLEAN 1, FLOAT 4, DOUBLE 8 (little-endian),
strings as their bytes. Counts, null flags and length prefixes are not covered.

Arrow stream (``arrow=``): a big-endian uint32 chunk size, then the IPC record-batch messages (no
schema message) cut into chunks of that size, each full chunk followed by its CRC32C (big-endian),
and after the last, shorter chunk the CRC32C of all the data.

A body that breaks any of this is refused with ``MalformedDataStream``, the service's code.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from localcloud.maxcompute.errors import MaxComputeError
from localcloud.maxcompute.schema import Column
from localcloud.maxcompute.types import INTEGER_KINDS, STRING_KINDS, TIMESTAMP_KINDS, DataType

try:
    from crc32c import crc32c as _crc32c
except ImportError:  # pragma: no cover - the crc32c wheel comes with the tablestore SDK
    _crc32c = None

ARROW_CHUNK_SIZE = 65536
TUNNEL_META_COUNT = 33554430
TUNNEL_META_CHECKSUM = 33554431
TUNNEL_END_RECORD = 33553408
VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5
NANOS = 1_000_000_000
_DECIMALS = Context(prec=100, rounding=ROUND_HALF_UP)  # room for any DECIMAL's digits


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table() if _crc32c is None else []


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC32C (Castagnoli) of ``data``, continuing from ``crc``."""
    if _crc32c is not None:
        return _crc32c(data, crc)
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def malformed(detail: str) -> MaxComputeError:
    return MaxComputeError("MalformedDataStream", detail)


def decompress(body: bytes, encoding: str | None) -> bytes:
    """Undo a request's ``Content-Encoding`` (pyodps sends ``deflate`` with zlib compression)."""
    if not encoding or encoding.lower() == "identity":
        return body
    if encoding.lower() == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            try:
                return zlib.decompress(body, -zlib.MAX_WBITS)
            except zlib.error as exc:
                raise malformed(f"the deflate body is corrupt: {exc}") from exc
    raise MaxComputeError("UnsupportedEncoding", f"Content-Encoding {encoding!r} is not supported; "
                          "use no compression or deflate (zlib)")


# --- protobuf primitives ---------------------------------------------------------------------------
def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _tag(field: int, wire_type: int) -> bytes:
    return _varint((field << 3) | wire_type)


class _Input:
    """A cursor over a body; every read past its end is a truncated stream."""

    def __init__(self, body: bytes) -> None:
        self.body, self.pos = body, 0

    def varint(self) -> int:
        body, pos, result, shift = self.body, self.pos, 0, 0
        while True:
            if pos >= len(body) or shift > 63:
                raise malformed(f"the record stream is truncated or has a bad varint at byte {self.pos}")
            byte = body[pos]
            result |= (byte & 0x7F) << shift
            pos += 1
            if byte < 0x80:
                self.pos = pos
                return result
            shift += 7

    def uint32(self) -> int:
        """A uint32 (writers that hold checksums in signed ints send them sign-extended to 64 bits)."""
        return self.varint() & 0xFFFFFFFF

    def sint(self) -> int:
        raw = self.varint()
        return (raw >> 1) ^ -(raw & 1)

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.body):
            raise malformed(f"the record stream is truncated at byte {self.pos}")
        self.pos += size
        return self.body[self.pos - size:self.pos]


# --- record stream: per-type readers and writers --------------------------------------------------
# A reader takes the input and a list collecting the checksummed bytes and returns the stored value;
# a writer takes a stored value, an output list and the checksummed-bytes list.
Reader = Callable[[_Input, list], Any]
Writer = Callable[[Any, list, list], None]


def _wire_type(data_type: DataType) -> int:
    if data_type.kind in INTEGER_KINDS + ("boolean", "datetime", "date"):
        return VARINT
    return {"float": FIXED32, "double": FIXED64}.get(data_type.kind, LENGTH_DELIMITED)


def _reader(data_type: DataType) -> Reader:
    kind = data_type.kind
    if kind in INTEGER_KINDS + ("datetime", "date"):
        def read_long(src: _Input, crc: list) -> int:
            value = src.sint()
            crc.append(struct.pack("<q", value))
            return value
        return read_long
    if kind == "boolean":
        def read_bool(src: _Input, crc: list) -> bool:
            value = src.varint()
            if value > 1:
                raise malformed(f"a BOOLEAN value is {value}, not 0 or 1")
            crc.append(b"\x01" if value else b"\x00")
            return bool(value)
        return read_bool
    if kind in ("float", "double"):
        size, fmt = (4, "<f") if kind == "float" else (8, "<d")

        def read_real(src: _Input, crc: list) -> float:
            raw = src.take(size)
            crc.append(raw)
            return struct.unpack(fmt, raw)[0]
        return read_real
    if kind in STRING_KINDS + ("binary", "decimal"):
        return _bytes_reader(data_type)
    if kind in TIMESTAMP_KINDS:
        def read_timestamp(src: _Input, crc: list) -> int:
            seconds, nanos = src.sint(), src.sint()
            crc.append(struct.pack("<qi", seconds, nanos))
            return seconds * NANOS + nanos
        return read_timestamp
    if kind == "array":
        return _items_reader(_reader(data_type.element))
    if kind == "map":
        read_keys, read_values = _items_reader(_reader(data_type.key)), _items_reader(_reader(data_type.value))

        def read_map(src: _Input, crc: list) -> list:
            keys = read_keys(src, crc)
            values = read_values(src, crc)
            if len(keys) != len(values):
                raise malformed(f"a MAP has {len(keys)} keys but {len(values)} values")
            return list(zip(keys, values))
        return read_map
    readers = [(name, _reader(child)) for name, child in data_type.fields]

    def read_struct(src: _Input, crc: list) -> dict:
        return {name: None if src.varint() else read(src, crc) for name, read in readers}
    return read_struct


def _bytes_reader(data_type: DataType) -> Reader:
    kind = data_type.kind

    def read_bytes(src: _Input, crc: list) -> Any:
        raw = src.take(src.varint())
        crc.append(raw)
        if kind == "binary":
            return raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise malformed(f"a {kind.upper()} value is not UTF-8: {exc}") from exc
        if kind != "decimal":
            return text
        try:
            return Decimal(text).quantize(Decimal(1).scaleb(-data_type.scale), context=_DECIMALS)
        except InvalidOperation as exc:
            raise malformed(f"{text!r} is not a DECIMAL") from exc
    return read_bytes


def _items_reader(read_item: Reader) -> Reader:
    def read_items(src: _Input, crc: list) -> list:
        return [None if src.varint() else read_item(src, crc) for _ in range(src.varint())]
    return read_items


def _writer(data_type: DataType) -> Writer:
    kind = data_type.kind
    if kind in INTEGER_KINDS + ("datetime", "date"):
        def write_long(value: int, out: list, crc: list) -> None:
            out.append(_varint(_zigzag(value)))
            crc.append(struct.pack("<q", value))
        return write_long
    if kind == "boolean":
        def write_bool(value: bool, out: list, crc: list) -> None:
            out.append(b"\x01" if value else b"\x00")
            crc.append(b"\x01" if value else b"\x00")
        return write_bool
    if kind in ("float", "double"):
        fmt = "<f" if kind == "float" else "<d"

        def write_real(value: float, out: list, crc: list) -> None:
            raw = struct.pack(fmt, value)
            out.append(raw)
            crc.append(raw)
        return write_real
    if kind in STRING_KINDS + ("binary", "decimal"):
        def write_bytes(value: Any, out: list, crc: list) -> None:
            raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
            out.append(_varint(len(raw)))
            out.append(raw)
            crc.append(raw)
        return write_bytes
    if kind in TIMESTAMP_KINDS:
        def write_timestamp(value: int, out: list, crc: list) -> None:
            seconds, nanos = divmod(value, NANOS)
            out.append(_varint(_zigzag(seconds)) + _varint(_zigzag(nanos)))
            crc.append(struct.pack("<qi", seconds, nanos))
        return write_timestamp
    if kind == "array":
        return _items_writer(_writer(data_type.element))
    if kind == "map":
        write_keys, write_values = _items_writer(_writer(data_type.key)), _items_writer(_writer(data_type.value))

        def write_map(value: list, out: list, crc: list) -> None:
            write_keys([k for k, _ in value], out, crc)
            write_values([v for _, v in value], out, crc)
        return write_map
    writers = [(name, _writer(child)) for name, child in data_type.fields]

    def write_struct(value: dict, out: list, crc: list) -> None:
        for name, write in writers:
            item = value.get(name)
            out.append(b"\x01" if item is None else b"\x00")
            if item is not None:
                write(item, out, crc)
    return write_struct


def _items_writer(write_item: Writer) -> Writer:
    def write_items(value: list, out: list, crc: list) -> None:
        out.append(_varint(len(value)))
        for item in value:
            out.append(b"\x01" if item is None else b"\x00")
            if item is not None:
                write_item(item, out, crc)
    return write_items


# --- record stream ----------------------------------------------------------------------------------
def decode_records(columns: list[Column], body: bytes) -> pa.Table:
    """Decode and verify a record stream block; raise MalformedDataStream if it is corrupt."""
    types = [c.data_type for c in columns]
    readers = [_reader(t) for t in types]
    wire_types = [_wire_type(t) for t in types]
    values: list[list] = [[] for _ in columns]
    record_crcs: list[bytes] = []
    src = _Input(body)
    row: list = [None] * len(columns)
    crc_parts: list[bytes] = []
    while True:
        if src.pos >= len(body):
            raise malformed(f"the record stream ends without its footer after {len(record_crcs)} records")
        key = src.varint()
        field, wire_type = key >> 3, key & 7
        if field == TUNNEL_END_RECORD:
            expected = crc32c(b"".join(crc_parts))
            if src.uint32() != expected:
                raise malformed(f"checksum of record {len(record_crcs) + 1} does not match")
            record_crcs.append(struct.pack("<I", expected))
            for i, value in enumerate(row):
                values[i].append(value)
            row, crc_parts = [None] * len(columns), []
        elif field == TUNNEL_META_COUNT:
            break
        elif 1 <= field <= len(columns) and wire_type == wire_types[field - 1]:
            if row[field - 1] is not None:
                raise malformed(f"column {columns[field - 1].name} appears twice in record {len(record_crcs) + 1}")
            crc_parts.append(struct.pack("<i", field))
            row[field - 1] = readers[field - 1](src, crc_parts)
        else:
            raise malformed(f"unexpected field {field} (wire type {wire_type}) in record "
                            f"{len(record_crcs) + 1}; the table has {len(columns)} columns")
    if crc_parts:
        raise malformed("the last record has no checksum")
    _check_footer(src, len(record_crcs), crc32c(b"".join(record_crcs)))
    return _arrow_table(columns, values)


def _check_footer(src: _Input, count: int, checksum: int) -> None:
    if src.sint() != count:
        raise malformed(f"the record count in the footer does not match the {count} records sent")
    if src.varint() != (TUNNEL_META_CHECKSUM << 3) | VARINT:
        raise malformed("the footer has no checksum")
    if src.uint32() != checksum:
        raise malformed("the checksum in the footer does not match the records' checksums")
    if src.pos != len(src.body):
        raise malformed(f"{len(src.body) - src.pos} bytes follow the footer")


def _arrow_table(columns: list[Column], values: list[list]) -> pa.Table:
    arrays = []
    for column, column_values in zip(columns, values):
        try:
            arrays.append(pa.array(column_values, column.arrow_type))
        except (pa.ArrowException, ValueError, TypeError, ArithmeticError) as exc:
            raise malformed(f"values of column {column.name} do not fit its type {column.type}: {exc}") from exc
    return pa.Table.from_arrays(arrays, schema=pa.schema([pa.field(c.name, c.arrow_type) for c in columns]))


def _integer_storage_type(arrow_type: pa.DataType) -> pa.DataType:
    """The storage type with times as integers (what ``to_pylist`` should give the writers)."""
    if pa.types.is_timestamp(arrow_type):
        return pa.int64()
    if pa.types.is_date32(arrow_type):
        return pa.int32()
    if pa.types.is_map(arrow_type):
        return pa.map_(_integer_storage_type(arrow_type.key_type), _integer_storage_type(arrow_type.item_type))
    if pa.types.is_list(arrow_type):
        return pa.list_(_integer_storage_type(arrow_type.value_type))
    if pa.types.is_struct(arrow_type):
        return pa.struct([pa.field(f.name, _integer_storage_type(f.type)) for f in arrow_type])
    return arrow_type


def encode_records(columns: list[Column], table: pa.Table) -> bytes:
    """Encode stored rows as a record stream (fields numbered in ``columns`` order)."""
    lists = [table.column(c.name).cast(_integer_storage_type(c.arrow_type)).to_pylist() for c in columns]
    fields = [(_tag(i, _wire_type(c.data_type)), struct.pack("<i", i), _writer(c.data_type))
              for i, c in enumerate(columns, start=1)]
    out: list[bytes] = []
    record_crcs: list[bytes] = []
    end_record = _tag(TUNNEL_END_RECORD, VARINT)
    for row in zip(*lists):
        crc_parts: list[bytes] = []
        for (tag, number, write), value in zip(fields, row):
            if value is None:
                continue
            out.append(tag)
            crc_parts.append(number)
            write(value, out, crc_parts)
        checksum = crc32c(b"".join(crc_parts))
        out.append(end_record + _varint(checksum))
        record_crcs.append(struct.pack("<I", checksum))
    out.append(_tag(TUNNEL_META_COUNT, VARINT) + _varint(_zigzag(len(record_crcs))))
    out.append(_tag(TUNNEL_META_CHECKSUM, VARINT) + _varint(crc32c(b"".join(record_crcs))))
    return b"".join(out)


# --- Arrow stream -----------------------------------------------------------------------------------
def decode_arrow(columns: list[Column], body: bytes) -> pa.Table:
    """Verify an Arrow stream block's framing (CRC per chunk and over all data) and decode it."""
    schema = pa.schema([pa.field(c.name, c.arrow_type) for c in columns])
    data = _unframe(body)
    try:
        table = pa.ipc.open_stream(schema.serialize().to_pybytes() + data).read_all()
        table.validate(full=True)  # buffers laid out for other types read without an error
    except (pa.ArrowException, ValueError) as exc:
        raise malformed(f"the arrow stream does not match the table schema: {type(exc).__name__}: {exc}") from exc
    return table.cast(schema)


def _unframe(body: bytes) -> bytes:
    if len(body) < 8:
        raise malformed("the arrow stream is shorter than its chunk size and checksum")
    (chunk_size,) = struct.unpack_from("!I", body)
    if chunk_size == 0:
        raise malformed("the arrow stream's chunk size is 0")
    chunks, pos, total = [], 4, 0
    while True:
        piece = body[pos:pos + chunk_size + 4]
        pos += len(piece)
        if len(piece) < 4:
            raise malformed("the arrow stream is truncated: its final checksum is missing")
        data, (checksum,) = piece[:-4], struct.unpack("!I", piece[-4:])
        total = crc32c(data, total)
        chunks.append(data)
        if len(piece) < chunk_size + 4:  # the last, shorter chunk ends with the checksum of all data
            if checksum != total:
                raise malformed("the arrow stream's final checksum does not match its data")
            return b"".join(chunks)
        if checksum != crc32c(data):
            raise malformed(f"the checksum of arrow chunk {len(chunks)} does not match its data")


def encode_arrow(table: pa.Table, chunk_size: int = ARROW_CHUNK_SIZE) -> bytes:
    """Frame ``table``'s record batches as the tunnel's Arrow download stream."""
    data = b"".join(batch.serialize().to_pybytes() for batch in table.to_batches())
    out = [struct.pack("!I", chunk_size)]
    for pos in range(0, len(data), chunk_size):
        chunk = data[pos:pos + chunk_size]
        out.append(chunk)
        if len(chunk) == chunk_size:
            out.append(struct.pack("!I", crc32c(chunk)))
    out.append(struct.pack("!I", crc32c(data)))
    return b"".join(out)
