"""One-pass decoding of a GetRange page of PlainBuffer rows into columns, for the export.

The SDK decodes a page into one ``Row`` per row holding a tuple per cell; the export then takes
the values apart again. This decoder goes from the page's bytes to runs of rows that share a
layout (their column names in order), each run holding one list of values per column, which
the reader zips into records at C speed.

How: the first row of a run is decoded by :func:`scan_row` (a plain walk of the grammar in
:mod:`plainbuffer`). Its layout - names, value types, which cells carry a timestamp - becomes a
compiled pattern of the row's exact bytes: fixed parts are literals (tags, name lengths, names,
fixed value sizes), values are groups. The pattern is matched at the next row, and the next,
until a row has another layout; all rows of a uniform page are taken by one ``split``. The
values of a run are then converted a column at a time (integers and doubles by one
``struct.unpack`` of the joined groups, strings by ``bytes.decode``).

A STRING / BLOB body is found by its end, not its length prefix (a pattern cannot count): it is
the shortest run of bytes after which the rest of the layout follows, and every such body is
then checked against its length prefix. A run with any body of the wrong length (the bytes after
a body happened to look like the rest of the row) is decoded again row by row with
:func:`scan_row`, so a result is always the grammar's.

Checksums: the CRC-8 of cells and rows are not recomputed here (in Python, a per-byte loop
costs more than the rest of the decoding). The SDK has checked the whole response body against
its ``x-ots-contentmd5`` header before any decoding, which covers every byte of the page; the
structure is still checked (tags, lengths, the end of the buffer). :mod:`plainbuffer` is the
checking reader, and the tests hold this decoder to it.

What is kept: the values of primary-key and attribute cells, BINARY as ``bytes`` (records carry
immutable bytes). Not kept (GetRange rows have none, and the SDK's decoders drop them too): cell
timestamps, op types, the delete-row marker, extensions.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from tablestore import INF_MAX, INF_MIN

from tablestore_channels.ots_client import plainbuffer as pbuf
from tablestore_channels.ots_client.plainbuffer import PlainBufferError

_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_FIXED_SIZE = {pbuf.VT_INTEGER: 8, pbuf.VT_DOUBLE: 8, pbuf.VT_BOOLEAN: 1}
_TRUTH = {bytes((byte,)): byte != 0 for byte in range(256)}
# (section, name, value type or None, has timestamp) per cell; section 1 = primary key, 2 = data
Cell = tuple[int, bytes, "int | None", bool]


@dataclass(frozen=True)
class RowRun:
    """Consecutive rows of one layout: ``names`` (primary key then attributes, in the rows'
    order) and one sequence of values per name, a value per row."""

    names: tuple[str, ...]
    columns: list[Sequence[Any]]
    count: int

    def __len__(self) -> int:
        return self.count

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The run's rows' values, a tuple per row."""
        return zip(*self.columns) if self.columns else repeat((), self.count)


# ---- the plain walk -------------------------------------------------------------------------

def scan_row(data: bytes, pos: int) -> tuple[tuple[Cell, ...] | None, list[Any], int]:
    """The row at ``pos``: its layout (None when a pattern cannot stand for it: op types, a
    delete marker or an extension), its values in layout order, and the offset after it."""
    end, cells, values, plain = len(data), [], [], True
    unpack_u32, unpack_i64 = _U32.unpack_from, _I64.unpack_from
    try:
        for section in (pbuf.TAG_ROW_PK, pbuf.TAG_ROW_DATA):
            if data[pos] != section:
                continue
            pos += 1
            while pos < end and data[pos] == pbuf.TAG_CELL:
                if data[pos + 1] != pbuf.TAG_CELL_NAME:
                    raise PlainBufferError(f"PlainBuffer: expected a cell name at offset {pos + 1}.")
                size = unpack_u32(data, pos + 2)[0]
                name = data[pos + 6:pos + 6 + size]
                pos += 6 + size
                value_type, value = None, None
                if data[pos] == pbuf.TAG_CELL_VALUE:
                    value_type, value, pos = _scan_value(data, pos + 1)
                    if section == pbuf.TAG_ROW_PK and value_type not in pbuf.PK_VALUE_TYPES:
                        raise PlainBufferError(f"PlainBuffer: value type 0x{value_type:02X} in a primary key.")
                elif section == pbuf.TAG_ROW_PK:
                    raise PlainBufferError(f"PlainBuffer: primary key column {name!r} has no value.")
                if data[pos] == pbuf.TAG_CELL_TYPE:
                    plain, pos = False, pos + 2
                stamped = data[pos] == pbuf.TAG_CELL_TIMESTAMP
                if stamped:
                    if unpack_i64(data, pos + 1)[0] < 0:
                        raise PlainBufferError("PlainBuffer: negative cell timestamp.")
                    pos += 9
                if data[pos] != pbuf.TAG_CELL_CHECKSUM:
                    raise PlainBufferError(f"PlainBuffer: expected a cell checksum at offset {pos}.")
                pos += 2
                cells.append((section, name, value_type, stamped))
                values.append(value)
            if pos >= end:
                break
        if data[pos] == pbuf.TAG_DELETE_ROW_MARKER:
            plain, pos = False, pos + 1
        if data[pos] == pbuf.TAG_EXTENSION:
            plain, pos = False, pos + 5 + unpack_u32(data, pos + 1)[0]
        if data[pos] != pbuf.TAG_ROW_CHECKSUM or pos + 2 > end:
            raise PlainBufferError(f"PlainBuffer: expected the row checksum at offset {pos}.")
    except (IndexError, struct.error):
        raise PlainBufferError(f"PlainBuffer truncated in the row before offset {end}.") from None
    return (tuple(cells) if plain else None), values, pos + 2


def _scan_value(data: bytes, pos: int) -> tuple[int, Any, int]:
    """(value type, value, offset after it) of the value whose length prefix is at ``pos``."""
    size, value_type = _U32.unpack_from(data, pos)[0], data[pos + 4]
    body, end = pos + 5, pos + 4 + size
    if end > len(data):
        raise PlainBufferError(f"PlainBuffer: value at offset {pos} overruns the buffer.")
    value: Any
    if value_type == pbuf.VT_INTEGER:
        value = _I64.unpack_from(data, body)[0]
    elif value_type == pbuf.VT_DOUBLE:
        value = _F64.unpack_from(data, body)[0]
    elif value_type == pbuf.VT_BOOLEAN:
        value = data[body] != 0
    elif value_type in (pbuf.VT_STRING, pbuf.VT_BLOB):
        length = _U32.unpack_from(data, body)[0]
        if 4 + length != size - 1:
            raise PlainBufferError(f"PlainBuffer: value length prefix {size} does not match its body.")
        raw = data[body + 4:end]
        value = _text(raw) if value_type == pbuf.VT_STRING else raw
    elif value_type in (pbuf.VT_INF_MIN, pbuf.VT_INF_MAX):
        value = INF_MIN if value_type == pbuf.VT_INF_MIN else INF_MAX
    else:
        raise PlainBufferError(f"PlainBuffer: unknown value type 0x{value_type:02X}.")
    if value_type in _FIXED_SIZE and size != 1 + _FIXED_SIZE[value_type]:
        raise PlainBufferError(f"PlainBuffer: value length prefix {size} does not match its type.")
    return value_type, value, end


def _text(raw: bytes) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError as exc:
        raise PlainBufferError(f"PlainBuffer: STRING value is not UTF-8: {exc}.") from exc


# ---- layouts as patterns --------------------------------------------------------------------

class _Template:
    """The pattern of one row layout and how to turn its groups into columns."""

    def __init__(self, layout: tuple[Cell, ...]) -> None:
        self.names = tuple(_text(name) for _, name, _, _ in layout)
        parts: list[bytes] = []
        self.fixed = 2  # the row checksum tag and byte
        self.kinds: list[int | None] = []  # per column: its value type (None: no value)
        atomic_open = False
        section = 0
        for cell_section, name, value_type, stamped in layout:
            if cell_section != section:
                section = cell_section
                parts.append(re.escape(bytes((section,))))
                self.fixed += 1
            head = bytes((pbuf.TAG_CELL, pbuf.TAG_CELL_NAME)) + _U32.pack(len(name)) + name
            parts.append(re.escape(head))
            self.fixed += len(head) + 2  # and the checksum tag and byte
            self.kinds.append(value_type)
            if value_type in _FIXED_SIZE:
                size = _FIXED_SIZE[value_type]
                parts.append(re.escape(bytes((pbuf.TAG_CELL_VALUE,)) + _U32.pack(1 + size) + bytes((value_type,))))
                parts.append(b"(.)" if size == 1 else b"(.{8})")
                self.fixed += 6 + size
            elif value_type in (pbuf.VT_STRING, pbuf.VT_BLOB):
                # the length prefix and the body; the body ends where the rest of the row follows
                # (an atomic group: the first such place, checked against the prefix afterwards)
                parts.append(re.escape(bytes((pbuf.TAG_CELL_VALUE,))) + b".{4}"
                             + re.escape(bytes((value_type,))) + b"(.{4})")
                parts.append((b")" if atomic_open else b"") + b"(?>(.*?)")
                atomic_open = True
                self.fixed += 10
            elif value_type is not None:  # INF_MIN / INF_MAX
                parts.append(re.escape(bytes((pbuf.TAG_CELL_VALUE,)) + _U32.pack(1) + bytes((value_type,))))
                self.fixed += 6
            if stamped:
                parts.append(re.escape(bytes((pbuf.TAG_CELL_TIMESTAMP,))) + b".{8}")
                self.fixed += 9
            parts.append(re.escape(bytes((pbuf.TAG_CELL_CHECKSUM,))) + b".")
        # the row's end, and the next row's start (or the buffer's end) after it
        parts.append(re.escape(bytes((pbuf.TAG_ROW_CHECKSUM,))) + b"."
                     + b"(?=[\x01\x02]\x03|\\Z)" + (b")" if atomic_open else b""))
        self.pattern = re.compile(b"".join(parts), re.DOTALL)
        self.groups = self.pattern.groups

    def every_match(self, data: bytes) -> tuple[list[Sequence[Any]], int]:
        """The groups of every match in the rows of a page (after its header), a sequence per
        group, and how many matched. (``split`` lays the groups of all matches out in one list,
        which slices take apart at C speed: cheaper than ``findall``'s tuple per row.)"""
        flat = self.pattern.split(data[4:])
        stride = self.groups + 1
        return [flat[group::stride] for group in range(1, stride)], (len(flat) - 1) // stride

    def transposed(self, rows: list[Any]) -> list[Sequence[Any]]:
        """The groups of matched rows (``findall`` items), a sequence per group."""
        return list(zip(*rows)) if self.groups > 1 else [rows] if self.groups else []

    def measured(self, groups: list[Sequence[Any]], count: int) -> tuple[int, int]:
        """How many of the ``count`` matched rows, from the first, have every body as long as
        its length prefix says (all of them but for bytes after a body that looked like the rest
        of the row), and how many bytes those rows cover."""
        good, bodies = count, 0
        at = 0
        for kind in self.kinds:
            if kind in (pbuf.VT_STRING, pbuf.VT_BLOB):
                lengths = list(map(len, groups[at + 1]))
                if struct.pack(f"<{count}I", *lengths) != b"".join(groups[at]):
                    prefixes = struct.unpack(f"<{count}I", b"".join(groups[at]))
                    good = min(good, next(i for i, (p, n) in enumerate(zip(prefixes, lengths)) if p != n))
                bodies += sum(lengths) if good == count else sum(lengths[:good])
                at += 2
            elif kind in _FIXED_SIZE:
                at += 1
        if good < count:  # the bodies of the good rows only
            return good, self.measured([group[:good] for group in groups], good)[1]
        return good, self.fixed * count + bodies

    def columns(self, groups: list[Sequence[Any]], count: int) -> list[Sequence[Any]]:
        """The run's columns from the groups of its ``count`` (:meth:`verified`) rows."""
        columns: list[Sequence[Any]] = []
        at = 0
        for kind in self.kinds:
            if kind is None:
                columns.append([None] * count)
            elif kind in (pbuf.VT_INF_MIN, pbuf.VT_INF_MAX):
                columns.append([INF_MIN if kind == pbuf.VT_INF_MIN else INF_MAX] * count)
            elif kind in (pbuf.VT_STRING, pbuf.VT_BLOB):
                bodies = groups[at + 1]
                at += 2
                columns.append(_texts(bodies) if kind == pbuf.VT_STRING else bodies)
            else:
                raw = groups[at]
                at += 1
                if kind == pbuf.VT_BOOLEAN:
                    columns.append(list(map(_TRUTH.__getitem__, raw)))
                else:
                    columns.append(struct.unpack(f"<{count}{'q' if kind == pbuf.VT_INTEGER else 'd'}", b"".join(raw)))
        return columns


def _texts(bodies: Sequence[bytes]) -> list[str]:
    try:
        joined = b"\0".join(bodies)
        if joined.count(b"\0") == len(bodies) - 1:  # no NUL inside: one decode, split at C speed
            return joined.decode().split("\0")
        return list(map(bytes.decode, bodies))
    except UnicodeDecodeError as exc:
        raise PlainBufferError(f"PlainBuffer: STRING value is not UTF-8: {exc}.") from exc


_TEMPLATES: dict[tuple[Cell, ...], _Template] = {}
_MAX_TEMPLATES = 256


def _template(layout: tuple[Cell, ...]) -> _Template:
    template = _TEMPLATES.get(layout)
    if template is None:
        if len(_TEMPLATES) >= _MAX_TEMPLATES:
            _TEMPLATES.clear()
        template = _TEMPLATES[layout] = _Template(layout)
    return template


# ---- pages ----------------------------------------------------------------------------------

def decode_rows(data: bytes) -> list[RowRun]:
    """The rows of a GetRange page (``GetRangeResponse.rows``) as runs of one layout each."""
    if not data:
        return []
    if len(data) < 4 or _U32.unpack_from(data, 0)[0] != pbuf.HEADER:
        raise PlainBufferError("PlainBuffer: missing header 0x75.")
    runs: list[RowRun] = []
    pos, end = 4, len(data)
    while pos < end:
        layout, _, after = scan_row(data, pos)
        if not layout:  # op types, a delete marker, an extension, no cells: the checking reader
            runs.append(_single(data, pos))
            pos = after
            continue
        template = _template(layout)
        groups, count = template.every_match(data) if pos == 4 else ([], 0)
        good, length = template.measured(groups, count) if count else (0, 0)
        if good < count or length != end - pos:  # not one layout to the end: row by row
            rows = _matched(template, data, pos)
            groups, count = template.transposed(rows), len(rows)
            good, length = template.measured(groups, count)
        if not good:  # the first row's body is not what its length prefix says: the plain walk
            runs.append(_single(data, pos))
            pos = after
            continue
        if good < count:
            groups = [group[:good] for group in groups]
        runs.append(RowRun(template.names, template.columns(groups, good), good))
        pos += length
    return runs


def _matched(template: _Template, data: bytes, pos: int) -> list[Any]:
    """The groups of the consecutive rows from ``pos`` that ``template`` matches."""
    match, rows = template.pattern.match, []
    found = match(data, pos)
    while found is not None:
        groups = found.groups()
        rows.append(groups if template.groups > 1 else groups[0] if groups else ())
        found = match(data, found.end())
    return rows


def _single(data: bytes, pos: int) -> RowRun:
    """The row at ``pos`` by the checking reader, as a run of one."""
    row, _ = pbuf.read_row_at(data, pos)
    cells = [*row.primary_key, *((cell.name, cell.value) for cell in row.cells)]
    return RowRun(tuple(name for name, _ in cells),
                  [[bytes(value) if isinstance(value, bytearray) else value] for _, value in cells], 1)


def row_values(data: bytes) -> list[tuple[tuple[str, ...], tuple[Any, ...]]]:
    """Every row of a page as (names, values)."""
    return [(run.names, values) for run in decode_rows(data) for values in run.rows()]
