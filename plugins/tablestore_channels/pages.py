"""A page of records held column by column, as readers that decode a column at a time have them.

The channel moves a split page by page (:class:`~tablestore_channels.contract.PagedReader`): a
page is a sequence of records, each a tuple of field values. A reader that decodes a response
a column at a time (the export's GetRange pages, the stream's changes) would zip its columns
into records, and a writer that encodes a column at a time (CSV, Parquet) would zip them back:
a :class:`ColumnarPage` carries the columns, which such a writer takes as they are, and builds
the records only when something asks for them (a record-by-record writer, a dirty record). A column
whose values come in runs (a stream change's key, once per output record of the change) may be
:class:`Repeated`, which a writer renders once per run. Both are :class:`LazySequence` objects, as
is the GetRange page the export's reader decodes (``ots_client.models.RowPage``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, overload

T = TypeVar("T")


class LazySequence(Sequence[T]):
    """A sequence whose items are built on first use (:meth:`_build`), then kept: the base of the
    pages a reader hands on, which a consumer may take in another shape without ever building them."""

    __slots__ = ("_built",)

    def __init__(self) -> None:
        self._built: list[T] | None = None

    def _build(self) -> list[T]:
        raise NotImplementedError

    def _items(self) -> list[T]:
        if self._built is None:
            self._built = self._build()
        return self._built

    def __len__(self) -> int:
        return len(self._items())

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self._items()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self._items())

    def __eq__(self, other: object) -> bool:
        return self._items() == (other._items() if isinstance(other, LazySequence) else other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items()!r})"


class ColumnarPage(LazySequence[tuple[Any, ...]]):
    """``count`` records given as ``columns``: one sequence of ``count`` values per field."""

    __slots__ = ("_count", "columns")

    def __init__(self, columns: Sequence[Sequence[Any]], count: int) -> None:
        super().__init__()
        self.columns = columns
        self._count = count

    def _build(self) -> list[tuple[Any, ...]]:
        return list(zip(*self.columns)) if self.columns else [()] * self._count

    def records(self) -> list[tuple[Any, ...]]:
        """The records, built on first use."""
        return self._items()

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> tuple[Any, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[Any, ...]]: ...

    def __getitem__(self, index: int | slice) -> tuple[Any, ...] | Sequence[tuple[Any, ...]]:
        if isinstance(index, slice) and self._built is None:
            start, stop, step = index.indices(self._count)
            if step == 1:  # the columns sliced, no records built
                return ColumnarPage([column[start:stop] for column in self.columns], max(0, stop - start))
        return self._items()[index]


class Repeated(LazySequence[Any]):
    """A column of runs: ``values[i]`` repeated ``counts[i]`` times."""

    __slots__ = ("counts", "values")

    def __init__(self, values: Sequence[Any], counts: Sequence[int]) -> None:
        super().__init__()
        self.values = values
        self.counts = counts

    def expand(self, values: Sequence[Any]) -> list[Any]:
        """``values`` (one per run, such as this column's texts) repeated as this column's."""
        return list(itertools.chain.from_iterable(map(itertools.repeat, values, self.counts)))

    def _build(self) -> list[Any]:
        return self.expand(self.values)
