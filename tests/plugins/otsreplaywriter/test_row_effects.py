"""A run of one row's stream changes folded into its effect (:mod:`tablestore_channels.plugins.otsreplaywriter.row_effects`):
the exact row writes for each kind of run, the refusals of changes that are not ones, and, on runs
drawn at random, that the writes leave a row exactly as the changes one by one do, from any state
it was in, and that writing them again changes nothing (what makes a replay idempotent)."""

from __future__ import annotations

import random
from typing import Any

import pytest
import tablestore

from tablestore_channels.errors import DirtyRecord
from tablestore_channels.plugins.otsreplaywriter.row_effects import (
    DELETE_COLUMN,
    DELETE_ROW,
    DELETE_VERSION,
    PUT,
    RowEffect,
)
from tablestore_channels.plugins.otswriter.rows import CELL_OVERHEAD, ROW_OVERHEAD, value_size

PK = [("id", "k1")]
Change = tuple[str, str | None, int | None, Any]  # (op, column, timestamp, value)


def fold(changes: list[Change]) -> RowEffect:
    effect = RowEffect()
    for change in changes:
        effect.apply(*change)
    return effect


def shape(items: list[tablestore.RowItem]) -> list[tuple]:
    """The writes as (kind, cells): what goes to the table, in order."""
    shown = []
    for item in items:
        assert item.row.primary_key == PK
        assert item.condition.row_existence_expectation == tablestore.RowExistenceExpectation.IGNORE
        if isinstance(item, tablestore.DeleteRowItem):
            shown.append(("DeleteRow",))
        elif isinstance(item, tablestore.PutRowItem):
            shown.append(("PutRow", item.row.attribute_columns))
        else:
            assert isinstance(item, tablestore.UpdateRowItem)
            shown.append(("UpdateRow", item.row.attribute_columns))
    return shown


def writes(changes: list[Change], max_cells: int = 1024) -> list[tuple]:
    return shape(fold(changes).writes(PK, max_cells))


# --- the writes of each kind of run --------------------------------------------------------------
def test_puts_are_one_update_the_last_value_of_a_version_winning():
    changes = [(PUT, "a", 1, "x"), (PUT, "b", 2, 7), (PUT, "a", 1, "z"), (PUT, "a", 2, "y")]
    assert writes(changes) == [("UpdateRow", {"PUT": [("a", "z", 1), ("b", 7, 2), ("a", "y", 2)]})]


def test_a_deleted_version_is_deleted_even_when_it_was_put_in_the_run():
    changes = [(PUT, "a", 1, "x"), (DELETE_VERSION, "a", 1, None), (DELETE_VERSION, "b", 3, None), (PUT, "a", 2, "y")]
    assert writes(changes) == [("UpdateRow", {"DELETE": [("a", None, 1), ("b", None, 3)], "PUT": [("a", "y", 2)]})]


def test_a_cleared_column_is_cleared_first_and_what_is_put_into_it_after_goes_in_a_second_update():
    changes = [(PUT, "a", 1, "x"), (PUT, "b", 1, "w"), (DELETE_COLUMN, "a", None, None), (PUT, "a", 2, "y"),
               (DELETE_VERSION, "a", 9, None), (DELETE_VERSION, "b", 5, None)]
    assert writes(changes) == [
        ("UpdateRow", {"DELETE_ALL": ["a"], "DELETE": [("b", None, 5)], "PUT": [("b", "w", 1)]}),
        ("UpdateRow", {"PUT": [("a", "y", 2)]}),
    ]


def test_cleared_columns_are_listed_once_in_name_order():
    changes = [(DELETE_COLUMN, c, None, None) for c in ("e", "d", "c", "b", "a", "e", "c")]
    assert writes(changes) == [("UpdateRow", {"DELETE_ALL": ["a", "b", "c", "d", "e"]})]


def test_after_a_row_delete_the_row_is_put_whole_or_deleted():
    assert writes([(PUT, "a", 1, "x"), (DELETE_COLUMN, "b", None, None), (DELETE_ROW, None, None, None),
                   (PUT, "b", 2, "y"), (PUT, "c", 3, 1.5)]) == [("PutRow", [("b", "y", 2), ("c", 1.5, 3)])]
    assert writes([(PUT, "a", 1, "x"), (DELETE_ROW, None, None, None)]) == [("DeleteRow",)]
    # after the row's delete, clearing a column or deleting a version leaves nothing to put
    assert writes([(DELETE_ROW, None, None, None), (DELETE_COLUMN, "a", None, None),
                   (DELETE_VERSION, "b", 1, None)]) == [("DeleteRow",)]
    # a column cleared after the row's delete is not cleared again: the PutRow replaces the row
    assert writes([(DELETE_ROW, None, None, None), (PUT, "a", 1, "x"), (DELETE_COLUMN, "a", None, None),
                   (PUT, "a", 2, "y")]) == [("PutRow", [("a", "y", 2)])]


@pytest.mark.parametrize("changes, expected", [
    ([(PUT, c, 1, i) for i, c in enumerate("abcde")],
     [("UpdateRow", {"PUT": [("a", 0, 1), ("b", 1, 1)]}), ("UpdateRow", {"PUT": [("c", 2, 1), ("d", 3, 1)]}),
      ("UpdateRow", {"PUT": [("e", 4, 1)]})]),
    ([(DELETE_ROW, None, None, None), *[(PUT, c, 1, i) for i, c in enumerate("abc")]],
     [("PutRow", [("a", 0, 1), ("b", 1, 1)]), ("UpdateRow", {"PUT": [("c", 2, 1)]})]),
    ([(DELETE_COLUMN, "z", None, None), (PUT, "z", 1, 0), (PUT, "a", 1, 1), (PUT, "b", 1, 2), (PUT, "c", 1, 3)],
     [("UpdateRow", {"DELETE_ALL": ["z"], "PUT": [("a", 1, 1), ("b", 2, 1)]}),
      ("UpdateRow", {"PUT": [("c", 3, 1), ("z", 0, 1)]})]),
], ids=["updates", "after-a-row-delete", "with-a-cleared-column"])
def test_puts_beyond_max_cells_go_on_in_further_updates(changes, expected):
    assert writes(changes, max_cells=2) == expected


def test_the_size_counts_each_change_and_a_row_delete_starts_it_again():
    effect = fold([(PUT, "col", 1, "abc"), (DELETE_VERSION, "col", 2, None), (DELETE_COLUMN, "other", None, None)])
    assert effect.size == ROW_OVERHEAD + 3 * CELL_OVERHEAD + 3 + value_size("abc") + 3 + 5
    effect.apply(DELETE_ROW, None, None, None)
    assert effect.size == ROW_OVERHEAD
    effect.apply(PUT, "c", 5, bytearray(b"\x00\x01"))  # binary, as the SDK reads it
    assert effect.size == ROW_OVERHEAD + 1 + CELL_OVERHEAD + 2


@pytest.mark.parametrize("change, message", [
    ((PUT, None, 1, "x"), "a U change without a column name"),
    ((DELETE_COLUMN, "", None, None), "a DA change without a column name"),
    ((PUT, "a", None, "x"), "a U change of column 'a' without a timestamp"),
    ((DELETE_VERSION, "a", None, None), "a DO change of column 'a' without a timestamp"),
    ((PUT, "a", 1, None), "a U change of column 'a' without a value"),
    (("X", "a", 1, "x"), "unknown op_type 'X'; a stream record has one of U, DO, DA, DR"),
])
def test_a_change_that_is_not_one_is_a_dirty_record_and_leaves_the_effect_as_it_was(change, message):
    effect = fold([(PUT, "a", 1, "kept")])
    with pytest.raises(DirtyRecord) as raised:
        effect.apply(*change)
    assert str(raised.value) == message
    assert shape(effect.writes(PK, 10)) == [("UpdateRow", {"PUT": [("a", "kept", 1)]})]


# --- the writes do what the changes do -----------------------------------------------------------
Cells = dict[tuple[str, int], Any]  # a row's cells: (column, timestamp) -> value


def change_one_by_one(cells: Cells, changes: list[Change]) -> Cells:
    """What Tablestore does with each change as it happened."""
    cells = dict(cells)
    for op, column, timestamp, value in changes:
        if op == DELETE_ROW:
            cells.clear()
        elif op == DELETE_COLUMN:
            cells = {k: v for k, v in cells.items() if k[0] != column}
        elif op == DELETE_VERSION:
            cells.pop((column, timestamp), None)
        else:
            cells[(column, timestamp)] = value
    return cells


def write(cells: Cells, items: list[tablestore.RowItem], max_cells: int) -> Cells:
    """What Tablestore does with the row writes, checking each is one it accepts."""
    cells = dict(cells)
    for item in items:
        columns = item.row.attribute_columns
        if isinstance(item, tablestore.DeleteRowItem):
            cells.clear()
        elif isinstance(item, tablestore.PutRowItem):
            assert 0 < len(columns) <= max_cells
            cells = {(c, ts): v for c, v, ts in columns}
        else:
            puts, deletes, cleared = columns.get("PUT", []), columns.get("DELETE", []), columns.get("DELETE_ALL", [])
            assert columns and len(puts) <= max_cells
            assert not set(cleared) & {c for c, *_ in (*puts, *deletes)}, "a column cleared and written in one write"
            assert not {(c, ts) for c, _, ts in puts} & {(c, ts) for c, _, ts in deletes}
            cells = {k: v for k, v in cells.items() if k[0] not in cleared}
            for column, _, timestamp in deletes:
                cells.pop((column, timestamp), None)
            cells.update({(c, ts): v for c, v, ts in puts})
    return cells


def random_change(rnd: random.Random) -> Change:
    op = rnd.choices((PUT, DELETE_VERSION, DELETE_COLUMN, DELETE_ROW), weights=(6, 2, 2, 1))[0]
    column, timestamp = rnd.choice("abc"), rnd.randint(1, 4)
    if op == DELETE_ROW:
        return op, None, None, None
    if op == DELETE_COLUMN:
        return op, column, None, None
    return op, column, timestamp, rnd.randint(0, 99) if op == PUT else None


def random_cells(rnd: random.Random) -> Cells:
    return {(rnd.choice("abcd"), rnd.randint(1, 4)): rnd.randint(100, 199) for _ in range(rnd.randint(0, 6))}


@pytest.mark.parametrize("seed", range(4))
def test_the_writes_leave_the_row_as_the_changes_do_from_any_state_and_again_change_nothing(seed):
    rnd = random.Random(seed)
    for _ in range(400):
        changes = [random_change(rnd) for _ in range(rnd.randint(1, 12))]
        max_cells = rnd.randint(1, 3)
        items = fold(changes).writes(PK, max_cells)
        for before in (random_cells(rnd), random_cells(rnd), {}):
            after = change_one_by_one(before, changes)
            assert write(before, items, max_cells) == after, (before, changes)
            assert write(after, items, max_cells) == after, (after, changes)  # a replay onto its own result
