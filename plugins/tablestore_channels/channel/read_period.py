"""When a run read its source: the earliest start and the latest end of its splits' reading.

A full export is not a snapshot: each row is read at some moment between the two. A
point-in-time restore needs both ends: an export whose reading finished after T may hold
changes made after T, and the stream must be replayed from the reading's start. The times are
the worker's clock (epoch ms and ISO 8601, UTC), taken before a split's first read and after
its last one, so the period they bound holds every read.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from tablestore_channels.backup_layout import iso

STARTED, FINISHED = "read_started_at", "read_finished_at"
# what each split's result carries (ms)
SPLIT_STARTED, SPLIT_FINISHED = "read_started_ms", "read_finished_ms"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def of_splits(results: Sequence[dict]) -> dict:
    """The period of the splits' results (each with ``read_started_ms`` / ``read_finished_ms``),
    for a manifest: ``read_started_at`` / ``read_finished_at`` (ISO) and their ``_ms``; empty
    when a result lacks them."""
    if not results or any(SPLIT_STARTED not in r or SPLIT_FINISHED not in r for r in results):
        return {}
    started, finished = min(r[SPLIT_STARTED] for r in results), max(r[SPLIT_FINISHED] for r in results)
    return {STARTED: iso(started), f"{STARTED}_ms": started, FINISHED: iso(finished), f"{FINISHED}_ms": finished}
