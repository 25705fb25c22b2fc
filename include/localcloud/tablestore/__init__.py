"""Local Tablestore server: the table, row, split-point and stream APIs of the real service, on
loopback, for the ``tablestore`` SDK unchanged (``OTSClient`` and ``AsyncOTSClient``, signature
V2 or V4).

Admin routes (plain JSON on ``/_localcloud/``, no signature; helpers in
:mod:`localcloud.tablestore.control`):

``POST tablestore/split-shard`` ``{"table": T, "shard_id": S}``
    Close open shard S of T's stream; two children take over its halves of the hash range and
    get the new writes. Answers ``{"parent": S, "children": [C1, C2]}``.
``POST tablestore/trim`` ``{"table": T, "before_us": U}``
    Trim T's stream records committed before U (µs since the epoch), as retention would: reading
    them answers 404 OTSTrimmedDataAccess. Records older than the stream's ``expiration_time``
    hours are trimmed on their own.
``POST tablestore/shard-count`` ``{"count": N}`` or ``{"table": T, "count": N}``
    Shards of every stream enabled from now on (default 2), or of T's next stream. If T already
    has a stream with no record and no split yet, it is reshaped at once. Answers
    ``{"count": N, "reshaped": bool}``.
``POST tablestore/size-scale`` ``{"table": T, "scale": N}``
    ComputeSplitPointsBySize counts each of T's rows N times its bytes, so that a small table is
    cut as one N times its size would be (tests of split planning load a tenth of the rows).
    Kept in memory only: a restart forgets it.
``GET tablestore/shards`` ``{"table": T}``
    T's stream shards: id, parent_id, closed, and the positions of the retained records.

Data (tables, rows with their versions, stream shards) lives in memory and in an append-only
journal under the data dir, replayed at start (:mod:`localcloud.tablestore.journal`); the stream
records' bytes live in a file per stream beside it, rebuilt by the replay.
"""

from __future__ import annotations

from pathlib import Path

from localcloud.settings import Settings
from localcloud.tablestore.service import TablestoreService


def build(data_dir: Path, settings: Settings) -> TablestoreService:
    """Entry point for ``localcloud serve``."""
    return TablestoreService(data_dir, settings)
