"""Stream records decoded into tuples, for a window's reader: a walk of each layout's first
record, a compiled pattern for the rest.

:func:`codec.decode_stream_record` reads a record with the checking reader (:mod:`plainbuffer`)
into frozen dataclasses; a window would spend most of its CPU there (CRC-8 byte by byte in
Python, and a few object constructions per cell). :func:`decode_changes` reads a batch into named
tuples with the same fields (:class:`StreamRecordTuple`, :class:`SequenceInfoTuple`), which
:mod:`tablestore_channels.plugins.otsstreamreader.output_records` takes as it takes the
dataclasses: :func:`decode_change` walks a record with ``struct.unpack_from`` and learns its
layout as a pattern (below), which then decodes the next records of that layout whole.

Checks: the grammar (tags, lengths, value types, the end of the buffer) and the rules of
:func:`codec._stream_column` (a put has a value and a timestamp, a one-version delete a
timestamp, op bytes known). CRC-8 is not recomputed: the SDK has checked the response body's MD5
(``x-ots-contentmd5``) before decoding. Origin columns (rare: a stream configured with
``columns_to_get``) go through the checking reader.
"""
from __future__ import annotations

import re
import struct
from collections.abc import Callable, Sequence
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
    output's shape, a tuple per field: ``key`` the primary-key values (BINARY as bytes) under
    ``key_names``; per column change, in order, ``names``, ``timestamps`` (ms), ``values``
    (BINARY as bytes) and ``ops`` (``U`` / ``DO`` / ``DA``). :attr:`primary_key`,
    :attr:`cells` and :attr:`columns` give them as pairs, cells and column changes."""

    action: RecordAction
    key_names: tuple[str, ...]
    key: tuple[Any, ...]
    names: tuple[str, ...]
    timestamps: tuple[int | None, ...]
    values: tuple[Any, ...]
    ops: tuple[str, ...]
    sequence_info: SequenceInfoTuple
    origin_columns: Sequence[StreamColumnTuple]

    @property
    def primary_key(self) -> list[tuple[str, Any]]:
        """(name, value) pairs, BINARY as bytearray (as the SDK's reader gives a key)."""
        return [(name, bytearray(value) if value.__class__ is bytes else value)
                for name, value in zip(self.key_names, self.key)]

    @property
    def cells(self) -> list[tuple[str, int | None, Any, str]]:
        """``(column, timestamp_ms, value, op_type)`` per column change."""
        return list(zip(self.names, self.timestamps, self.values, self.ops))

    @property
    def columns(self) -> list[StreamColumnTuple]:
        return [StreamColumnTuple(name, value, _CELL_TYPES[op], timestamp) for name, timestamp, value, op in self.cells]


def decode_changes(messages: Sequence[Any]) -> list[StreamRecordTuple]:
    """``GetStreamRecordResponse.stream_records`` as :class:`StreamRecordTuple` objects: each by
    the pattern of the last layout of its action where it fits, else by :func:`decode_change`."""
    changes = []
    last = _LAST
    for message in messages:
        template = last.get(message.action_type)
        change = template.decode(message.record) if template is not None and not message.origin_record else None
        changes.append(change or decode_change(message))
    return changes


def decode_change(message: Any) -> StreamRecordTuple:
    """One ``GetStreamRecordResponse.StreamRecord`` as a :class:`StreamRecordTuple`, read by
    a walk of its bytes (whose layout is then the next record's guess)."""
    action = _ACTIONS.get(message.action_type)
    if action is None:
        raise PlainBufferError(f"Stream record: unknown action type {message.action_type}.")
    data = message.record
    try:
        primary_key, cells, sequence, marker = _read(data)
    except (IndexError, struct.error):
        raise PlainBufferError(f"PlainBuffer truncated: a stream record of {len(data)} bytes.") from None
    origin: Sequence[StreamColumnTuple] = ()
    if message.origin_record:  # rare: by the checking reader
        origin = [StreamColumnTuple(name, value, _CELL_TYPES[op], timestamp) for name, timestamp, value, op in (
            _cell(cell.name, cell.value, cell.has_value, cell.op, cell.timestamp)
            for cell in pbuf.read_row(message.origin_record).cells)]
    key = tuple([bytes(value) if value.__class__ is bytearray else value for _, value in primary_key])
    names, timestamps, values, ops = zip(*cells) if cells else ((), (), (), ())
    change = StreamRecordTuple(action, tuple(name for name, _ in primary_key), key, names, timestamps, values, ops,
                               sequence, origin)
    if not origin:
        _learn(message.action_type, change, marker, data)
    return change


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


def _read(data: bytes) -> tuple[list[tuple[str, Any]], list[tuple[str, int | None, Any, str]], SequenceInfoTuple,
                               bool]:
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
    marker = data[pos] == pbuf.TAG_DELETE_ROW_MARKER
    pos += marker
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
    return primary_key, cells, sequence, marker


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


# ---- layouts as patterns --------------------------------------------------------------------
# Most records of a stream repeat a few layouts (a table's puts write the same columns). A
# record decoded above teaches its layout - its primary key's names and types; each cell's name,
# value type, op and timestamp; the delete marker; the usual sequence-info extension - as one
# compiled pattern of the record's exact bytes. The next record of the same action is matched
# against it whole (``fullmatch``), its numbers unpacked by one ``struct`` call and its texts
# decoded, with no Python per cell; one the pattern does not take is decoded above. A STRING /
# BLOB body is found by its end (a pattern cannot count) and then checked against its length
# prefix, as in :mod:`row_pages`.

_VALUE_TYPES: dict[type, int] = {bool: pbuf.VT_BOOLEAN, int: pbuf.VT_INTEGER, float: pbuf.VT_DOUBLE,
                                 str: pbuf.VT_STRING, bytes: pbuf.VT_BLOB, bytearray: pbuf.VT_BLOB}
# a fixed-size value: its length prefix and type, its body, its struct code
_FIXED = {pbuf.VT_INTEGER: (b"\x09\x00\x00\x00\x00", b"(.{8})", "q"),
          pbuf.VT_DOUBLE: (b"\x09\x00\x00\x00\x01", b"(.{8})", "d"),
          pbuf.VT_BOOLEAN: (b"\x02\x00\x00\x00\x02", b"(.)", "?")}
_OP_BYTES = {"U": None, "DO": _DELETE_ONE.value, "DA": _DELETE_ALL.value}
# the sequence-info extension as Tablestore writes it: its epoch, timestamp (µs) and row index
_SEQUENCE_PATTERN = re.escape(bytes((pbuf.TAG_EXTENSION,)) + struct.pack("<I", 24) + bytes((pbuf.TAG_SEQ_INFO,))
                              + struct.pack("<I", 19)) + b"\x0d(.{4})\x0e(.{8})\x0f(.{4})"
_TEMPLATES: dict[tuple, _Template | None] = {}
_MAX_TEMPLATES = 256
_LAST: dict[int, _Template] = {}  # per action type: the layout of the last record decoded


class _Template:
    """The pattern of one record layout, and how its groups make the record's fields."""

    def __init__(self, action: RecordAction, change: StreamRecordTuple, marker: bool) -> None:
        parts = [re.escape(struct.pack("<I", pbuf.HEADER))]
        numbers: list[tuple[int, str]] = []  # (group, struct code) of each fixed-size group
        bodies: list[tuple[int, int, bool]] = []  # (group, its length prefix's number, STRING?)
        groups = 0
        atomic = False

        def number(pattern: bytes, code: str) -> int:
            """A fixed-size group; its place in the fields (below)."""
            nonlocal groups
            parts.append(pattern)
            numbers.append((groups, code))
            groups += 1
            return len(numbers)

        def value(value_type: int) -> int:
            nonlocal groups, atomic
            parts.append(bytes((pbuf.TAG_CELL_VALUE,)))
            if value_type in _FIXED:
                head, body, code = _FIXED[value_type]
                return number(re.escape(head) + body, code)
            # the length prefix, then the body up to where the rest of the record follows (an
            # atomic group: the first such place)
            number(b".{4}" + re.escape(bytes((value_type,))) + b"(.{4})", "I")
            parts.append((b")" if atomic else b"") + b"(?>(.*?)")
            atomic = True
            bodies.append((groups, len(numbers) - 1, value_type == pbuf.VT_STRING))
            groups += 1
            return -len(bodies)

        def cell(name: str) -> None:
            raw = name.encode()
            parts.append(re.escape(bytes((pbuf.TAG_CELL, pbuf.TAG_CELL_NAME)) + struct.pack("<I", len(raw)) + raw))

        keys, stamps, values = [], [], []  # each value's place: a number k > 0, a body -k, absent 0
        if change.key:
            parts.append(bytes((pbuf.TAG_ROW_PK,)))
            for name, key in zip(change.key_names, change.key):
                cell(name)
                keys.append(value(_VALUE_TYPES[key.__class__]))
                parts.append(b"\x0a.")
        if change.cells:
            parts.append(bytes((pbuf.TAG_ROW_DATA,)))
            for name, timestamp, cell_value, op in change.cells:
                cell(name)
                values.append(0 if cell_value is None else value(_VALUE_TYPES[cell_value.__class__]))
                op_byte = _OP_BYTES[op]
                if op_byte is not None:
                    parts.append(re.escape(bytes((pbuf.TAG_CELL_TYPE, op_byte))))
                # a timestamp is never negative: its top byte below 0x80
                stamps.append(0 if timestamp is None else number(b"\x07(.{7}[\x00-\x7f])", "q"))
                parts.append(b"\x0a.")
        if marker:
            parts.append(bytes((pbuf.TAG_DELETE_ROW_MARKER,)))
        parts.append(_SEQUENCE_PATTERN)
        numbers += [(groups, "I"), (groups + 1, "q"), (groups + 2, "I")]
        parts.append(b"\x09.")
        if atomic:
            parts.append(b")")
        self.fullmatch = fullmatch = re.compile(b"".join(parts), re.DOTALL).fullmatch
        self.decode = _decoder(fullmatch, numbers, bodies, keys, stamps, values, action, change)


def _decoder(fullmatch: Callable[[bytes], Any], numbers: list[tuple[int, str]], bodies: list[tuple[int, int, bool]],
             keys: list[int], stamps: list[int], values: list[int], action: RecordAction,
             change: StreamRecordTuple) -> Callable[[bytes], StreamRecordTuple | None]:
    """The decoding function of a layout: its steps written out for the layout's groups, as
    ``namedtuple`` writes its methods (a record costs a few C calls and no loop). Only group
    and field numbers are written into its source; names and values are bound objects."""
    count = len(numbers)

    def field(at: int) -> str:  # a value's place: a number k > 0, a body -k, absent 0
        return "None" if at == 0 else f"n[{at - 1}]" if at > 0 else f"t{-at - 1}"

    def fields(places: list[int]) -> str:
        return "(" + "".join(field(at) + ", " for at in places) + ")"

    lines = ["def decode(data):",
             "    found = fullmatch(data)",
             "    if found is None:",
             "        return None",
             "    g = found.groups()",
             "    n = unpack(join((" + "".join(f"g[{group}], " for group, _ in numbers) + ")))"]
    lines += [f"    t{index} = g[{group}]" for index, (group, _, _) in enumerate(bodies)]
    if bodies:  # a body's bytes that looked like the rest of the record: not this layout
        lines += ["    if " + " or ".join(f"len(t{index}) != n[{prefix}]" for index, (_, prefix, _) in enumerate(bodies))
                  + ":", "        return None"]
    strings = [f"        t{index} = t{index}.decode()" for index, (_, _, string) in enumerate(bodies) if string]
    if strings:
        lines += ["    try:", *strings, "    except UnicodeDecodeError:", "        return None"]
    lines.append(f"    return new(StreamRecordTuple, (action, key_names, {fields(keys)}, names, {fields(stamps)}, "
                 f"{fields(values)}, ops, new(SequenceInfoTuple, (n[{count - 3}], n[{count - 2}], n[{count - 1}])), ()))")
    # (tuple.__new__: the named tuples' own __new__ is a Python call per record)
    namespace: dict[str, Any] = {"fullmatch": fullmatch, "unpack": struct.Struct("<" + "".join(code for _, code in numbers)).unpack,
                 "join": b"".join, "new": tuple.__new__, "StreamRecordTuple": StreamRecordTuple,
                 "SequenceInfoTuple": SequenceInfoTuple, "action": action, "key_names": change.key_names,
                 "names": change.names, "ops": change.ops}
    exec("\n".join(lines), namespace)  # (its source holds numbers only, above)
    decode: Callable[[bytes], StreamRecordTuple | None] = namespace["decode"]
    return decode


def _learn(action_type: int, change: StreamRecordTuple, marker: bool, data: bytes) -> None:
    """Take the layout of ``change`` (decoded from ``data``) as the next record's guess."""
    try:
        layout = (action_type, marker, tuple((name, _VALUE_TYPES[key.__class__]) for name, key in zip(change.key_names, change.key)),
                  tuple((name, timestamp is None, None if value is None else _VALUE_TYPES[value.__class__], op)
                        for name, timestamp, value, op in change.cells))
    except KeyError:  # an infinite key: no pattern
        return
    if layout in _TEMPLATES:
        template = _TEMPLATES[layout]
    else:
        if len(_TEMPLATES) >= _MAX_TEMPLATES:
            _TEMPLATES.clear()
        learned = _Template(change.action, change, marker)
        # a layout with parts a pattern does not stand for (another extension) has none (compared
        # by repr: a NaN is not equal to itself)
        _TEMPLATES[layout] = template = learned if repr(learned.decode(data)) == repr(change) else None
    if template is not None:
        _LAST[action_type] = template
