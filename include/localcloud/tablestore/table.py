"""Tables and their rows: schema and options, versioned cells, TTL, reads, ranges, split points.

Each row keeps its PlainBuffer encoding (all versions) and, ready to send, the encoding of only
the newest version of each column, so a plain GetRange page is a concatenation of stored bytes;
little else, so that a row costs about twice its encoding in memory.
Rows are found by order-preserving keys (:mod:`localcloud.tablestore.keys`) kept in a sorted
list; keys new since the last range read wait in a side list and are merged by one sort.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from localcloud.tablestore import plainbuffer as pb
from localcloud.tablestore.errors import invalid, invalid_pk, unsupported
from localcloud.tablestore.keys import decode_key, encode_key, first_key_value

PK_TYPES = {"INTEGER": int, "STRING": str, "BINARY": bytes}
_VT_NAMES = {int: "VT_INTEGER", str: "VT_STRING", bytes: "VT_BLOB", float: "VT_DOUBLE", bool: "VT_BOOLEAN"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

MAX_NAME_BYTES = 255
MAX_PK_COLUMNS = 4
MAX_PK_VALUE_BYTES = 1024
MAX_VALUE_BYTES = 2 * 1024 * 1024
MAX_COLUMNS_TO_GET = 128
PAGE_ROWS = 5000
PAGE_BYTES = 4 * 1024 * 1024


@functools.lru_cache(maxsize=4096)
def _valid_name(name: str) -> bool:
    return bool(_NAME.match(name)) and len(name.encode()) <= MAX_NAME_BYTES


def check_name(name: str, what: str) -> None:
    if not _valid_name(name):
        raise invalid(f"Invalid {what} name: {name!r}. Names match [A-Za-z_][A-Za-z0-9_]* and "
                      f"have at most {MAX_NAME_BYTES} bytes.")


def _value_size(value) -> int:
    if type(value) is str:
        return len(value.encode("utf-8"))
    if type(value) is bytes:
        return len(value)
    return 8


@dataclass
class Options:
    """TableOptions: TTL in seconds (-1 = forever), versions kept, allowed timestamp deviation."""

    time_to_live: int = -1
    max_versions: int = 1
    deviation_seconds: int = 86400
    allow_update: bool = True

    def validate(self) -> None:
        if self.time_to_live != -1 and self.time_to_live < 86400:
            raise invalid("time_to_live must be -1 or at least 86400 seconds.")
        if self.max_versions < 1:
            raise invalid("max_versions must be greater than 0.")
        if self.deviation_seconds < 1:
            raise invalid("deviation_cell_version_in_sec must be greater than 0.")


@dataclass(frozen=True)
class ReadSpec:
    """Which columns and versions a read returns. ``time_range`` is [start, end) in ms."""

    columns: frozenset[str] | None = None
    max_versions: int | None = 1
    time_range: tuple[int, int] | None = None

    @property
    def plain(self) -> bool:
        """True when the newest version of every column is asked for: the stored bytes fit."""
        return self.columns is None and self.time_range is None and self.max_versions == 1

    def takes_whole(self, row: Row) -> bool:
        """True when the stored newest-version bytes of ``row`` are the answer: newest versions
        only, and every column the row has is asked for (readers often list them all)."""
        return self.time_range is None and self.max_versions == 1 and (
            self.columns is None or (bool(row.names) and row.names <= self.columns))


@dataclass
class Mutation:
    """One row write with every timestamp resolved: what is applied, logged and streamed.
    ``kind`` is PUT, UPDATE or DELETE; ``pk`` the column values in schema order."""

    kind: str
    pk: tuple
    cells: list[pb.Cell] = field(default_factory=list)


class Row:
    """A stored row, kept small (the primary key is in its sort key, not here): ``encoded``, every
    version; ``latest``, the newest version of each column (the same object when every column
    has one version), both PlainBuffer without the buffer header; ``names``, its columns (one
    frozenset shared by the table's rows with the same columns); the oldest and the newest of the
    columns' newest timestamps, for TTL."""

    __slots__ = ("encoded", "latest", "names", "newest", "oldest_latest")

    def __init__(self, encoded: bytes, latest: bytes, names: frozenset[str], oldest_latest: int | None,
                 newest: int | None) -> None:
        self.encoded = encoded
        self.latest = latest
        self.names = names
        self.oldest_latest = oldest_latest
        self.newest = newest

    def columns(self) -> dict[str, list[tuple[int, object]]]:
        """Versions per column, newest first, columns in name order."""
        result: dict[str, list[tuple[int, object]]] = {}
        for cell in pb.decode_row_body(self.encoded).cells:
            result.setdefault(cell.name, []).append((cell.timestamp, cell.value))
        return result


class Table:
    """A table's schema, options and rows (no locking: the service serialises access)."""

    def __init__(self, name: str, schema: list[tuple[str, str]], options: Options,
                 defined_columns: list[tuple[str, int]] | None = None,
                 read_cu: int = 0, write_cu: int = 0, created_us: int = 0) -> None:
        check_name(name, "table")
        if not 1 <= len(schema) <= MAX_PK_COLUMNS:
            raise invalid(f"The number of primary key columns must be in range: [1, {MAX_PK_COLUMNS}].")
        for pk_name, pk_type in schema:
            check_name(pk_name, "primary key column")
            if pk_type not in PK_TYPES:  # the service's words; it allows INTEGER, STRING and BINARY
                raise invalid(f"{pk_type} is an invalid type for the primary key.")
        names = [n for n, _ in schema]
        for pk_name in names:
            if names.count(pk_name) > 1:
                raise invalid(f"Duplicated primary key name: '{pk_name}'.")
        options.validate()
        self.name = name
        self.schema = schema
        self.pk_names = [n for n, _ in schema]
        self.options = options
        self.defined_columns = defined_columns or []
        self.read_cu = read_cu
        self.write_cu = write_cu
        self.created_us = created_us
        self.pk_types = [PK_TYPES[kind] for _, kind in schema]
        self.rows: dict[bytes, Row] = {}
        self._keys: list[bytes] = []
        self._unsorted: list[bytes] = []
        self._layouts: dict[frozenset[str], frozenset[str]] = {}

    # --- primary keys ---------------------------------------------------------------------
    def primary_key(self, pairs: list[tuple[str, object]], allow_inf: bool = False) -> tuple:
        """Check a primary key against the schema; return its values in schema order."""
        if len(pairs) != len(self.schema):
            raise invalid_pk("size", len(pairs), len(self.schema))
        values = []
        for (name, value), (want_name, want_type) in zip(pairs, self.schema):
            if name != want_name:
                raise invalid_pk("name", name, want_name)
            if value is pb.INF_MIN or value is pb.INF_MAX:
                if not allow_inf:
                    raise invalid(f"The primary key column {name!r} can not be INF_MIN or INF_MAX here.")
            elif value is pb.AUTO_INCREMENT:
                raise unsupported(f"AUTO_INCREMENT (column {name!r})")
            elif type(value) is not PK_TYPES[want_type]:
                raise invalid_pk("type", _VT_NAMES.get(type(value), type(value).__name__), _VT_NAMES[PK_TYPES[want_type]])
            elif type(value) is not int and _value_size(value) > MAX_PK_VALUE_BYTES:
                raise invalid(f"The length of primary key column {name!r} exceeds {MAX_PK_VALUE_BYTES} bytes.")
            values.append(value)
        return tuple(values)

    # --- writes ---------------------------------------------------------------------------
    def check_cells(self, kind: str, cells: list[pb.Cell], now_ms: int) -> list[pb.Cell]:
        """Validate the attribute cells of a write and fill in missing timestamps (now, in ms)."""
        if kind == "UPDATE" and not self.options.allow_update:
            raise invalid(f"UpdateRow is not allowed on table {self.name!r} (allow_update is false).")
        low = now_ms - self.options.deviation_seconds * 1000
        high = now_ms + self.options.deviation_seconds * 1000
        out = []
        for cell in cells:
            check_name(cell.name, "attribute column")
            if cell.name in self.pk_names:
                raise invalid(f"The attribute column {cell.name!r} has the name of a primary key column.")
            if cell.op == pb.PUT:
                if cell.value is None:
                    raise invalid(f"The attribute column {cell.name!r} has no value.")
                if _value_size(cell.value) > MAX_VALUE_BYTES:
                    raise invalid(f"The length of attribute column {cell.name!r} exceeds {MAX_VALUE_BYTES} bytes.")
                stamp = now_ms if cell.timestamp is None else cell.timestamp
                if not low <= stamp <= high:
                    raise invalid(f"The timestamp {stamp} of attribute column {cell.name!r} is out of the "
                                  f"allowed deviation of {self.options.deviation_seconds} s from now.")
                out.append(pb.Cell(cell.name, cell.value, pb.PUT, stamp))
            elif kind != "UPDATE":
                raise invalid(f"The attribute column {cell.name!r} carries a cell type; only UpdateRow may.")
            elif cell.op == pb.DELETE_ONE_VERSION:
                if cell.timestamp is None or cell.value is not None:
                    raise invalid(f"Deleting one version of {cell.name!r} needs a timestamp and no value.")
                out.append(pb.Cell(cell.name, None, pb.DELETE_ONE_VERSION, cell.timestamp))
            elif cell.op == pb.DELETE_ALL_VERSION:
                if cell.value is not None:
                    raise invalid(f"Deleting all versions of {cell.name!r} takes no value.")
                out.append(pb.Cell(cell.name, None, pb.DELETE_ALL_VERSION, None))
            elif cell.op == pb.INCREMENT:
                raise unsupported(f"Atomic increment (column {cell.name!r})")
            else:
                raise invalid(f"Unknown cell type {cell.op} for column {cell.name!r}.")
        return out

    def apply(self, mutation: Mutation) -> None:
        """Apply a checked mutation (also used when replaying the log)."""
        key = encode_key(mutation.pk)
        old = self.rows.get(key)
        if mutation.kind == "DELETE":
            if old is not None:
                self._remove(key)
            return
        columns = old.columns() if (old is not None and mutation.kind == "UPDATE") else {}
        for cell in mutation.cells:
            if cell.op == pb.PUT:
                versions = [v for v in columns.get(cell.name, ()) if v[0] != cell.timestamp]
                bisect.insort(versions, (cell.timestamp, cell.value), key=lambda v: -v[0])
                columns[cell.name] = versions[:self.options.max_versions]
            elif cell.op == pb.DELETE_ONE_VERSION:
                versions = [v for v in columns.get(cell.name, ()) if v[0] != cell.timestamp]
                if versions:
                    columns[cell.name] = versions
                else:
                    columns.pop(cell.name, None)
            else:
                columns.pop(cell.name, None)
        if mutation.kind == "UPDATE" and not columns:
            # An update that leaves no cell leaves no row.
            if old is not None:
                self._remove(key)
            return
        self.rows[key] = self._row(mutation.pk, columns)
        if old is None:
            if not self._unsorted and (not self._keys or key > self._keys[-1]):
                self._keys.append(key)
            else:
                self._unsorted.append(key)

    def _row(self, pk: tuple, columns: dict[str, list[tuple[int, object]]]) -> Row:
        pk_cells, pk_checksums = pb.encode_primary_key(zip(self.pk_names, pk))
        every, newest_only, multi = [], [], False
        for name in sorted(columns):
            versions = columns[name]
            cells = [pb.encode_cell(name, value, ts) for ts, value in versions]
            every += cells
            newest_only.append(cells[0])
            multi = multi or len(versions) > 1
        encoded = pb.encode_row(pk_cells, pk_checksums, every)
        latest = pb.encode_row(pk_cells, pk_checksums, newest_only) if multi else encoded
        names = frozenset(columns)
        names = self._layouts.setdefault(names, names)
        stamps = [versions[0][0] for versions in columns.values()]
        return Row(encoded, latest, names, min(stamps) if stamps else None, max(stamps) if stamps else None)

    def pk_of(self, key: bytes) -> tuple:
        """The primary key values of a stored row's sort key."""
        return decode_key(key, self.pk_types)

    def _remove(self, key: bytes) -> None:
        del self.rows[key]
        keys = self.sorted_keys()
        del keys[bisect.bisect_left(keys, key)]

    def sorted_keys(self) -> list[bytes]:
        if self._unsorted:
            self._keys += self._unsorted
            self._unsorted = []
            self._keys.sort()
        return self._keys

    # --- reads ----------------------------------------------------------------------------
    def _cutoff(self, now_ms: int) -> int | None:
        ttl = self.options.time_to_live
        return None if ttl == -1 else now_ms - ttl * 1000

    def get(self, key: bytes, now_ms: int) -> Row | None:
        """The row at ``key`` if it exists and has not expired entirely."""
        row = self.rows.get(key)
        if row is None:
            return None
        cutoff = self._cutoff(now_ms)
        if cutoff is not None and row.newest is not None and row.newest < cutoff:
            return None
        return row

    def read(self, key: bytes, row: Row, spec: ReadSpec, now_ms: int) -> bytes | None:
        """The row at ``key`` as a read with ``spec`` returns it (no header), or None when
        nothing of it is to be returned."""
        cutoff = self._cutoff(now_ms)
        if spec.takes_whole(row) and (cutoff is None or row.oldest_latest is None or row.oldest_latest >= cutoff):
            return row.latest
        stored = row.columns()
        cells = []
        for name, versions in stored.items():
            if spec.columns is not None and name not in spec.columns:
                continue
            kept = [v for v in versions
                    if (cutoff is None or v[0] >= cutoff)
                    and (spec.time_range is None or spec.time_range[0] <= v[0] < spec.time_range[1])]
            if spec.max_versions is not None:
                kept = kept[:spec.max_versions]
            cells += [pb.encode_cell(name, value, ts) for ts, value in kept]
        if not cells:
            pk_asked = spec.columns is not None and not spec.columns.isdisjoint(self.pk_names)
            if not pk_asked and (stored or spec.columns is not None):
                return None
        pk_cells, pk_checksums = pb.encode_primary_key(zip(self.pk_names, self.pk_of(key)))
        return pb.encode_row(pk_cells, pk_checksums, cells)

    def get_range(self, start: tuple, end: tuple, forward: bool, limit: int | None,
                  spec: ReadSpec, now_ms: int) -> tuple[list[bytes], tuple | None]:
        """One page of a range read: encoded rows and the PK to continue from (None: done).
        FORWARD reads [start, end), BACKWARD reads (end, start] downwards."""
        start_key, end_key = encode_key(start), encode_key(end)
        # The service's own words (an empty range, start == end, is refused too).
        if forward and start_key >= end_key:
            raise invalid("Begin key must less than end key in FORWARD")
        if not forward and start_key <= end_key:
            raise invalid("Begin key must more than end key in BACKWARD")
        keys = self.sorted_keys()
        if forward:
            positions = range(bisect.bisect_left(keys, start_key), bisect.bisect_left(keys, end_key))
        else:
            positions = range(bisect.bisect_right(keys, start_key) - 1, bisect.bisect_right(keys, end_key) - 1, -1)
        max_rows = PAGE_ROWS if limit is None else min(limit, PAGE_ROWS)
        cutoff = self._cutoff(now_ms)
        fast = cutoff is None and spec.time_range is None and spec.max_versions == 1
        rows, out, size = self.rows, [], 0
        for position in positions:
            key = keys[position]
            row = rows[key]
            if len(out) >= max_rows:
                return out, self.pk_of(key)
            if fast and spec.takes_whole(row):
                data = row.latest
            else:
                if cutoff is not None and row.newest is not None and row.newest < cutoff:
                    continue
                data = self.read(key, row, spec, now_ms)
                if data is None:
                    continue
            if out and size + len(data) > PAGE_BYTES:
                return out, self.pk_of(key)
            out.append(data)
            size += len(data)
        return out, None

    def split_points(self, split_bytes: int, limit: int | None, now_ms: int) -> list[object]:
        """First-PK-column values that cut the table into parts of about ``split_bytes``,
        strictly increasing; at most ``limit`` of them, spread evenly when there are more."""
        points: list[object] = []
        size, first = 0, None
        for key in self.sorted_keys():
            row = self.get(key, now_ms)
            if row is None:
                continue
            value = first_key_value(key, self.pk_types[0])
            if first is None:
                first = value
            elif size >= split_bytes and value != first and (not points or value != points[-1]):
                points.append(value)
                size = 0
            size += len(row.encoded)
        if limit is not None and len(points) > limit:
            step = (len(points) + 1) / (limit + 1)
            points = [points[round((i + 1) * step) - 1] for i in range(limit)]
        return points
