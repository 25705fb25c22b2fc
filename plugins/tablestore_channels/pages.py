"""A page of records held column by column, as readers that decode a column at a time have them.

The channel moves a split page by page (:class:`~tablestore_channels.contract.PagedReader`): a
page is a sequence of records, each a tuple of field values. A reader that decodes a response
a column at a time (the export's GetRange pages, the stream's changes) would zip its columns
into records, and a writer that encodes a column at a time (CSV, Parquet) would zip them back:
a :class:`ColumnarPage` carries the columns, which such a writer takes as they are, and builds
the records only when something asks for them (a record-by-record writer, a dirty record). A column
whose values come in runs (a stream change's key, once per output record of the change) may be
:class:`Repeated`, which a writer renders once per run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any, overload


class ColumnarPage(Sequence[tuple[Any, ...]]):
    """``count`` records given as ``columns``: one sequence of ``count`` values per field."""

    __slots__ = ("_count", "_records", "columns")

    def __init__(self, columns: Sequence[Sequence[Any]], count: int) -> None:
        self.columns = columns
        self._count = count
        self._records: list[tuple[Any, ...]] | None = None

    def records(self) -> list[tuple[Any, ...]]:
        """The records, built on first use."""
        if self._records is None:
            self._records = list(zip(*self.columns)) if self.columns else [()] * self._count
        return self._records

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> tuple[Any, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[Any, ...]]: ...

    def __getitem__(self, index: int | slice) -> tuple[Any, ...] | Sequence[tuple[Any, ...]]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step == 1 and self._records is None:
                return ColumnarPage([column[start:stop] for column in self.columns], max(0, stop - start))
        return self.records()[index]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.records())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and self.records() == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ColumnarPage({self.records()!r})"


class Repeated(Sequence[Any]):
    """A column of runs: ``values[i]`` repeated ``counts[i]`` times."""

    __slots__ = ("_expanded", "counts", "values")

    def __init__(self, values: Sequence[Any], counts: Sequence[int]) -> None:
        self.values = values
        self.counts = counts
        self._expanded: list[Any] | None = None

    def expand(self, values: Sequence[Any]) -> list[Any]:
        """``values`` (one per run, such as this column's texts) repeated as this column's."""
        return list(itertools.chain.from_iterable(map(itertools.repeat, values, self.counts)))

    def _list(self) -> list[Any]:
        if self._expanded is None:
            self._expanded = self.expand(self.values)
        return self._expanded

    def __len__(self) -> int:
        return len(self._list())

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        return self._list()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and self._list() == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Repeated({self._list()!r})"
