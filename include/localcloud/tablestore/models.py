"""The Tablestore state and the operations on it, no wire format: tables, streams, the commit
clock and the journal. The records it holds live beside it: tables and their rows in
:mod:`localcloud.tablestore.table`, stream shards and records in :mod:`localcloud.tablestore.stream`,
the journal file in :mod:`localcloud.tablestore.journal`.

Every change is an entry (a tuple of plain values) applied to memory and then appended to the
journal before the request is answered; at start the journal is replayed through the same apply
functions. One lock serialises all access.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from localcloud.settings import Settings
from localcloud.tablestore import plainbuffer as pb
from localcloud.tablestore.errors import OTSError, condition_failed, invalid, table_not_exist
from localcloud.tablestore.journal import Journal
from localcloud.tablestore.keys import encode_key
from localcloud.tablestore.stream import Record, Stream
from localcloud.tablestore.table import Mutation, Options, ReadSpec, Table

DEFAULT_SHARD_COUNT = 2
IGNORE, EXPECT_EXIST, EXPECT_NOT_EXIST = 0, 1, 2


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class RowWrite:
    """One row of PutRow / UpdateRow / DeleteRow / BatchWriteRow, decoded."""

    table: str
    kind: str  # PUT, UPDATE or DELETE
    row: pb.PlainRow
    expect: int = IGNORE


class TablestoreState:
    """Every table and stream of one server; the protobuf answers are built from it in
    :mod:`localcloud.tablestore.responses`."""

    def __init__(self, data_dir: Path, settings: Settings) -> None:
        self.settings = settings
        self.tables: dict[str, Table] = {}
        self.streams: dict[str, Stream] = {}  # by table name
        self._shard_counts: dict[str | None, int] = {None: DEFAULT_SHARD_COUNT}
        self._size_scales: dict[str, int] = {}  # by table name (admin; not kept across restarts)
        self._last_us = 0
        self._lock = threading.RLock()
        # Stream records are rebuilt from the journal, like the rest of the state.
        self._streams_dir = Path(data_dir) / "streams"
        shutil.rmtree(self._streams_dir, ignore_errors=True)
        self._journal = Journal(Path(data_dir) / "journal.bin")
        for entry in self._journal.replay():
            self._apply(entry)

    # --- commit machinery -----------------------------------------------------------------
    def _commit(self, entry: tuple) -> None:
        self._apply(entry)  # raises before anything is journaled when the change is invalid
        self._journal.append(entry)

    def _apply(self, entry: tuple) -> None:
        getattr(self, f"_apply_{entry[0]}")(*entry[1:])

    def _commit_time(self) -> int:
        """Commit time in µs, strictly increasing: it orders the stream records."""
        self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
        return self._last_us

    def close(self) -> None:
        with self._lock:
            self._journal.close()
            for stream in self.streams.values():
                stream.close()

    # --- tables ---------------------------------------------------------------------------
    def table(self, name: str) -> Table:
        table = self.tables.get(name)
        if table is None:
            raise table_not_exist(name)
        return table

    def create_table(self, name: str, schema: list[tuple[str, str]], defined: list[tuple[str, int]],
                     options: Options, read_cu: int, write_cu: int, stream_hours: int | None) -> None:
        with self._lock:
            if name in self.tables:
                raise OTSError("OTSObjectAlreadyExist", "Requested table already exists.")
            created = self._commit_time()
            stream = None if stream_hours is None else self._stream_spec(name, created, stream_hours)
            self._commit(("create_table", name, schema, defined, vars(options).copy(),
                          read_cu, write_cu, created, stream))

    def _stream_spec(self, table: str, enabled_us: int, hours: int) -> tuple:
        count = self._shard_counts.get(table, self._shard_counts[None])
        return uuid.uuid4().hex, enabled_us, hours, count

    def _apply_create_table(self, name, schema, defined, options, read_cu, write_cu, created, stream) -> None:
        table = Table(name, [tuple(c) for c in schema], Options(**options), [tuple(c) for c in defined],
                      read_cu, write_cu, created)
        new_stream = None if stream is None else Stream(stream[0], name, *stream[1:], self._streams_dir)
        self.tables[name] = table
        if new_stream is not None:
            self.streams[name] = new_stream
        self._last_us = max(self._last_us, created)

    def delete_table(self, name: str) -> None:
        with self._lock:
            self.table(name)
            self._commit(("delete_table", name))

    def _apply_delete_table(self, name: str) -> None:
        del self.tables[name]
        stream = self.streams.pop(name, None)
        if stream is not None:
            stream.discard()

    def list_tables(self) -> list[str]:
        with self._lock:
            return sorted(self.tables)

    def describe(self, name: str) -> tuple[Table, Stream | None]:
        with self._lock:
            return self.table(name), self.streams.get(name)

    def update_table(self, name: str, options: dict, capacity: tuple[int | None, int | None],
                     stream: tuple[bool, int | None] | None) -> tuple[Table, Stream | None]:
        """Change options (only the given keys), reserved throughput, or switch the stream."""
        with self._lock:
            table = self.table(name)
            stream_change = None
            if stream is not None:
                enable, hours = stream
                if enable and name in self.streams:
                    raise invalid(f"The stream of table {name!r} is already enabled.")
                if enable:
                    if hours is None:
                        raise invalid("Enabling a stream needs an expiration_time (hours).")
                    stream_change = ("enable", self._stream_spec(name, self._commit_time(), hours))
                elif name in self.streams:
                    stream_change = ("disable",)
            merged = vars(table.options).copy()
            merged.update(options)
            Options(**merged).validate()
            self._commit(("update_table", name, options, capacity, stream_change))
            return table, self.streams.get(name)

    def _apply_update_table(self, name, options, capacity, stream_change) -> None:
        table = self.tables[name]
        for key, value in options.items():
            setattr(table.options, key, value)
        read_cu, write_cu = capacity
        table.read_cu = table.read_cu if read_cu is None else read_cu
        table.write_cu = table.write_cu if write_cu is None else write_cu
        if stream_change is None:
            return
        if stream_change[0] == "enable":
            stream_id, enabled_us, hours, count = stream_change[1]
            self.streams[name] = Stream(stream_id, name, enabled_us, hours, count, self._streams_dir)
            self._last_us = max(self._last_us, enabled_us)
        else:
            self.streams.pop(name).discard()

    # --- rows -----------------------------------------------------------------------------
    def write(self, writes: list[RowWrite]) -> list[tuple | OTSError]:
        """Check and commit row writes together. Returns per row its PK values or the error
        that rejected it. A missing table or a row written twice fails the whole request."""
        with self._lock:
            now_ms = _now_ms()
            outcomes: list[tuple | OTSError] = []
            items, seen = [], set()
            for write in writes:
                table = self.table(write.table)
                try:
                    pk = table.primary_key(write.row.primary_key)
                except OTSError as error:
                    outcomes.append(error)
                    continue
                key = encode_key(pk)
                if (write.table, key) in seen:
                    raise invalid("The input parameter is invalid.")  # the service's words for it
                seen.add((write.table, key))
                try:
                    cells = [] if write.kind == "DELETE" else table.check_cells(write.kind, write.row.cells, now_ms)
                    exists = table.get(key, now_ms) is not None
                    if (write.expect == EXPECT_EXIST and not exists) or (write.expect == EXPECT_NOT_EXIST and exists):
                        raise condition_failed()
                except OTSError as error:
                    outcomes.append(error)
                    continue
                items.append((write.table, write.kind, pk,
                              [(c.name, c.value, c.op, c.timestamp) for c in cells]))
                outcomes.append(pk)
            if items:
                self._commit(("write", self._commit_time(), items))
            return outcomes

    def _apply_write(self, commit_us: int, items: list) -> None:
        streamed: dict[str, list] = {}
        for row_index, (table_name, kind, pk, cells) in enumerate(items):
            mutation = Mutation(kind, tuple(pk), [pb.Cell(*cell) for cell in cells])
            self.tables[table_name].apply(mutation)
            if table_name in self.streams:
                streamed.setdefault(table_name, []).append((mutation, row_index))
        for table_name, mutations in streamed.items():
            self.streams[table_name].append(commit_us, mutations, self.tables[table_name].pk_names)
        self._last_us = max(self._last_us, commit_us)

    def get_rows(self, table_name: str, keys: list[list[tuple[str, object]]],
                 spec: ReadSpec) -> list[bytes | OTSError | None]:
        """Each row (encoded, no header), None when absent, or the error of a bad key."""
        with self._lock:
            table = self.table(table_name)
            now_ms = _now_ms()
            results: list[bytes | OTSError | None] = []
            for pairs in keys:
                try:
                    key = encode_key(table.primary_key(pairs))
                except OTSError as error:
                    results.append(error)
                    continue
                row = table.get(key, now_ms)
                results.append(None if row is None else table.read(key, row, spec, now_ms))
            return results

    def get_range(self, table_name: str, start: list, end: list, forward: bool, limit: int | None,
                  spec: ReadSpec) -> tuple[list[bytes], list[tuple[str, object]] | None]:
        with self._lock:
            table = self.table(table_name)
            start_pk = table.primary_key(start, allow_inf=True)
            end_pk = table.primary_key(end, allow_inf=True)
            rows, next_pk = table.get_range(start_pk, end_pk, forward, limit, spec, _now_ms())
            return rows, None if next_pk is None else list(zip(table.pk_names, next_pk))

    def split_points(self, table_name: str, split_bytes: int, limit: int | None) -> tuple[Table, list]:
        with self._lock:
            table = self.table(table_name)
            scaled = max(1, split_bytes // self._size_scales.get(table_name, 1))
            return table, table.split_points(scaled, limit, _now_ms())

    # --- streams --------------------------------------------------------------------------
    def _stream(self, stream_id: str) -> Stream:
        for stream in self.streams.values():
            if stream.id == stream_id:
                stream.expire(time.time_ns() // 1000)
                return stream
        raise OTSError("OTSObjectNotExist", f"Stream {stream_id!r} does not exist.")

    def list_streams(self, table_name: str | None) -> list[Stream]:
        with self._lock:
            if table_name is not None:
                self.table(table_name)
            return [s for name, s in sorted(self.streams.items()) if table_name in (None, name)]

    def describe_stream(self, stream_id: str) -> Stream:
        with self._lock:
            return self._stream(stream_id)

    def shard_iterator(self, stream_id: str, shard_id: str, timestamp_us: int | None) -> str:
        with self._lock:
            return self._stream(stream_id).iterator(shard_id, timestamp_us)

    def stream_records(self, iterator: str, limit: int) -> tuple[list[Record], str | None, bool]:
        """Records at the iterator, the next iterator, and whether more are readable now."""
        stream_id, shard_id, position = Stream.parse_iterator(iterator)
        with self._lock:
            stream = self._stream(stream_id)
            records, next_iterator = stream.read(shard_id, position, limit)
            more = position + len(records) < stream.shard(shard_id).end
            return records, next_iterator, more

    # --- admin ----------------------------------------------------------------------------
    def split_shard(self, table_name: str, shard_id: str) -> list[str]:
        with self._lock:
            stream = self._table_stream(table_name)
            stream.shard(shard_id)
            before = set(stream.shards)
            self._commit(("split_shard", table_name, shard_id))
            return [s for s in stream.shards if s not in before]

    def _apply_split_shard(self, table_name: str, shard_id: str) -> None:
        self.streams[table_name].split(shard_id)

    def trim(self, table_name: str, before_us: int) -> None:
        with self._lock:
            self._table_stream(table_name)
            self._commit(("trim", table_name, before_us))

    def _apply_trim(self, table_name: str, before_us: int) -> None:
        self.streams[table_name].trim(before_us)

    def set_size_scale(self, table_name: str, scale: int) -> None:
        """ComputeSplitPointsBySize counts each of the table's rows ``scale`` times its bytes: a
        small table is cut as one ``scale`` times its size would be."""
        if scale < 1:
            raise ValueError(f"the size scale must be at least 1, got {scale}")
        with self._lock:
            self.table(table_name)
            self._size_scales[table_name] = scale

    def set_shard_count(self, table_name: str | None, count: int) -> bool:
        """Shards of the next stream enabled on ``table_name`` (None: every table). An enabled
        stream that has seen no write and no split is reshaped at once (returns True)."""
        if count < 1:
            raise invalid("A stream needs at least one shard.")
        with self._lock:
            stream = self.streams.get(table_name) if table_name is not None else None
            reshaped = stream is not None and stream.pristine
            self._commit(("shard_count", table_name, count))
            return reshaped

    def _apply_shard_count(self, table_name: str | None, count: int) -> None:
        self._shard_counts[table_name] = count
        stream = self.streams.get(table_name) if table_name is not None else None
        if stream is not None and stream.pristine:
            stream.reshape(count)

    def _table_stream(self, table_name: str) -> Stream:
        self.table(table_name)
        stream = self.streams.get(table_name)
        if stream is None:
            raise OTSError("OTSObjectNotExist", f"Table {table_name!r} has no enabled stream.")
        return stream
