"""Client helpers for the local Tablestore's admin routes (see :mod:`localcloud.tablestore`), for
tests, benchmarks and the demo. ``endpoint`` is the server's endpoint URL."""

from __future__ import annotations

from localcloud.admin import call


def split_shard(endpoint: str, table: str, shard_id: str) -> list[str]:
    """Close ``shard_id`` of ``table``'s stream; returns the two child shard ids."""
    return call(endpoint, "POST", "tablestore/split-shard", {"table": table, "shard_id": shard_id})["children"]


def trim_stream(endpoint: str, table: str, before_us: int) -> None:
    """Trim ``table``'s stream records committed before ``before_us`` (µs since the epoch)."""
    call(endpoint, "POST", "tablestore/trim", {"table": table, "before_us": before_us})


def set_shard_count(endpoint: str, count: int, table: str | None = None) -> bool:
    """Shards of the next stream enabled (on ``table``, or on any table); True if ``table``'s
    still empty stream was reshaped at once."""
    payload = {"count": count} if table is None else {"count": count, "table": table}
    return call(endpoint, "POST", "tablestore/shard-count", payload)["reshaped"]


def set_size_scale(endpoint: str, table: str, scale: int) -> None:
    """ComputeSplitPointsBySize counts each of ``table``'s rows ``scale`` times its bytes, so a
    small table is cut as a large one would be (until the server restarts)."""
    call(endpoint, "POST", "tablestore/size-scale", {"table": table, "scale": scale})


def shards(endpoint: str, table: str) -> list[dict]:
    """``table``'s stream shards: shard_id, parent_id, closed, first and end record positions."""
    return call(endpoint, "GET", "tablestore/shards", {"table": table})
