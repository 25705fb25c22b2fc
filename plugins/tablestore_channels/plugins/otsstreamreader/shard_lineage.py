"""Shards grouped by lineage, so a child is always read after its parents, by the same split.

A split or merge links shards: a child lists ``parent_id`` (and ``parent_sibling_id`` after a
merge). Shards linked this way, directly or not, form one lineage; a lineage is read by one split
in parent-before-child order, so no split ever waits for another. Lineages are spread over the
splits by size.
"""

from __future__ import annotations

from collections.abc import Sequence

from tablestore_channels.ots_client.models import StreamShard


def parents(shard: StreamShard, known: set[str]) -> list[str]:
    """The shard's parents that the stream still lists (expired ones count as finished)."""
    return [p for p in (shard.parent_id, shard.parent_sibling_id) if p and p in known]


def lineages(shards: Sequence[StreamShard]) -> list[list[StreamShard]]:
    """The lineages of ``shards``, each in parent-before-child order; ordered by first shard id."""
    known = {s.shard_id for s in shards}
    root = {s.shard_id: s.shard_id for s in shards}

    def find(shard_id: str) -> str:
        while root[shard_id] != shard_id:
            root[shard_id] = root[root[shard_id]]
            shard_id = root[shard_id]
        return shard_id

    for shard in shards:
        for parent in parents(shard, known):
            root[find(shard.shard_id)] = find(parent)
    groups: dict[str, list[StreamShard]] = {}
    for shard in shards:
        groups.setdefault(find(shard.shard_id), []).append(shard)
    ordered = [_parents_first(group, known) for group in groups.values()]
    return sorted(ordered, key=lambda group: group[0].shard_id)


def _parents_first(group: list[StreamShard], known: set[str]) -> list[StreamShard]:
    pending = {s.shard_id: s for s in group}
    done: set[str] = set()
    order: list[StreamShard] = []
    while pending:
        ready = sorted(i for i, s in pending.items() if all(p in done for p in parents(s, known)))
        if not ready:
            raise ValueError(f"shards {sorted(pending)} have cyclic parents")
        for shard_id in ready:
            order.append(pending.pop(shard_id))
            done.add(shard_id)
    return order


def assign(groups: list[list[StreamShard]], splits: int) -> list[list[StreamShard]]:
    """Spread lineages over at most ``splits`` splits, largest first onto the smallest split."""
    bins: list[list[StreamShard]] = [[] for _ in range(max(1, min(splits, len(groups))))]
    for group in sorted(groups, key=len, reverse=True):
        min(bins, key=len).extend(group)
    return [b for b in bins if b]
