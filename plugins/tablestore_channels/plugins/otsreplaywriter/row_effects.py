"""The net effect of a run of one row's stream changes, and the row writes that apply it.

Every change the multi-version stream records is an assignment: ``U`` sets one version of a
column, ``DO`` deletes one version, ``DA`` every version of a column, ``DR`` the whole row. Each
acts on every (column, version) of the row either not at all or by setting it to one outcome,
so a run of changes folds into a last-assignment-wins effect, and applying a run again, or a
run from earlier on top of its own later state, changes nothing (what makes a replay
idempotent and lets it start before an export's reading did).

A batch may hold a row once only, so the effect is written as a short list of row writes that
go out one after another (one per batch round):

- after a ``DR``: a PutRow of the cells put since (every cell with its timestamp), or a
  DeleteRow when there are none;
- otherwise an UpdateRow: ``DELETE_ALL`` of the columns cleared, ``DELETE`` / ``PUT`` of the
  versions of the other columns; then a second UpdateRow with the versions put into the
  cleared columns since (a column cannot be cleared and put in one write);
- puts beyond ``max_cells`` per write go on in further UpdateRows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tablestore

from tablestore_channels.errors import DirtyRecord
from tablestore_channels.plugins.otswriter.batches import IGNORE
from tablestore_channels.plugins.otswriter.rows import CELL_OVERHEAD, ROW_OVERHEAD, value_size

PUT, DELETE_VERSION, DELETE_COLUMN, DELETE_ROW = "U", "DO", "DA", "DR"
OP_TYPES = (PUT, DELETE_VERSION, DELETE_COLUMN, DELETE_ROW)
_DELETED = object()  # a version deleted by DO


@dataclass
class RowEffect:
    """The effect of the changes folded so far into one row."""

    deleted: bool = False  # a DR came: the row was empty before what follows
    cleared: set[str] = field(default_factory=set)  # DA'd since (and not after a DR)
    versions: dict[tuple[str, int], Any] = field(default_factory=dict)  # (column, ts) -> value or _DELETED
    size: int = ROW_OVERHEAD

    def apply(self, op: str, column: str | None, timestamp: int | None, value: Any) -> None:
        """Fold one change in (raises DirtyRecord for a change that is not one)."""
        if op == DELETE_ROW:
            self.deleted, self.size = True, ROW_OVERHEAD
            self.cleared.clear()
            self.versions.clear()
            return
        if not column:
            raise DirtyRecord(f"a {op} change without a column name")
        if op == DELETE_COLUMN:
            self.versions = {k: v for k, v in self.versions.items() if k[0] != column}
            if not self.deleted:
                self.cleared.add(column)
            self.size += len(column) + CELL_OVERHEAD
            return
        if timestamp is None:
            raise DirtyRecord(f"a {op} change of column {column!r} without a timestamp")
        if op == PUT:
            if value is None:
                raise DirtyRecord(f"a U change of column {column!r} without a value")
            self.versions[(column, timestamp)] = value
            self.size += len(column) + CELL_OVERHEAD + value_size(value)
        elif op == DELETE_VERSION:
            self.versions[(column, timestamp)] = _DELETED
            self.size += len(column) + CELL_OVERHEAD
        else:
            raise DirtyRecord(f"unknown op_type {op!r}; a stream record has one of {', '.join(OP_TYPES)}")

    def writes(self, primary_key: list[tuple[str, Any]], max_cells: int) -> list[tablestore.RowItem]:
        """The row writes that apply the effect, in order."""
        puts = [(c, v, ts) for (c, ts), v in self.versions.items() if v is not _DELETED]
        if self.deleted:
            if not puts:
                return [tablestore.DeleteRowItem(tablestore.Row(primary_key), IGNORE)]
            head, rest = puts[:max_cells], puts[max_cells:]
            return [tablestore.PutRowItem(tablestore.Row(primary_key, head), IGNORE),
                    *_updates(primary_key, rest, max_cells)]
        first: dict[str, list] = {}
        if self.cleared:
            first["DELETE_ALL"] = sorted(self.cleared)
        deletes = [(c, None, ts) for (c, ts), v in self.versions.items() if v is _DELETED and c not in self.cleared]
        if deletes:
            first["DELETE"] = deletes
        kept = [p for p in puts if p[0] not in self.cleared]
        later = [p for p in puts if p[0] in self.cleared]
        if kept:
            first["PUT"] = kept[:max_cells]
        return [tablestore.UpdateRowItem(tablestore.Row(primary_key, first), IGNORE),
                *_updates(primary_key, kept[max_cells:] + later, max_cells)]


def _updates(primary_key: list, puts: list, max_cells: int) -> list[tablestore.RowItem]:
    return [tablestore.UpdateRowItem(tablestore.Row(primary_key, {"PUT": puts[i:i + max_cells]}), IGNORE)
            for i in range(0, len(puts), max_cells)]
