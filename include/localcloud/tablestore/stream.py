"""A table's stream: shards, change records, iterators and retention.

Every committed write appends one record to the open shard owning the row. Ownership is by hash
(CRC-32 of the first primary-key value's PlainBuffer bytes) over ``[0, 2**32)``: the first
shards split that space evenly and a split gives each child half of its parent's range, so the
owner of a row never depends on process state. A record is a PlainBuffer buffer with one row:
the primary key, the cells exactly as the write described them (puts with value and timestamp,
DELETE_ONE_VERSION with its timestamp, DELETE_ALL_VERSION bare) and the sequence-info extension
(epoch 0, commit time in µs, row index within the commit). Records of a shard are ordered by
(commit time, row index).

The records' bytes go to one append-only file per stream (under the service's data dir), so
they cost the process no memory; a shard keeps only their place in it, commit time and action
(21 bytes a record). The file is derived data: the service rebuilds it from the journal at start.

A shard iterator is an opaque string naming (stream, shard, position); positions count records
since the shard opened, so trimming the oldest records leaves later positions valid and makes
earlier ones answer OTSTrimmedDataAccess.
"""

from __future__ import annotations

import base64
import bisect
import json
import os
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from localcloud.tablestore import plainbuffer as pb
from localcloud.tablestore.errors import OTSError, invalid
from localcloud.tablestore.table import Mutation

PUT_ROW, UPDATE_ROW, DELETE_ROW = 1, 2, 3
ACTIONS = {"PUT": PUT_ROW, "UPDATE": UPDATE_ROW, "DELETE": DELETE_ROW}
HASH_SPACE = 1 << 32
HOUR_US = 3600 * 1_000_000


@dataclass(slots=True)
class Record:
    commit_us: int
    action: int
    data: bytes  # PlainBuffer with header


@dataclass
class Shard:
    """A shard and the index of its retained records (their bytes are in the stream's file)."""

    id: str
    low: int   # owns hashes in [low, high)
    high: int
    parent_id: str | None = None
    parent_sibling_id: str | None = None
    closed: bool = False
    first: int = 0  # position of the oldest retained record
    commits: array = field(default_factory=lambda: array("q"))   # commit time (µs) per record
    offsets: array = field(default_factory=lambda: array("q"))   # where each record starts in the file
    sizes: array = field(default_factory=lambda: array("I"))
    actions: bytearray = field(default_factory=bytearray)

    @property
    def end(self) -> int:
        return self.first + len(self.commits)

    def drop_before(self, cutoff_us: int) -> None:
        """Trim the records committed before ``cutoff_us``."""
        count = bisect.bisect_left(self.commits, cutoff_us)
        if count:
            for column in (self.commits, self.offsets, self.sizes, self.actions):
                del column[:count]
            self.first += count


def row_hash(value) -> int:
    return zlib.crc32(pb.value_payload(value))


class Stream:
    """One enabled stream of a table."""

    def __init__(self, stream_id: str, table: str, created_us: int, expiration_hours: int,
                 shard_count: int, directory: Path) -> None:
        if expiration_hours <= 0:
            raise invalid("The expiration time of a stream must be greater than 0 hours.")
        if shard_count < 1:
            raise invalid("A stream needs at least one shard.")
        self.id = stream_id
        self.table = table
        self.created_us = created_us
        self.expiration_hours = expiration_hours
        self.shards: dict[str, Shard] = {}
        self.reshape(shard_count)
        directory.mkdir(parents=True, exist_ok=True)
        self._path = directory / f"{stream_id}.records"
        self._file = open(self._path, "w+b", buffering=0)
        self._size = 0

    def close(self) -> None:
        self._file.close()

    def discard(self) -> None:
        """Close and delete the records' file (the stream is disabled or its table deleted)."""
        self.close()
        self._path.unlink(missing_ok=True)

    def reshape(self, shard_count: int) -> None:
        """Start over with ``shard_count`` equal shards (only while the stream is empty)."""
        self.shards = {}
        for index in range(shard_count):
            self._add_shard(index * HASH_SPACE // shard_count, (index + 1) * HASH_SPACE // shard_count)

    @property
    def pristine(self) -> bool:
        """No record written and no split done yet."""
        return all(s.end == 0 and s.parent_id is None for s in self.shards.values())

    def _add_shard(self, low: int, high: int, parent: str | None = None) -> Shard:
        # Zero-padded creation number first: ids sort in creation order, parents before children.
        shard = Shard(f"{len(self.shards):04d}-{self.id[:8]}", low, high, parent)
        self.shards[shard.id] = shard
        return shard

    def shard(self, shard_id: str) -> Shard:
        shard = self.shards.get(shard_id)
        if shard is None:
            raise OTSError("OTSObjectNotExist", f"Shard {shard_id!r} does not exist in stream {self.id!r}.")
        return shard

    def owner(self, first_pk_value) -> Shard:
        point = row_hash(first_pk_value)
        for shard in self.shards.values():
            if not shard.closed and shard.low <= point < shard.high:
                return shard
        raise AssertionError("open shards always cover the hash space")

    # --- writing --------------------------------------------------------------------------
    def append(self, commit_us: int, mutations: list[tuple[Mutation, int]], pk_names: list[str]) -> None:
        """The records of one commit: each mutation with its row index within the commit."""
        chunks = []
        for mutation, row_index in mutations:
            row = pb.PlainRow(list(zip(pk_names, mutation.pk)), list(mutation.cells),
                              sequence=pb.SequenceInfo(0, commit_us, row_index))
            data = pb.encode_buffer([row])
            shard = self.owner(mutation.pk[0])
            shard.commits.append(commit_us)
            shard.offsets.append(self._size)
            shard.sizes.append(len(data))
            shard.actions.append(ACTIONS[mutation.kind])
            chunks.append(data)
            self._size += len(data)
        self._file.write(b"".join(chunks))

    def split(self, shard_id: str) -> tuple[Shard, Shard]:
        """Close an open shard; two children take over its halves of the hash range."""
        parent = self.shard(shard_id)
        if parent.closed:
            raise invalid(f"Shard {shard_id!r} is already closed.")
        if parent.high - parent.low < 2:
            raise invalid(f"Shard {shard_id!r} is too small to split.")
        middle = (parent.low + parent.high) // 2
        parent.closed = True
        return self._add_shard(parent.low, middle, parent.id), self._add_shard(middle, parent.high, parent.id)

    def trim(self, cutoff_us: int) -> None:
        for shard in self.shards.values():
            shard.drop_before(cutoff_us)

    def expire(self, now_us: int) -> None:
        """Drop what the retention period no longer keeps."""
        self.trim(now_us - self.expiration_hours * HOUR_US)

    # --- reading --------------------------------------------------------------------------
    def iterator(self, shard_id: str, timestamp_us: int | None = None) -> str:
        """An iterator at the oldest retained record, or at the first one committed at or after
        ``timestamp_us``."""
        shard = self.shard(shard_id)
        position = shard.first
        if timestamp_us is not None:
            position += bisect.bisect_left(shard.commits, timestamp_us)
        return self._iterator(shard, position)

    def _iterator(self, shard: Shard, position: int) -> str:
        text = json.dumps([self.id, shard.id, position], separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode()

    @staticmethod
    def parse_iterator(iterator: str) -> tuple[str, str, int]:
        """(stream id, shard id, position) of an iterator."""
        try:
            stream_id, shard_id, position = json.loads(base64.urlsafe_b64decode(iterator.encode()))
            if isinstance(stream_id, str) and isinstance(shard_id, str) and isinstance(position, int):
                return stream_id, shard_id, position
        except (ValueError, TypeError):
            pass
        raise invalid("Invalid shard iterator.")

    def read(self, shard_id: str, position: int, limit: int) -> tuple[list[Record], str | None]:
        """Up to ``limit`` records from ``position`` and the iterator after them; None once a
        closed shard is read to its end."""
        shard = self.shard(shard_id)
        if position < shard.first:
            raise OTSError("OTSTrimmedDataAccess",
                           f"The requested records of shard {shard_id!r} have been trimmed.")
        if position > shard.end:
            raise invalid("Invalid shard iterator: position beyond the shard's end.")
        start = position - shard.first
        batch = self._records(shard, start, min(start + limit, len(shard.commits)))
        after = position + len(batch)
        if shard.closed and after >= shard.end:
            return batch, None
        return batch, self._iterator(shard, after)

    def _records(self, shard: Shard, start: int, stop: int) -> list[Record]:
        """Records ``start``..``stop`` (indexes into the shard's retained ones), read with one
        pread per run of records that lie back to back in the file."""
        records: list[Record] = []
        fd = self._file.fileno()
        index = start
        while index < stop:
            run_end, offset = index + 1, shard.offsets[index]
            end = offset + shard.sizes[index]
            while run_end < stop and shard.offsets[run_end] == end:
                end += shard.sizes[run_end]
                run_end += 1
            data = os.pread(fd, end - offset, offset)
            cut = 0
            for i in range(index, run_end):
                size = shard.sizes[i]
                records.append(Record(shard.commits[i], shard.actions[i], data[cut:cut + size]))
                cut += size
            index = run_end
        return records
